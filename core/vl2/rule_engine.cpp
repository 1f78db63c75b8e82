// Rules engine (spec §8.9), following 1.14.1's _doZtFilter rule by rule. Frame fields are
// read lazily, only when a rule asks, through bounds-checked Reader helpers: a frame too
// short for a rule makes that rule "not apply" (hard false) unless noted otherwise.
#include "core/vl2/rule_engine.hpp"

#include <algorithm>

#include "core/wire/reader.hpp"

namespace zt::vl2 {

namespace {

constexpr uint8_t kIpProtoTcp = 0x06;
constexpr uint8_t kIpProtoUdp = 0x11;
constexpr uint8_t kIpProtoSctp = 0x84;
constexpr uint8_t kIpProtoUdpLite = 0x88;
constexpr uint8_t kIpProtoIcmp = 0x01;
constexpr uint8_t kIpProtoIcmpV6 = 0x3a;
constexpr uint8_t kIcmpV6NeighborSolicitation = 0x87;
constexpr uint8_t kIcmpV6NeighborAdvertisement = 0x88;
constexpr size_t kIpv4HeaderMin = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kArpMin = 28;

// Bounds-checked reads at an offset (zero past the end).
uint8_t u8_at(std::span<const uint8_t> p, size_t at) {
    Reader r{p};
    r.skip(at);
    return r.u8();
}
uint16_t u16_at(std::span<const uint8_t> p, size_t at) {
    Reader r{p};
    r.skip(at);
    return r.u16be();
}
std::span<const uint8_t> bytes_at(std::span<const uint8_t> p, size_t at, size_t n) {
    Reader r{p};
    r.skip(at);
    return r.bytes(n);
}

// The frame, parsed as far as the rules need and no further.
class FrameView {
public:
    explicit FrameView(const FilterInput& in) : in_(in), p_(in.payload) {}

    std::span<const uint8_t> payload() const { return p_; }
    bool ipv4() const { return in_.ether_type == kEtherTypeIpv4 && p_.size() >= kIpv4HeaderMin; }
    bool ipv6() const { return in_.ether_type == kEtherTypeIpv6 && p_.size() >= kIpv6Header; }
    size_t ipv4_header_length() const { return 4 * size_t(u8_at(p_, 0) & 0x0f); }

    // IPv6: the upper-layer protocol and its offset past the hop-by-hop, routing,
    // destination and mobility headers; false if the chain runs past the frame.
    bool ipv6_payload(size_t& pos, uint8_t& proto) {
        if (!v6_walked_) walk_ipv6();
        pos = v6_pos_;
        proto = v6_proto_;
        return v6_ok_;
    }

    // The CHARACTERISTICS bits that need more than the rule: COO ownership of the sender.
    uint64_t ownership_bits() {
        if (!ownership_known_) {
            ownership_ = compute_ownership();
            ownership_known_ = true;
        }
        return ownership_;
    }

private:
    void walk_ipv6() {
        v6_walked_ = true;
        v6_ok_ = false;
        if (p_.size() < kIpv6Header) return;
        size_t pos = kIpv6Header;
        uint8_t proto = u8_at(p_, 6);
        while (pos <= p_.size()) {
            switch (proto) {
            case 0:    // hop-by-hop options
            case 43:   // routing
            case 60:   // destination options
            case 135:  // mobility
                if (pos + 8 > p_.size()) return;
                proto = u8_at(p_, pos);
                pos += size_t(u8_at(p_, pos + 1)) * 8 + 8;
                break;
            default:  // fragments, ESP, AH and upper layers end the walk, as in 1.14
                v6_pos_ = pos;
                v6_proto_ = proto;
                v6_ok_ = true;
                return;
            }
        }
    }

    uint64_t compute_ownership() const {
        uint64_t bits = 0;
        std::span<const uint8_t> src;  // the sender's claimed IP, if the frame has one
        if (ipv4()) {
            src = bytes_at(p_, 12, 4);
        } else if (ipv6()) {
            // NDP: a solicitation has no reliable source and counts as authenticated; an
            // advertisement is checked on its target address (1.14).
            const bool ndp = p_.size() >= kIpv6Header + 8 + 16 && u8_at(p_, 6) == kIpProtoIcmpV6;
            const uint8_t icmp_type = u8_at(p_, kIpv6Header);
            if (ndp && icmp_type == kIcmpV6NeighborSolicitation)
                bits |= kCharacteristicSenderIpAuthenticated;
            else if (ndp && icmp_type == kIcmpV6NeighborAdvertisement)
                src = bytes_at(p_, kIpv6Header + 8, 16);
            else
                src = bytes_at(p_, 8, 16);
        } else if (in_.ether_type == kEtherTypeArp && p_.size() >= kArpMin) {
            src = bytes_at(p_, 14, 4);  // sender protocol address
        }
        if (in_.ownership) {
            if (!src.empty() && in_.ownership->owns_ip(src)) bits |= kCharacteristicSenderIpAuthenticated;
            if (in_.ownership->owns_mac(in_.mac_source)) bits |= kCharacteristicSenderMacAuthenticated;
        }
        return bits;
    }

    const FilterInput& in_;
    std::span<const uint8_t> p_;
    bool v6_walked_ = false;
    bool v6_ok_ = false;
    size_t v6_pos_ = 0;
    uint8_t v6_proto_ = 0;
    bool ownership_known_ = false;
    uint64_t ownership_ = 0;
};

// The raw outcome of one MATCH. `yes`/`no` are then inverted by NOT; `hard_*` are final
// (1.14's hardYes/hardNo: "does not apply" is false whatever NOT says).
enum class Match : uint8_t { no, yes, hard_no, hard_yes };

Match of(bool b) { return b ? Match::yes : Match::no; }

// Per-list state that rules change as they go (1.14's superAccept and skipDrop).
struct ListState {
    bool super_accept = false;  // inbound, we are the target of a TEE/WATCH/REDIRECT
    bool skip_drop = false;     // a tag rule could not be checked: let the next DROP pass
};

bool ipv4_contains(const Rule& rule, std::span<const uint8_t> addr) {
    const unsigned bits = std::min<unsigned>(rule.ip_bits, 32);  // > 32 is undefined in 1.14
    if (bits == 0) return true;
    Reader a{addr};
    Reader n{std::span<const uint8_t>(rule.ip).first(4)};
    const uint32_t x = a.u32be(), y = n.u32be();
    return (x >> (32 - bits)) == (y >> (32 - bits));
}

// As 1.14's InetAddress::containsAddress: the rule's address is compared unmasked, so host
// bits set in it never match.
bool ipv6_contains(const Rule& rule, std::span<const uint8_t> addr) {
    const unsigned bits = std::min<unsigned>(rule.ip_bits, 128);
    for (size_t i = 0; i < 16; ++i) {
        const unsigned left = bits > i * 8 ? bits - unsigned(i) * 8 : 0;
        const uint8_t mask = left >= 8 ? 0xff : uint8_t(0xff00 >> left);
        if ((u8_at(addr, i) & mask) != rule.ip[i]) return false;
    }
    return true;
}

const TagValue* find_tag(std::span<const TagValue> tags, uint32_t id) {
    auto it = std::lower_bound(tags.begin(), tags.end(), id, [](const TagValue& t, uint32_t v) { return t.id < v; });
    return (it != tags.end() && it->id == id) ? &*it : nullptr;
}

Match match_ports(const Rule& rule, FrameView& f) {
    const bool dest = rule.type() == RuleType::match_ip_dest_port_range;
    auto carries_ports = [](uint8_t proto) {
        return proto == kIpProtoTcp || proto == kIpProtoUdp || proto == kIpProtoSctp || proto == kIpProtoUdpLite;
    };
    const auto p = f.payload();
    if (f.ipv4()) {
        // A protocol without ports or a header too short gives a plain "no" (NOT applies).
        const size_t hl = f.ipv4_header_length();
        if (!carries_ports(u8_at(p, 9)) || p.size() <= hl + 4) return Match::no;
        const uint16_t port = u16_at(p, hl + (dest ? 2 : 0));
        return of(port >= rule.range_start && port <= rule.range_end);
    }
    if (f.ipv6()) {
        size_t pos = 0;
        uint8_t proto = 0;
        if (!f.ipv6_payload(pos, proto)) return Match::hard_no;
        if (!carries_ports(proto) || p.size() <= pos + 4) return Match::no;
        const uint16_t port = u16_at(p, pos + (dest ? 2 : 0));
        if (port == 0) return Match::no;  // 1.14 treats port 0 as "no port" on IPv6
        return of(port >= rule.range_start && port <= rule.range_end);
    }
    return Match::hard_no;
}

Match match_icmp(const Rule& rule, FrameView& f) {
    const auto p = f.payload();
    size_t at = 0;
    if (f.ipv4()) {
        if (u8_at(p, 9) != kIpProtoIcmp) return Match::hard_no;
        at = f.ipv4_header_length();
    } else if (f.ipv6()) {
        size_t pos = 0;
        uint8_t proto = 0;
        if (!f.ipv6_payload(pos, proto) || proto != kIpProtoIcmpV6) return Match::hard_no;
        at = pos;
    } else {
        return Match::hard_no;
    }
    if (p.size() < at + 2 || u8_at(p, at) != rule.icmp_type) return Match::hard_no;
    if (rule.icmp_flags & kIcmpFlagMatchCode) return of(u8_at(p, at + 1) == rule.icmp_code);
    return Match::hard_yes;
}

Match match_characteristics(const Rule& rule, FrameView& f, const FilterInput& in) {
    uint64_t bits = in.direction == Direction::inbound ? kCharacteristicInbound : 0;
    if (in.mac_dest.is_multicast()) bits |= kCharacteristicMulticast;
    if (in.mac_dest.is_broadcast()) bits |= kCharacteristicBroadcast;
    bits |= f.ownership_bits();
    // TCP flags: the low 4 bits of header byte 12 and byte 13. 1.14 does not check that the
    // IPv4 TCP header is there; we add no flags when it is not.
    const auto p = f.payload();
    size_t tcp = 0;
    bool have_tcp = false;
    if (f.ipv4() && u8_at(p, 9) == kIpProtoTcp) {
        tcp = f.ipv4_header_length();
        have_tcp = p.size() >= tcp + 14;
    } else if (f.ipv6()) {
        uint8_t proto = 0;
        have_tcp = f.ipv6_payload(tcp, proto) && proto == kIpProtoTcp && p.size() > tcp + 14;
    }
    if (have_tcp) bits |= uint64_t(u8_at(p, tcp + 13)) | (uint64_t(u8_at(p, tcp + 12) & 0x0f) << 8);
    return of((bits & rule.characteristics) != 0);
}

// TAGS_*: both our tag and the peer's. Without our tag the rule does not apply. Without the
// peer's tag it does not apply inbound (unless we are a TEE/REDIRECT target); outbound it
// passes and lets the next DROP through, since the recipient checks again on receipt.
Match match_tags(const Rule& rule, const FilterInput& in, ListState& st) {
    const TagValue* ours = find_tag(in.our_tags, rule.tag_id);
    if (!ours) return Match::hard_no;
    const TagValue* theirs = find_tag(in.peer_tags, rule.tag_id);
    if (!theirs) {
        if (in.direction == Direction::inbound && !st.super_accept) return Match::hard_no;
        st.skip_drop = true;
        return Match::hard_yes;
    }
    const uint32_t a = ours->value, b = theirs->value, v = rule.tag_value;
    switch (rule.type()) {
    case RuleType::match_tags_difference: return of((a > b ? a - b : b - a) <= v);
    case RuleType::match_tags_bitwise_and: return of((a & b) == v);
    case RuleType::match_tags_bitwise_or: return of((a | b) == v);
    case RuleType::match_tags_bitwise_xor: return of((a ^ b) == v);
    case RuleType::match_tags_equal: return of(a == v && b == v);
    default: return Match::hard_no;
    }
}

// TAG_SENDER / TAG_RECEIVER: the sender's (receiver's) tag equals the value. Inbound the
// sender is the peer; outbound the receiver is. A missing receiver tag outbound passes and
// lets the next DROP through; any other missing tag does not apply.
Match match_tag_side(const Rule& rule, const FilterInput& in, ListState& st) {
    if (st.super_accept) {
        st.skip_drop = true;
        return Match::hard_yes;
    }
    const bool sender = rule.type() == RuleType::match_tag_sender;
    const bool inbound = in.direction == Direction::inbound;
    if (sender == inbound) {  // the peer's tag
        if (const TagValue* theirs = find_tag(in.peer_tags, rule.tag_id)) return of(theirs->value == rule.tag_value);
        if (sender) return Match::hard_no;
        st.skip_drop = true;
        return Match::hard_yes;
    }
    if (const TagValue* ours = find_tag(in.our_tags, rule.tag_id)) return of(ours->value == rule.tag_value);
    return Match::hard_no;
}

// INTEGER_RANGE: an unsigned integer of (format & 63) + 1 bits read from the payload.
// Big-endian: the low bytes of an 8-byte field at `index` (1.14 reads from index + 8 - n);
// little-endian: n bytes at `index`. Past the end of the frame the integer is 0.
Match match_integer_range(const Rule& rule, FrameView& f) {
    const auto p = f.payload();
    const unsigned bits = (rule.int_format & 63u) + 1;
    const size_t n = (bits + 7) / 8;
    uint64_t value = 0;
    if ((rule.int_format & kIntegerRangeLittleEndian) == 0) {
        const size_t at = size_t(rule.int_index) + (8 - n);
        if (at + n <= p.size())
            for (size_t i = 0; i < n; ++i) value = (value << 8) | u8_at(p, at + i);
        value &= ~uint64_t(0) >> (64 - bits);
    } else {
        const size_t at = rule.int_index;
        if (at + n <= p.size())
            for (size_t i = 0; i < n; ++i) value = (value >> 8) | (uint64_t(u8_at(p, at + i)) << 56);
        value >>= (64 - bits);
    }
    return of(value >= rule.int_start && value <= rule.integer_range_last());
}

Match match(const Rule& rule, FrameView& f, const FilterInput& in, ListState& st) {
    const auto p = f.payload();
    switch (rule.type()) {
    case RuleType::match_source_zerotier_address: return of(rule.zt == in.zt_source);
    case RuleType::match_dest_zerotier_address: return of(rule.zt == in.zt_dest);
    case RuleType::match_vlan_id: return of(rule.vlan_id == in.vlan_id);
    case RuleType::match_vlan_pcp: return of(rule.vlan_pcp == in.vlan_pcp);
    case RuleType::match_vlan_dei: return of(rule.vlan_dei == in.vlan_dei);
    case RuleType::match_mac_source: return of(rule.mac == in.mac_source);
    case RuleType::match_mac_dest: return of(rule.mac == in.mac_dest);
    case RuleType::match_ipv4_source:
        return f.ipv4() ? of(ipv4_contains(rule, bytes_at(p, 12, 4))) : Match::hard_no;
    case RuleType::match_ipv4_dest:
        return f.ipv4() ? of(ipv4_contains(rule, bytes_at(p, 16, 4))) : Match::hard_no;
    case RuleType::match_ipv6_source:
        return f.ipv6() ? of(ipv6_contains(rule, bytes_at(p, 8, 16))) : Match::hard_no;
    case RuleType::match_ipv6_dest:
        return f.ipv6() ? of(ipv6_contains(rule, bytes_at(p, 24, 16))) : Match::hard_no;
    case RuleType::match_ip_tos: {
        uint8_t tos = 0;
        if (f.ipv4()) tos = u8_at(p, 1);
        else if (f.ipv6()) tos = uint8_t((u8_at(p, 0) << 4) | (u8_at(p, 1) >> 4));  // traffic class
        else return Match::hard_no;
        tos &= rule.tos_mask;
        return of(tos >= rule.tos_start && tos <= rule.tos_end);
    }
    case RuleType::match_ip_protocol: {
        if (f.ipv4()) return of(u8_at(p, 9) == rule.ip_protocol);
        size_t pos = 0;
        uint8_t proto = 0;
        if (f.ipv6() && f.ipv6_payload(pos, proto)) return of(proto == rule.ip_protocol);
        return Match::hard_no;
    }
    case RuleType::match_ethertype: return of(rule.ether_type == in.ether_type);
    case RuleType::match_icmp: return match_icmp(rule, f);
    case RuleType::match_ip_source_port_range:
    case RuleType::match_ip_dest_port_range: return match_ports(rule, f);
    case RuleType::match_characteristics: return match_characteristics(rule, f, in);
    case RuleType::match_frame_size_range: return of(p.size() >= rule.range_start && p.size() <= rule.range_end);
    case RuleType::match_random: return of(in.random <= rule.random_probability);
    case RuleType::match_tags_difference:
    case RuleType::match_tags_bitwise_and:
    case RuleType::match_tags_bitwise_or:
    case RuleType::match_tags_bitwise_xor:
    case RuleType::match_tags_equal: return match_tags(rule, in, st);
    case RuleType::match_tag_sender:
    case RuleType::match_tag_receiver: return match_tag_side(rule, in, st);
    case RuleType::match_integer_range: return match_integer_range(rule, f);
    default: break;  // actions never get here; unknown match types fall through
    }
    return of((in.config_flags & kConfigFlagUnsupportedMatchIsMatch) != 0);
}

// How one rule list ended (1.14's DOZTFILTER_*).
enum class ListEnd : uint8_t { no_match, drop, redirect, accept, super_accept };

struct ListResult {
    ListEnd end = ListEnd::no_match;
    uint32_t rule_index = 0;
    Address redirect_to;
    std::optional<CopyTarget> copy;
    std::optional<uint8_t> qos_bucket;
};

bool is_forward(RuleType t) {
    return t == RuleType::action_tee || t == RuleType::action_watch || t == RuleType::action_redirect;
}

// Spec §8.9 steps 1-3 over one list.
ListResult run_list(std::span<const Rule> rules, FrameView& f, const FilterInput& in) {
    ListResult res;
    ListState st;
    const bool inbound = in.direction == Direction::inbound;
    bool set = true;  // an action with no match before it is always taken
    for (size_t i = 0; i < rules.size(); ++i) {
        const Rule& rule = rules[i];
        const auto at = [&](ListEnd end) {
            res.end = end;
            res.rule_index = uint32_t(i);
            return res;
        };
        if (rule.is_action()) {
            if (!set) {
                // A TEE/WATCH/REDIRECT to us that did not fire still makes us accept what we
                // accept at all, whatever its addressing.
                if (inbound && is_forward(rule.type()) && rule.forward_target() == in.self) st.super_accept = true;
                set = true;
                continue;
            }
            switch (rule.type()) {
            case RuleType::action_priority:
                res.qos_bucket = rule.qos_bucket <= 8 ? rule.qos_bucket : kQosDefaultBucket;
                return at(ListEnd::accept);
            case RuleType::action_drop:
                if (st.skip_drop) {
                    st.skip_drop = false;
                    continue;
                }
                return at(ListEnd::drop);
            case RuleType::action_accept:
                return at(st.super_accept ? ListEnd::super_accept : ListEnd::accept);
            case RuleType::action_tee:
            case RuleType::action_watch:
            case RuleType::action_redirect: {
                const Address target = rule.forward_target();
                if (target == in.zt_source) continue;
                if (target == in.self) {
                    if (inbound) return at(ListEnd::super_accept);
                    continue;
                }
                if (target == in.zt_dest) continue;
                if (rule.type() == RuleType::action_redirect) {
                    res.redirect_to = target;
                    return at(ListEnd::redirect);
                }
                const uint32_t size = uint32_t(f.payload().size());
                res.copy = CopyTarget{target, rule.forward_length ? std::min<uint32_t>(size, rule.forward_length) : size,
                                      rule.type() == RuleType::action_watch};
                continue;
            }
            case RuleType::action_break:
                return at(ListEnd::no_match);
            default:
                continue;  // unknown actions are no-ops
            }
        }
        // An AND after a false set cannot make it true: skip it.
        if (!set && !rule.is_or()) continue;
        bool r = false;
        switch (match(rule, f, in, st)) {
        case Match::no: r = rule.negated(); break;
        case Match::yes: r = !rule.negated(); break;
        case Match::hard_no: r = false; break;
        case Match::hard_yes: r = true; break;
        }
        set = rule.is_or() ? (set || r) : (set && r);
    }
    res.end = ListEnd::no_match;
    return res;
}

// A TEE/WATCH to address 0 is recorded (it replaces an earlier target) but never sent.
void add_copy(FilterResult& out, const std::optional<CopyTarget>& c) {
    if (c && !c->to.is_zero() && out.copy_count < out.copies.size()) out.copies[out.copy_count++] = *c;
}

// An accepting list: accept, or redirect when REDIRECT changed the destination (a REDIRECT
// to address 0 is a plain accept, as in 1.14).
void take_accept(FilterResult& out, const ListResult& r) {
    out.verdict = FilterVerdict::accept;
    out.super_accept = r.end == ListEnd::super_accept;
    out.qos_bucket = r.qos_bucket;
    if (r.end == ListEnd::redirect && !r.redirect_to.is_zero()) {
        out.verdict = FilterVerdict::redirect;
        out.redirect_to = r.redirect_to;
    }
}

template <class RulesOf>
FilterResult evaluate_impl(std::span<const Rule> base_rules, size_t capability_count, RulesOf rules_of,
                           const FilterInput& in) {
    FilterResult out;
    if (accepts_everything(base_rules)) {
        out.verdict = FilterVerdict::accept;
        out.decided_by = DecidedBy::base_rules;
        return out;
    }
    FrameView frame(in);
    const ListResult base = run_list(base_rules, frame, in);
    switch (base.end) {
    case ListEnd::drop:
        out.decided_by = DecidedBy::base_rules;
        out.rule_index = base.rule_index;
        return out;
    case ListEnd::accept:
    case ListEnd::super_accept:
    case ListEnd::redirect:
        take_accept(out, base);
        out.decided_by = DecidedBy::base_rules;
        out.rule_index = base.rule_index;
        add_copy(out, base.copy);
        return out;
    case ListEnd::no_match:
        break;
    }
    for (size_t c = 0; c < capability_count; ++c) {
        const ListResult cap = run_list(rules_of(c), frame, in);
        if (cap.end == ListEnd::no_match || cap.end == ListEnd::drop) continue;
        take_accept(out, cap);
        out.decided_by = DecidedBy::capability;
        out.capability_index = uint32_t(c);
        out.rule_index = cap.rule_index;
        add_copy(out, cap.copy);
        add_copy(out, base.copy);
        return out;
    }
    return out;  // nothing accepted: drop
}

}  // namespace

FilterResult evaluate(std::span<const Rule> base_rules, std::span<const Capability> capabilities,
                      const FilterInput& in) {
    return evaluate_impl(
        base_rules, capabilities.size(), [&](size_t c) { return std::span<const Rule>(capabilities[c].rules()); }, in);
}

FilterResult evaluate_lists(std::span<const Rule> base_rules,
                            std::span<const std::span<const Rule>> capability_rules, const FilterInput& in) {
    return evaluate_impl(base_rules, capability_rules.size(), [&](size_t c) { return capability_rules[c]; }, in);
}

}  // namespace zt::vl2

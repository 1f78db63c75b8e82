// libFuzzer target: the rule codec (spec §8.9), Capability (§8.8) and the rules engine. The
// input is cut into a rule blob, a capability and a frame; both codecs must round-trip, and
// the engine's answer must be self-consistent whatever the frame holds.
//
//   <[1] flags> <[2] L> <[L] R blob> <[2] C> <[C] capability>
//   <[2] EtherType> <[4] random> <[1] our tag 1 value> <[1] peer tag 1 value> <[...] payload>
//   flags: 0x01 inbound, 0x02 config flag 0x8, 0x04 broadcast dest MAC, 0x08 multicast dest,
//          0x10 sender owns its IP, 0x20 sender owns its MAC, 0x40 zt_dest 0, 0x80 peer has tag 1
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/identity.hpp"
#include "core/vl2/capability.hpp"
#include "core/vl2/rule_engine.hpp"
#include "core/vl2/rules.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

struct Owns final : SenderOwnership {
    bool ip = false, mac = false;
    bool owns_ip(std::span<const uint8_t> a) const override { return ip && (a.size() == 4 || a.size() == 16); }
    bool owns_mac(Mac) const override { return mac; }
};

void round_trip_rules(const std::vector<Rule>& rules) {
    static std::array<uint8_t, 300 * kMaxNetworkRules> buf;
    Writer w{std::span<uint8_t>(buf)};
    write_rules(w, rules);
    require(w.ok());
    auto again = parse_rule_blob(w.written());
    require(again.has_value() && *again == rules);
}

void round_trip_capability(const Capability& c) {
    static std::array<uint8_t, 70000> buf;
    Writer w{std::span<uint8_t>(buf)};
    c.serialize(w);
    require(w.ok());
    auto again = Capability::parse(w.written());
    require(again.has_value() && *again == c);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Identity controller =
        *Identity::from_string("c41b8868ac:0:c8839ad3855931ad93c1a99e5fc3ff19af2c7de6a8a8f6d3557420be1ba9940c"
                               "93447974b1c716444769875613552d35c1d2f734edf844897cbe50114d7bd619");
    Reader r{std::span<const uint8_t>(data, size)};
    const uint8_t flags = r.u8();
    const auto blob = r.bytes(r.u16be());
    const auto cap_bytes = r.bytes(r.u16be());
    FilterInput in;
    in.ether_type = r.u16be();
    in.random = r.u32be();
    const uint8_t our_tag = r.u8(), peer_tag = r.u8();
    if (!r.ok()) return 0;
    in.payload = r.rest();

    std::vector<Rule> base;
    if (auto rules = parse_rule_blob(blob)) {
        round_trip_rules(*rules);
        base = std::move(*rules);
    }
    std::vector<Capability> caps;
    if (auto c = Capability::parse(cap_bytes)) {
        round_trip_capability(*c);
        require(c->rules().size() <= kMaxCapabilityRules);
        require(c->custody().size() <= c->max_custody());
        if (c->network().controller() == controller.address()) (void)c->verify(controller);
        caps.push_back(std::move(*c));
    }

    const Address a{0x0eb8d1da54}, b{0x3cc90031a0};
    const NetworkId nwid{0xc41b8868ac000001ULL};
    in.direction = (flags & 0x01) ? Direction::inbound : Direction::outbound;
    in.self = (flags & 0x01) ? b : a;
    in.zt_source = a;
    in.zt_dest = (flags & 0x40) ? Address() : b;
    in.mac_source = Mac::from_address(a, nwid);
    in.mac_dest = (flags & 0x04) ? Mac(0xffffffffffffULL) : (flags & 0x08) ? Mac(0x333300000001ULL)
                                                                            : Mac::from_address(b, nwid);
    in.config_flags = (flags & 0x02) ? kConfigFlagUnsupportedMatchIsMatch : 0;
    const std::array<TagValue, 1> ours{{{1, our_tag}}}, theirs{{{1, peer_tag}}};
    in.our_tags = ours;
    if (flags & 0x80) in.peer_tags = theirs;
    Owns owns;
    owns.ip = flags & 0x10;
    owns.mac = flags & 0x20;
    in.ownership = &owns;

    const FilterResult res = evaluate(base, caps, in);
    require(res.copy_count <= res.copies.size());
    for (const CopyTarget& c : res.copy_targets()) require(c.length <= in.payload.size() && !c.to.is_zero());
    require((res.verdict == FilterVerdict::redirect) == !res.redirect_to.is_zero());
    if (res.verdict == FilterVerdict::drop) require(res.copy_count == 0 && !res.super_accept);
    if (res.decided_by == DecidedBy::capability) require(res.capability_index < caps.size() && res.verdict != FilterVerdict::drop);
    if (res.decided_by == DecidedBy::base_rules) require(res.rule_index < base.size());
    if (res.super_accept) require(in.direction == Direction::inbound);
    if (accepts_everything(base)) require(res.verdict == FilterVerdict::accept && res.rule_index == 0);
    return 0;
}

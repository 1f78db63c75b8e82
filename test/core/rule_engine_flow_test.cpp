// Rules engine (spec §8.9), how rules combine: the accept-all fast path, NOT and OR, BREAK,
// the actions (DROP, ACCEPT, TEE, WATCH, REDIRECT, PRIORITY), capabilities after the base
// rules, tags, and short or malformed frames.
#include <catch2/catch.hpp>

#include "core/vl2/capability.hpp"
#include "rule_frames.hpp"

using namespace ztest::rules;
using zt::vl2::DecidedBy;
using zt::vl2::FilterVerdict;
using zt::vl2::TagValue;

namespace {

const Rule kAccept = action(RuleType::action_accept);
const Rule kDrop = action(RuleType::action_drop);
const Rule kBreak = action(RuleType::action_break);

struct NeverAsked final : zt::vl2::SenderOwnership {
    mutable int asked = 0;
    bool owns_ip(std::span<const uint8_t>) const override { return ++asked, false; }
    bool owns_mac(zt::Mac) const override { return ++asked, false; }
};

}  // namespace

TEST_CASE("rule engine: accept-all takes the fast path and reads nothing", "[core]") {
    auto rules = zt::vl2::parse_rule_blob(Bytes{0x01, 0x00});
    REQUIRE(rules);
    CHECK(zt::vl2::accepts_everything(*rules));
    Frame f(0x1234, Bytes{});
    NeverAsked owns;
    f.in.ownership = &owns;
    auto r = run(*rules, f);
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.decided_by == DecidedBy::base_rules);
    CHECK(r.rule_index == 0);
    CHECK(r.copy_count == 0);
    CHECK(owns.asked == 0);
    // NOT and OR bits mean nothing on an action.
    CHECK(zt::vl2::accepts_everything(std::vector<Rule>{Rule::of(RuleType::action_accept, true, true)}));
    CHECK(!zt::vl2::accepts_everything(std::vector<Rule>{ethertype(0x0800), kAccept}));
}

TEST_CASE("rule engine: an empty rule set and a set without decision drop", "[core]") {
    auto r = run({}, v4_tcp(1, 2));
    CHECK(r.verdict == FilterVerdict::drop);
    CHECK(r.decided_by == DecidedBy::nothing);
    r = run({ethertype(0x0806), kAccept}, v4_tcp(1, 2));
    CHECK(r.verdict == FilterVerdict::drop);
    CHECK(r.decided_by == DecidedBy::nothing);
}

TEST_CASE("rule engine: Central default passes IPv4, ARP, IPv6 and drops the rest", "[core]") {
    auto rules = zt::vl2::parse_rule_blob(*zt::from_hex("a5020800a5020806a50286dd00000100"));
    REQUIRE(rules);
    for (const Frame& f : {v4_tcp(1, 2), arp(), v6_tcp(1, 2)}) {
        auto r = run(*rules, f);
        CHECK(r.verdict == FilterVerdict::accept);
        CHECK(r.rule_index == 4);
    }
    auto lldp = run(*rules, Frame(0x88cc, Bytes(40, 0)));
    CHECK(lldp.verdict == FilterVerdict::drop);
    CHECK(lldp.decided_by == DecidedBy::base_rules);
    CHECK(lldp.rule_index == 3);
}

TEST_CASE("rule engine: OR combines with the set, NOT inverts one match", "[core]") {
    const std::vector<Rule> ip{ethertype(0x0800), ethertype(0x86dd, false, true), kAccept};
    CHECK(run(ip, v4_tcp(1, 2)).verdict == FilterVerdict::accept);
    CHECK(run(ip, v6_tcp(1, 2)).verdict == FilterVerdict::accept);
    CHECK(run(ip, arp()).verdict == FilterVerdict::drop);

    // ARP AND TCP is false for IPv4 (the AND is skipped), then OR IPv4 makes it true.
    const std::vector<Rule> or_after_and{ethertype(0x0806), protocol(6), ethertype(0x0800, false, true), kAccept};
    CHECK(run(or_after_and, v4_tcp(1, 2)).verdict == FilterVerdict::accept);
    CHECK(run(or_after_and, arp()).verdict == FilterVerdict::drop);  // ARP AND TCP: does not apply

    // Drop anything that is not IPv4, or is for port 22; accept the rest.
    std::vector<Rule> not_or{ethertype(0x0800, true), range(RuleType::match_ip_dest_port_range, 22, 22),
                                   kDrop, kAccept};
    not_or[1].t |= zt::vl2::kRuleOr;
    auto r = run(not_or, v4_tcp(40000, 22));
    CHECK(r.verdict == FilterVerdict::drop);
    CHECK(r.rule_index == 2);
    CHECK(run(not_or, v4_tcp(40000, 80)).verdict == FilterVerdict::accept);
    CHECK(run(not_or, arp()).verdict == FilterVerdict::drop);

    // An action whose set is false is skipped and starts a new set.
    r = run({ethertype(0x0806), kDrop, kAccept}, v4_tcp(1, 2));
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.rule_index == 2);
}

TEST_CASE("rule engine: BREAK ends the base rules without a decision", "[core]") {
    const std::vector<Rule> rules{ethertype(0x0800), kBreak, kAccept};
    auto r = run(rules, v4_tcp(1, 2));
    CHECK(r.verdict == FilterVerdict::drop);
    CHECK(r.decided_by == DecidedBy::nothing);
    r = run(rules, v4_tcp(1, 2), {{kAccept}});
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.capability_accepted());
    CHECK(run(rules, arp()).verdict == FilterVerdict::accept);
    // BREAK inside a capability ends only that capability.
    r = run({}, v4_tcp(1, 2), {{kBreak, kAccept}, {kAccept}});
    CHECK(r.capability_index == 1);
}

TEST_CASE("rule engine: DROP one TCP port, outbound at the sender and inbound at the receiver", "[core]") {
    // "drop TCP to or from port 23, accept the rest"
    const std::vector<Rule> rules{protocol(6), range(RuleType::match_ip_dest_port_range, 23, 23), kDrop,
                                  protocol(6), range(RuleType::match_ip_source_port_range, 23, 23), kDrop, kAccept};
    const Frame telnet = v4_tcp(40000, 23);
    const Frame reply = v4_tcp(23, 40000, 0x012);
    for (const Frame& f : {telnet, telnet.inbound(), reply, reply.inbound()}) {
        auto r = run(rules, f);
        CHECK(r.verdict == FilterVerdict::drop);
        CHECK(r.decided_by == DecidedBy::base_rules);
    }
    CHECK(run(rules, telnet).rule_index == 2);
    CHECK(run(rules, reply.inbound()).rule_index == 5);
    const Frame ssh = v4_tcp(40000, 22);
    CHECK(run(rules, ssh).verdict == FilterVerdict::accept);
    CHECK(run(rules, ssh.inbound()).verdict == FilterVerdict::accept);
    CHECK(run(rules, v4_udp(40000, 23)).verdict == FilterVerdict::accept);
    CHECK(run(rules, v6_tcp(40000, 23, 0x002, {0})).verdict == FilterVerdict::drop);
}

TEST_CASE("rule engine: capabilities after the base rules; DROP ends only its capability", "[core]") {
    const std::vector<Rule> base{ethertype(0x0806), kAccept};  // ARP only
    const std::vector<Rule> ssh{protocol(6), range(RuleType::match_ip_dest_port_range, 22, 22), kAccept};
    auto r = run(base, v4_tcp(40000, 22), {{kDrop}, ssh});
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.decided_by == DecidedBy::capability);
    CHECK(r.capability_index == 1);
    CHECK(r.rule_index == 2);
    r = run(base, v4_tcp(40000, 80), {{kDrop}, ssh});
    CHECK(r.verdict == FilterVerdict::drop);
    CHECK(r.decided_by == DecidedBy::nothing);
    // The base rules' DROP is final: capabilities are not asked.
    r = run({protocol(6), kDrop}, v4_tcp(40000, 22), {{kAccept}});
    CHECK(r.verdict == FilterVerdict::drop);
    CHECK(r.decided_by == DecidedBy::base_rules);
    // Through Capability objects, inbound (the ones the sender presented).
    std::vector<zt::vl2::Capability> caps{zt::vl2::Capability::issue(kNwid, 1, 1, {kDrop}, 1),
                                          zt::vl2::Capability::issue(kNwid, 1, 2, ssh, 1)};
    auto in = zt::vl2::evaluate(base, caps, v4_tcp(40000, 22).inbound().in);
    CHECK(in.verdict == FilterVerdict::accept);
    CHECK(in.capability_index == 1);
    CHECK(zt::vl2::evaluate(base, caps, v4_udp(40000, 22).in).verdict == FilterVerdict::drop);
}

TEST_CASE("rule engine: TEE and WATCH record a copy target and go on", "[core]") {
    const Frame f = v4_tcp(1, 2);  // 40-byte payload
    auto r = run({forward(RuleType::action_tee, kC, 16), kAccept}, f);
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.rule_index == 1);
    REQUIRE(r.copy_targets().size() == 1);
    CHECK(r.copies[0] == zt::vl2::CopyTarget{kC, 16, false});
    r = run({forward(RuleType::action_watch, kC, 0), kAccept}, f);
    CHECK(r.copies[0] == zt::vl2::CopyTarget{kC, 40, true});
    CHECK(run({forward(RuleType::action_tee, kC, 1000), kAccept}, f).copies[0].length == 40);
    // A drop sends no copy; a TEE to the source, the destination or (outbound) us is a no-op.
    CHECK(run({forward(RuleType::action_tee, kC), kDrop}, f).copy_count == 0);
    for (zt::Address a : {kA, kB}) CHECK(run({forward(RuleType::action_tee, a), kAccept}, f).copy_count == 0);
    // The last TEE wins; one to address 0 replaces it and is not sent.
    CHECK(run({forward(RuleType::action_tee, kC), forward(RuleType::action_watch, zt::Address(0x1122334455)), kAccept},
              f).copies[0].watch);
    CHECK(run({forward(RuleType::action_tee, kC), forward(RuleType::action_tee, zt::Address()), kAccept}, f).copy_count == 0);
    // The base rules' copy and the accepting capability's: the capability's first.
    r = run({forward(RuleType::action_tee, kC, 10)}, f, {{forward(RuleType::action_watch, zt::Address(0x1122334455)), kAccept}});
    REQUIRE(r.copy_count == 2);
    CHECK(r.copies[0].to == zt::Address(0x1122334455));
    CHECK(r.copies[0].watch);
    CHECK(r.copies[1] == zt::vl2::CopyTarget{kC, 10, false});
}

TEST_CASE("rule engine: REDIRECT sends elsewhere; to us inbound it super-accepts", "[core]") {
    const Frame f = v4_tcp(1, 2);
    auto r = run({forward(RuleType::action_redirect, kC), kDrop}, f);
    CHECK(r.verdict == FilterVerdict::redirect);
    CHECK(r.redirect_to == kC);
    CHECK(r.rule_index == 0);
    // To the destination: a no-op, the next rule decides.
    CHECK(run({forward(RuleType::action_redirect, kB), kDrop}, f).verdict == FilterVerdict::drop);
    // To address 0: 1.14 changes nothing, a plain accept.
    CHECK(run({forward(RuleType::action_redirect, zt::Address()), kDrop}, f).verdict == FilterVerdict::accept);
    // Inbound at B, REDIRECT/TEE to B (us): super-accept.
    const Frame in = f.inbound();
    r = run({forward(RuleType::action_tee, kB), kDrop}, in);
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.super_accept);
    // Even when its set does not fire, a later ACCEPT is a super-accept.
    r = run({ethertype(0x0806), forward(RuleType::action_redirect, kB), kAccept}, in);
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.super_accept);
    CHECK(!run({kAccept}, in).super_accept);
    // From a capability.
    r = run({}, f, {{forward(RuleType::action_redirect, kC)}});
    CHECK(r.verdict == FilterVerdict::redirect);
    CHECK(r.capability_accepted());
}

TEST_CASE("rule engine: PRIORITY accepts with a QoS bucket", "[core]") {
    auto r = run({action(RuleType::action_priority), kDrop}, v4_tcp(1, 2));
    CHECK(r.verdict == FilterVerdict::accept);
    REQUIRE(r.qos_bucket);
    CHECK(*r.qos_bucket == 0);  // not on the wire in 1.14
    Rule high = action(RuleType::action_priority);
    high.qos_bucket = 9;
    CHECK(*run({high}, v4_tcp(1, 2)).qos_bucket == zt::vl2::kQosDefaultBucket);
    CHECK(!run({kAccept}, v4_tcp(1, 2)).qos_bucket);
}

TEST_CASE("rule engine: tag comparisons between our tag and the peer's", "[core]") {
    std::vector<TagValue> ours{{1, 10}, {7, 0x0f}}, theirs{{1, 13}, {7, 0x3c}};
    Frame f = v4_tcp(1, 2);
    f.in.our_tags = ours;
    f.in.peer_tags = theirs;
    CHECK(matches(tag_rule(RuleType::match_tags_difference, 1, 3), f));
    CHECK(!matches(tag_rule(RuleType::match_tags_difference, 1, 2), f));
    CHECK(matches(tag_rule(RuleType::match_tags_bitwise_and, 7, 0x0c), f));
    CHECK(!matches(tag_rule(RuleType::match_tags_bitwise_and, 7, 0x0f), f));
    CHECK(matches(tag_rule(RuleType::match_tags_bitwise_or, 7, 0x3f), f));
    CHECK(matches(tag_rule(RuleType::match_tags_bitwise_xor, 7, 0x33), f));
    CHECK(!matches(tag_rule(RuleType::match_tags_equal, 1, 10), f));
    theirs[0].value = 10;
    CHECK(matches(tag_rule(RuleType::match_tags_equal, 1, 10), f));
    // We lack the tag: does not apply, NOT or not.
    Rule absent = tag_rule(RuleType::match_tags_equal, 2, 0);
    CHECK(!matches(absent, f));
    absent.t |= zt::vl2::kRuleNot;
    CHECK(!matches(absent, f));
}

TEST_CASE("rule engine: a peer tag we do not know: strict inbound, lenient outbound", "[core]") {
    std::vector<TagValue> ours{{1, 5}};
    Frame out = v4_tcp(1, 2);
    out.in.our_tags = ours;  // peer_tags empty: not received yet
    Frame in = out.inbound();
    const Rule same = tag_rule(RuleType::match_tags_equal, 1, 5);
    CHECK(matches(same, out));
    CHECK(!matches(same, in));
    // Outbound the next DROP is let through: the recipient checks on receipt.
    auto r = run({same, kDrop, kAccept}, out);
    CHECK(r.verdict == FilterVerdict::accept);
    CHECK(r.rule_index == 2);
    std::vector<TagValue> theirs{{1, 5}};
    out.in.peer_tags = theirs;
    CHECK(run({same, kDrop, kAccept}, out).verdict == FilterVerdict::drop);
}

TEST_CASE("rule engine: TAG_SENDER and TAG_RECEIVER pick the side by direction", "[core]") {
    std::vector<TagValue> ours{{3, 100}}, theirs{{3, 200}};
    Frame out = v4_tcp(1, 2);
    out.in.our_tags = ours;
    out.in.peer_tags = theirs;
    const Frame in = out.inbound();
    // Outbound we send: sender = our tag, receiver = the peer's.
    CHECK(matches(tag_rule(RuleType::match_tag_sender, 3, 100), out));
    CHECK(matches(tag_rule(RuleType::match_tag_receiver, 3, 200), out));
    CHECK(!matches(tag_rule(RuleType::match_tag_sender, 3, 200), out));
    // Inbound the peer sent: sender = the peer's tag, receiver = ours.
    CHECK(matches(tag_rule(RuleType::match_tag_sender, 3, 200), in));
    CHECK(matches(tag_rule(RuleType::match_tag_receiver, 3, 100), in));
    CHECK(!matches(tag_rule(RuleType::match_tag_receiver, 3, 200), in));
    // Missing tags: the receiver's outbound passes (and lets a DROP through); others do not apply.
    Frame bare = v4_tcp(1, 2);
    CHECK(matches(tag_rule(RuleType::match_tag_receiver, 3, 1), bare));
    CHECK(run({tag_rule(RuleType::match_tag_receiver, 3, 1), kDrop, kAccept}, bare).verdict == FilterVerdict::accept);
    CHECK(!matches(tag_rule(RuleType::match_tag_sender, 3, 1), bare));
    CHECK(!matches(tag_rule(RuleType::match_tag_sender, 3, 1), bare.inbound()));
    CHECK(!matches(tag_rule(RuleType::match_tag_receiver, 3, 1), bare.inbound()));
    // As a TEE/REDIRECT target (inbound) tag rules always pass.
    CHECK(run({ethertype(1), forward(RuleType::action_tee, kB), tag_rule(RuleType::match_tag_sender, 3, 1), kAccept},
              bare.inbound()).super_accept);
}

namespace {

// Every match type, each once plain and once with NOT.
std::vector<Rule> every_match() {
    std::vector<Rule> v;
    for (uint8_t t = 24; t <= 51; ++t) {
        Rule r;
        r.t = t;
        r.ip_bits = 8;
        r.range_end = 0xffff;
        r.int_format = t & 1 ? 63 : 0x87;
        r.characteristics = ~0ULL;
        v.push_back(r);
        r.t |= zt::vl2::kRuleNot;
        r.t |= zt::vl2::kRuleOr;
        v.push_back(r);
    }
    v.push_back(kAccept);
    return v;
}

}  // namespace

TEST_CASE("rule engine: short and malformed frames never crash; IP matches do not apply", "[core]") {
    Bytes na = icmp(136, 0);
    na.insert(na.end(), kIp6A.begin(), kIp6A.end());
    const std::vector<Frame> frames{v4_tcp(1, 2), v6_tcp(1, 2, 0x012, {0, 60}), arp(),
                                    Frame(zt::vl2::kEtherTypeIpv6, ipv6(58, kIp6A, kIp6B, na))};
    const auto all = every_match();
    std::vector<TagValue> tags{{1, 1}};
    NeverAsked owns;
    for (const Frame& whole : frames) {
        for (size_t n = 0; n <= whole.payload.size(); ++n) {
            Frame f(whole.in.ether_type, Bytes(whole.payload.begin(), whole.payload.begin() + n));
            f.in.our_tags = tags;
            f.in.ownership = &owns;
            (void)run(all, f);
            (void)run(all, f.inbound());
        }
    }
    // A truncated IPv4 header: address and protocol matches do not apply, NOT or not.
    const Bytes tcp_frame = v4_tcp(1, 2).payload;
    Frame short_v4(zt::vl2::kEtherTypeIpv4, Bytes(tcp_frame.begin(), tcp_frame.begin() + 19));
    CHECK(!matches(Rule::of(RuleType::match_ipv4_source, true), short_v4));
    CHECK(!matches(protocol(6, true), short_v4));
    CHECK(!matches(range(RuleType::match_ip_dest_port_range, 0, 0, true), short_v4));
    // IHL claiming 60 bytes of header in a 40-byte frame: no ports, no TCP flags.
    Frame bad_ihl = v4_tcp(1, 2);
    bad_ihl.payload[0] = 0x4f;
    CHECK(!matches(range(RuleType::match_ip_dest_port_range, 0, 0xffff), bad_ihl));
    Rule syn = Rule::of(RuleType::match_characteristics);
    syn.characteristics = 0x002;
    CHECK(!matches(syn, bad_ihl));
}

// Frames on a controller-managed network in a simulated world (spec §5.8–§5.13, §6.3–§6.5,
// §8.7–§8.9): the membership gate and credentials, revocations, multicast through gathers,
// the flow rules at sender and receiver, and NDP emulation.
#include <catch2/catch.hpp>

#include "core/ipv6_schemes.hpp"
#include "core/vl1/error.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/vl2/network_credentials.hpp"
#include "network_world.hpp"
#include "packets.hpp"

using namespace zt;
using namespace ztest::vl2net;

namespace {

constexpr uint16_t kIpv4 = 0x0800, kArp = 0x0806, kIpv6 = 0x86dd;

// ERROR(NEED_MEMBERSHIP_CERTIFICATE) packets `from` sent about kNet.
size_t need_certificate_errors(const Testbed& w, Address from) {
    size_t n = 0;
    for (const auto& p : w.seen)
        if (p.from == from && p.verb == Verb::error)
            if (auto e = vl1::Error::parse(p.payload); e && e->code == ErrorCode::need_membership_certificate && e->nwid == kNet) ++n;
    return n;
}

// Frames b → a (or any pair) until both have exchanged credentials.
void introduce(Testbed& w, ztest::SimNode* p, ztest::SimNode* q) {
    w.frame(p, q, kIpv4, tcp_packet(1, 2, 7));
    w.net.advance(1000);
    w.frame(q, p, kIpv4, tcp_packet(2, 1, 7));
    w.net.advance(1000);
}

}  // namespace

TEST_CASE("membership: a frame from a member whose COM we lack waits for its credentials", "[core]") {
    Testbed w;
    w.join({w.a, w.b});
    REQUIRE(w.status(w.a).is_private);
    const Bytes payload = tcp_packet(11, 12, 80);
    // A pushes its credentials before its first FRAME to B; that push is lost on the way.
    bool dropped_push = false;
    w.drop = [&](const ztest::Datagram& d) {
        auto s = w.tap.open(d);
        if (dropped_push || !s || s->verb != Verb::network_credentials || s->from != w.ida.address()) return false;
        dropped_push = true;
        return true;
    };
    w.frame(w.a, w.b, kIpv4, payload);
    w.net.advance(1000);
    REQUIRE(dropped_push);
    // B refused the FRAME without A's COM, held it back and asked for the COM. A pushed less
    // than a second ago, so it does not push at once (§8.7: at most once a second).
    CHECK(w.b->node->stats().dropped(Drop::not_member) == 1);
    CHECK(w.status(w.b).dropped_not_member == 1);
    CHECK(need_certificate_errors(w, w.idb.address()) == 1);
    CHECK(w.events(w.a, Event::Kind::error_received) == 1);
    CHECK(w.delivered(w.b, kIpv4).empty());
    // A retransmits a second later (as TCP would): refused again, and now A pushes.
    w.frame(w.a, w.b, kIpv4, payload);
    w.net.advance(1000);
    CHECK(w.b->node->stats().dropped(Drop::not_member) == 2);
    CHECK(w.count_seen(w.ida.address(), w.idb.address(), Verb::network_credentials) >= 2);
    // Both held-back frames were delivered once A's COM arrived.
    auto got = w.delivered(w.b, kIpv4);
    REQUIRE(got.size() == 2);
    CHECK(got[0].payload == payload);
    CHECK(got[0].src == w.mac(w.a));
    CHECK(got[0].dst == w.mac(w.b));
}

TEST_CASE("membership: members with agreeing COMs exchange frames both ways", "[core]") {
    Testbed w;
    w.join({w.a, w.b});
    introduce(w, w.a, w.b);
    const uint64_t refused = w.b->node->stats().dropped(Drop::not_member) + w.a->node->stats().dropped(Drop::not_member);
    for (uint8_t i = 0; i < 5; ++i) {
        w.frame(w.a, w.b, kIpv4, tcp_packet(11, 12, uint16_t(100 + i)));
        w.frame(w.b, w.a, kIpv4, tcp_packet(12, 11, uint16_t(200 + i)));
    }
    w.net.run();
    CHECK(w.delivered(w.b, kIpv4).size() == 6);
    CHECK(w.delivered(w.a, kIpv4).size() == 6);
    CHECK(w.b->node->stats().dropped(Drop::not_member) + w.a->node->stats().dropped(Drop::not_member) == refused);
    CHECK(w.status(w.a).dropped_not_member + w.status(w.b).dropped_not_member == refused);
}

TEST_CASE("membership: COMs whose timestamps are farther apart than the max delta do not agree", "[core]") {
    Testbed w;
    w.ctl.nets[kNet.value].max_delta_ms = 60000;
    Ticks offset = 0;
    size_t expected = 0;
    SECTION("120 s apart: refused both ways") { offset = -120000; }
    SECTION("30 s apart: admitted") {
        offset = -30000;
        expected = 1;
    }
    w.ctl.members[w.idb.address()].com_offset_ms = offset;
    w.join({w.a, w.b});
    REQUIRE(w.status(w.b).com_timestamp - w.status(w.a).com_timestamp <= offset + 1000);
    w.frame(w.a, w.b, kIpv4, tcp_packet(11, 12, 80));
    w.net.advance(3000);
    w.frame(w.b, w.a, kIpv4, tcp_packet(12, 11, 80));
    w.net.advance(3000);
    CHECK(w.delivered(w.b, kIpv4).size() == expected);
    CHECK(w.delivered(w.a, kIpv4).size() == expected);
    if (expected == 0) {
        CHECK(w.status(w.a).dropped_not_member >= 1);
        CHECK(w.status(w.b).dropped_not_member >= 1);
    }
}

TEST_CASE("membership: a revocation signed by the controller cuts the member off", "[core]") {
    Testbed w;
    w.join({w.a, w.b, w.x});
    introduce(w, w.a, w.b);
    introduce(w, w.a, w.x);
    introduce(w, w.b, w.x);
    REQUIRE(w.delivered(w.a, kIpv4).size() == 2);
    w.ctl.members[w.idb.address()].answer = MemberPlan::Answer::denied;

    // §9.3: to A only; A passes it on to the members it knows (fast propagate), not to B.
    w.c->node->send_revocation(w.net.now, w.ida.address(), w.ctl.revoke_com(kNet, w.idb.address(), w.net.now));
    w.net.run();
    REQUIRE(w.events(w.a, Event::Kind::credential_revoked) == 1);
    CHECK(w.events(w.x, Event::Kind::credential_revoked) == 1);
    CHECK(w.events(w.b, Event::Kind::credential_revoked) == 0);

    const uint64_t refused_a = w.status(w.a).dropped_not_member, refused_x = w.status(w.x).dropped_not_member;
    w.net.advance(2000);
    w.frame(w.b, w.a, kIpv4, tcp_packet(12, 11, 443));
    w.frame(w.b, w.x, kIpv4, tcp_packet(12, 13, 443));
    w.net.advance(3000);
    CHECK(w.delivered(w.a, kIpv4).size() == 2);  // nothing new from B
    CHECK(w.delivered(w.x, kIpv4).size() == 2);
    CHECK(w.status(w.a).dropped_not_member > refused_a);
    CHECK(w.status(w.x).dropped_not_member > refused_x);
    // A and X still talk.
    w.frame(w.x, w.a, kIpv4, tcp_packet(13, 11, 443));
    w.net.run();
    CHECK(w.delivered(w.a, kIpv4).size() == 3);
}

TEST_CASE("membership: a revoked member authorized again is admitted with its new COM", "[core]") {
    Testbed w;
    w.join({w.a, w.b});
    introduce(w, w.a, w.b);
    w.ctl.members[w.idb.address()].answer = MemberPlan::Answer::denied;
    w.c->node->send_revocation(w.net.now, w.ida.address(), w.ctl.revoke_com(kNet, w.idb.address(), w.net.now));
    w.net.advance(2000);
    w.frame(w.b, w.a, kIpv4, tcp_packet(12, 11, 1));
    w.net.advance(2000);
    REQUIRE(w.delivered(w.a, kIpv4).size() == 1);  // cut off
    w.net.advance(5000);  // the refused frame is no longer held for credentials

    // The controller pushes B a config with a COM issued after the revocation's threshold.
    w.ctl.members[w.idb.address()].answer = MemberPlan::Answer::config;
    w.c->node->send_network_config(w.net.now, kNet, 0, w.idb.address(), w.ctl.config_for(kNet, w.idb, w.net.now));
    w.net.advance(1000);
    w.frame(w.b, w.a, kIpv4, tcp_packet(12, 11, 2));
    w.net.advance(2000);
    CHECK(w.delivered(w.a, kIpv4).size() == 2);
}

TEST_CASE("membership: a forged revocation is refused and changes nothing", "[core]") {
    Testbed w;
    w.join({w.a, w.b, w.x});
    introduce(w, w.a, w.b);
    introduce(w, w.a, w.x);
    w.net.advance(2000);  // past the credentials rate limit (1/s per peer)

    // B tries to cut X off.
    vl2::Revocation rev = w.ctl.revoke_com(kNet, w.idx.address(), w.net.now);
    SECTION("signed by B") { REQUIRE(rev.sign(w.idb)); }
    SECTION("the controller's, with the threshold changed after signing") { rev.threshold += 1; }
    vl2::NetworkCredentials creds;
    creds.revocations.push_back(rev);
    std::array<uint8_t, 512> buf;
    Writer wr(buf);
    creds.serialize(wr);
    REQUIRE(wr.ok());
    auto key = w.idb.agree(w.ida);
    REQUIRE(key);
    auto pkt = ztest::armored_packet(w.idb.address(), w.ida.address(), Verb::network_credentials, wr.written(), *key,
                                     Cipher::poly1305_salsa2012, 0x3c0001);
    const uint64_t bad = w.a->node->stats().dropped(Drop::bad_credential);
    w.a->node->on_udp(w.net.now, 0, w.b->endpoint, pkt.bytes());
    w.net.run();
    CHECK(w.a->node->stats().dropped(Drop::bad_credential) == bad + 1);
    CHECK(w.events(w.a, Event::Kind::credential_revoked) == 0);
    CHECK(w.events(w.x, Event::Kind::credential_revoked) == 0);
    const size_t before = w.delivered(w.a, kIpv4).size();
    w.frame(w.x, w.a, kIpv4, tcp_packet(13, 11, 22));
    w.net.run();
    CHECK(w.delivered(w.a, kIpv4).size() == before + 1);
}

TEST_CASE("membership: a revocation of our own COM makes us ask the controller again", "[core]") {
    Testbed w;
    w.join({w.a});
    REQUIRE(w.status(w.a).state == NetworkState::ok);
    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::denied;
    const size_t asked = w.ctl.requests_from(w.ida.address());
    w.c->node->send_revocation(w.net.now, w.ida.address(), w.ctl.revoke_com(kNet, w.ida.address(), w.net.now));
    w.net.run();  // no timer needed: the request goes at once
    CHECK(w.ctl.requests_from(w.ida.address()) == asked + 1);
    CHECK(w.events(w.a, Event::Kind::credential_revoked) == 1);
    CHECK(w.status(w.a).state == NetworkState::access_denied);
}

TEST_CASE("multicast: an ARP request is gathered from the root and the controller and reaches the IP's owner", "[core]") {
    Testbed w;
    w.join({w.a, w.b, w.x});
    const auto ip_a = w.ctl.members[w.ida.address()].ips[0], ip_b = w.ctl.members[w.idb.address()].ips[0];
    const Bytes request = arp_packet(1, w.mac(w.a), ip_a, Mac(), ip_b);
    const size_t seen_before = w.seen.size();
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), Mac(0xffffffffffffULL), kArp, request});
    w.net.advance(1000);

    // §6.5: A knew no member of (ff:ff:ff:ff:ff:ff, 10.147.17.12): it asked the root and the
    // controller, with its COM (private network) and limit 32 - 0 + 1.
    size_t gathers = 0;
    bool root_answered_b = false, controller_answered_b = false;
    for (size_t i = seen_before; i < w.seen.size(); ++i) {
        const auto& p = w.seen[i];
        if (p.from == w.ida.address() && p.verb == Verb::multicast_gather) {
            auto g = vl2::MulticastGather::parse(p.payload);
            REQUIRE(g);
            CHECK(g->nwid == kNet);
            CHECK(g->group_mac.is_broadcast());
            CHECK(g->group_adi == ipv4_u32(ip_b));
            CHECK(g->gather_limit == 33);
            CHECK(g->com);
            CHECK((p.to == w.idr.address() || p.to == w.idc.address()));
            ++gathers;
        }
        if (p.to == w.ida.address() && p.verb == Verb::ok)
            if (auto ok = vl1::Ok::parse(p.payload); ok && ok->in_re_verb == Verb::multicast_gather) {
                auto body = vl2::OkMulticastGather::parse(ok->body);
                REQUIRE(body);
                const bool has_b = body->results.members == std::vector<Address>{w.idb.address()};
                (p.from == w.idr.address() ? root_answered_b : controller_answered_b) |= has_b;
            }
    }
    CHECK(gathers == 2);
    CHECK(root_answered_b);
    CHECK(controller_answered_b);

    // Only B, the owner of 10.147.17.12, got the request, once.
    auto got = w.delivered(w.b, kArp);
    REQUIRE(got.size() == 1);
    CHECK(got[0].dst.is_broadcast());
    CHECK(got[0].src == w.mac(w.a));
    CHECK(got[0].payload == request);
    CHECK(w.delivered(w.x, kArp).empty());

    // B's stack answers with a unicast ARP reply: a FRAME back to A.
    const Bytes reply = arp_packet(2, w.mac(w.b), ip_b, w.mac(w.a), ip_a);
    w.frame(w.b, w.a, kArp, reply);
    w.net.run();
    CHECK(w.count_seen(w.idb.address(), w.ida.address(), Verb::frame) >= 1);
    auto back = w.delivered(w.a, kArp);
    REQUIRE(back.size() == 1);
    CHECK(back[0].src == w.mac(w.b));
    CHECK(back[0].dst == w.mac(w.a));
    CHECK(back[0].payload == reply);
}

TEST_CASE("multicast: a broadcast that is not ARP goes out only when the network enables broadcast", "[core]") {
    Testbed w;
    bool enabled = true;
    SECTION("enabled") {}
    SECTION("disabled") {
        enabled = false;
        w.ctl.nets[kNet.value].flags = 0;
    }
    w.join({w.a, w.b, w.x});
    const Bytes dhcp(64, 0x5a);
    const uint64_t tx = w.a->node->stats().tx_frames;
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), Mac(0xffffffffffffULL), kIpv4, dhcp});
    w.net.advance(1000);
    if (enabled) {
        CHECK(w.delivered(w.b, kIpv4).size() == 1);
        CHECK(w.delivered(w.x, kIpv4).size() == 1);
        CHECK(w.count_sent(w.ida.address(), Verb::multicast_frame) == 2);
    } else {
        CHECK(w.delivered(w.b, kIpv4).empty());
        CHECK(w.delivered(w.x, kIpv4).empty());
        CHECK(w.a->node->stats().tx_frames == tx);
        CHECK(w.count_sent(w.ida.address(), Verb::multicast_gather) == 0);
        CHECK(w.count_sent(w.ida.address(), Verb::multicast_frame) == 0);
    }
}

TEST_CASE("multicast: the multicast limit caps the recipients; enough known members need no gather", "[core]") {
    Testbed w;
    w.ctl.nets[kNet.value].multicast_limit = 1;
    w.join({w.a, w.b, w.x});
    auto recipients = [&] { return w.delivered(w.b, kIpv4).size() + w.delivered(w.x, kIpv4).size(); };
    // A knows no member of the broadcast group: it gathers (limit 1 - 0 + 1 = 2) from the root
    // and the controller, learns B and X, and sends to the first only.
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), Mac(0xffffffffffffULL), kIpv4, Bytes(64, 1)});
    w.net.advance(1000);
    CHECK(recipients() == 1);
    const size_t gathers = w.count_sent(w.ida.address(), Verb::multicast_gather);
    CHECK(gathers == 2);
    for (const auto& p : w.seen)
        if (p.from == w.ida.address() && p.verb == Verb::multicast_gather) CHECK(vl2::MulticastGather::parse(p.payload)->gather_limit == 2);
    // §6.5 step 3: known members (2) >= limit (1): one recipient, no gather.
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), Mac(0xffffffffffffULL), kIpv4, Bytes(64, 2)});
    w.net.advance(1000);
    CHECK(recipients() == 2);
    CHECK(w.count_sent(w.ida.address(), Verb::multicast_frame) == 2);
    CHECK(w.count_sent(w.ida.address(), Verb::multicast_gather) == gathers);
}

TEST_CASE("multicast: a multicast limit of 0 sends nothing", "[core]") {
    Testbed w;
    w.ctl.nets[kNet.value].multicast_limit = 0;
    w.join({w.a, w.b});
    REQUIRE(w.status(w.a).multicast_limit == 0);
    const auto ip_a = w.ctl.members[w.ida.address()].ips[0], ip_b = w.ctl.members[w.idb.address()].ips[0];
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), Mac(0xffffffffffffULL), kArp, arp_packet(1, w.mac(w.a), ip_a, Mac(), ip_b)});
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), Mac(0x333300000001ULL), kIpv6, Bytes(48, 0x60)});
    w.net.advance(1000);
    CHECK(w.count_sent(w.ida.address(), Verb::multicast_gather) == 0);
    CHECK(w.count_sent(w.ida.address(), Verb::multicast_frame) == 0);
    CHECK(w.b->host->frames.empty());
}

TEST_CASE("rules: DROP on a TCP port drops the frame at the sender and counts the rule", "[core]") {
    Testbed w;
    w.ctl.members[w.ida.address()].rules = drop_tcp_port(22);
    w.join({w.a, w.b});
    introduce(w, w.a, w.b);  // port 7: accepted
    const size_t frames = w.count_seen(w.ida.address(), w.idb.address(), Verb::frame);
    w.frame(w.a, w.b, kIpv4, tcp_packet(11, 12, 22));
    w.net.run();
    CHECK(w.delivered(w.b, kIpv4).size() == 1);
    CHECK(w.count_seen(w.ida.address(), w.idb.address(), Verb::frame) == frames);  // never sent
    auto s = w.status(w.a);
    REQUIRE(s.rule_hits.size() == 4);
    CHECK(s.rule_hits[2] == 1);  // the DROP
    CHECK(s.rule_hits[3] == 2);  // the ACCEPT: port 7 out, and B's answer in (A's rules apply both ways)
    CHECK(s.dropped_by_rules_out == 1);
    CHECK(s.dropped_by_rules_in == 0);
    CHECK(w.a->node->stats().dropped(Drop::rules) == 1);

    w.frame(w.a, w.b, kIpv4, tcp_packet(11, 12, 2222));
    w.net.run();
    CHECK(w.delivered(w.b, kIpv4).size() == 2);
    CHECK(w.status(w.a).rule_hits[3] == 3);
}

TEST_CASE("rules: DROP on a TCP port drops inbound at a receiver whose sender does not filter", "[core]") {
    Testbed w;
    w.ctl.members[w.idb.address()].rules = drop_tcp_port(22);  // X accepts everything
    w.join({w.b, w.x});
    introduce(w, w.x, w.b);
    REQUIRE(w.delivered(w.b, kIpv4).size() == 1);
    const size_t frames = w.count_seen(w.idx.address(), w.idb.address(), Verb::frame);
    w.frame(w.x, w.b, kIpv4, tcp_packet(13, 12, 22));
    w.net.run();
    CHECK(w.count_seen(w.idx.address(), w.idb.address(), Verb::frame) == frames + 1);  // X sent it
    CHECK(w.delivered(w.b, kIpv4).size() == 1);                                     // B dropped it
    auto s = w.status(w.b);
    CHECK(s.dropped_by_rules_in == 1);
    CHECK(s.rule_hits[2] == 1);
    CHECK(w.b->node->stats().dropped(Drop::rules) == 1);
    CHECK(w.status(w.x).dropped_by_rules_out == 0);
    w.frame(w.x, w.b, kIpv4, tcp_packet(13, 12, 80));
    w.net.run();
    CHECK(w.delivered(w.b, kIpv4).size() == 2);
}

TEST_CASE("NDP emulation: a neighbour solicitation for a member's managed IPv6 address is answered locally", "[core]") {
    Testbed w;
    w.ctl.nets[kNet.value].flags |= vl2::NetworkConfig::kFlagNdpEmulation;
    std::array<uint8_t, 16> mine{}, target{};
    SECTION("RFC4193") {
        mine = rfc4193_address(kNet, w.ida.address());
        target = rfc4193_address(kNet, w.idb.address());
        w.ctl.members[w.ida.address()].ips.push_back(v6(mine, kRfc4193PrefixBits));
        w.ctl.members[w.idb.address()].ips.push_back(v6(target, kRfc4193PrefixBits));
    }
    SECTION("6PLANE") {
        mine = sixplane_address(kNet, w.ida.address());
        target = sixplane_address(kNet, w.idb.address());
        w.ctl.members[w.ida.address()].ips.push_back(v6(mine, kSixPlanePrefixBits));
        w.ctl.members[w.idb.address()].ips.push_back(v6(target, kSixPlanePrefixBits));
    }
    w.join({w.a, w.b});
    REQUIRE(w.status(w.a).ndp_emulation);
    const Bytes ns = neighbor_solicitation(mine, w.mac(w.a), target);
    REQUIRE(icmpv6_checksum_residue(ns) == 0);
    const size_t in_flight = w.net.in_flight.size();
    const uint64_t sent = w.net.sent;
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), solicited_node_mac(target), kIpv6, ns});
    CHECK(w.net.sent == sent);  // nothing on the wire
    CHECK(w.net.in_flight.size() == in_flight);

    auto got = w.delivered(w.a, kIpv6);
    REQUIRE(got.size() == 1);
    const Bytes& na = got[0].payload;
    CHECK(got[0].src == w.mac(w.b));
    CHECK(got[0].dst == w.mac(w.a));
    REQUIRE(na.size() == 72);
    CHECK(na[6] == 58);    // ICMPv6
    CHECK(na[7] == 255);   // hop limit
    CHECK(na[40] == 136);  // neighbour advertisement
    CHECK((na[44] & 0x60) == 0x60);  // solicited, override
    CHECK(std::equal(target.begin(), target.end(), na.begin() + 8));   // from the target
    CHECK(std::equal(mine.begin(), mine.end(), na.begin() + 24));      // to the solicitor
    CHECK(std::equal(target.begin(), target.end(), na.begin() + 48));  // target address
    CHECK(na[64] == 2);  // target link-layer address option
    CHECK(na[65] == 1);
    CHECK(Mac::from_bytes(na.data() + 66) == w.mac(w.b));
    CHECK(icmpv6_checksum_residue(na) == 0);
}

TEST_CASE("NDP emulation: off, or for an address outside the schemes, the solicitation is sent", "[core]") {
    Testbed w;
    const auto mine = rfc4193_address(kNet, w.ida.address());
    auto target = rfc4193_address(kNet, w.idb.address());
    SECTION("flag 0x4 not set") {}
    SECTION("a target outside RFC4193 and 6PLANE") {
        w.ctl.nets[kNet.value].flags |= vl2::NetworkConfig::kFlagNdpEmulation;
        target = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0c};
    }
    w.ctl.members[w.ida.address()].ips.push_back(v6(mine, kRfc4193PrefixBits));
    w.join({w.a, w.b});
    const Bytes ns = neighbor_solicitation(mine, w.mac(w.a), target);
    w.a->node->on_frame(w.net.now, kNet, Frame{w.mac(w.a), solicited_node_mac(target), kIpv6, ns});
    w.net.run();
    CHECK(w.delivered(w.a, kIpv6).empty());
    CHECK(w.count_sent(w.ida.address(), Verb::multicast_gather) == 2);  // to the root and the controller
}

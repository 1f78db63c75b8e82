// Joining networks through a controller in a simulated world (spec §5.10, §5.11, §8.1–§8.5,
// §9): the request found through the root, OK and the errors, pushes and their ack, the retry
// and refresh timers, configs that fail verification, multi-chunk configs, leave and restore.
#include <catch2/catch.hpp>

#include "core/vl1/error.hpp"
#include "core/vl1/ok.hpp"
#include "network_world.hpp"
#include "packets.hpp"

using namespace zt;
using namespace ztest::vl2net;

namespace {

constexpr MulticastGroup kBroadcast{Mac(0xffffffffffffULL), 0};

bool has_group(const NetworkStatus& s, MulticastGroup g) { return std::find(s.groups.begin(), s.groups.end(), g) != s.groups.end(); }

// A packet from the controller to `to`, armored with their key (the tests play the controller).
wire::PacketBuf from_controller(const Testbed& w, const Identity& to, Verb verb, std::span<const uint8_t> payload, uint64_t id) {
    auto key = w.idc.agree(to);
    REQUIRE(key);
    return ztest::armored_packet(w.idc.address(), to.address(), verb, payload, *key, Cipher::poly1305_salsa2012, id);
}

// The single chunk of `cfg` (built by hand, signed by `signer`) as a NETWORK_CONFIG payload.
Bytes config_chunk(NetworkId chunk_nwid, const vl2::NetworkConfig& cfg, const Identity& signer, uint64_t update_id) {
    auto d = cfg.to_dictionary();
    REQUIRE(d);
    auto chunks = vl2::make_config_chunks(chunk_nwid, d->serialize(), update_id, signer);
    REQUIRE(chunks.size() == 1);
    return chunks[0];
}

// OKs in-re ECHO carrying a NetworkConfigAck that `from` sent (§5.11).
size_t config_acks(const Testbed& w, Address from) {
    size_t n = 0;
    for (const auto& p : w.seen)
        if (p.from == from && p.verb == Verb::ok)
            if (auto ok = vl1::Ok::parse(p.payload); ok && ok->in_re_verb == Verb::echo && vl2::NetworkConfigAck::parse(ok->body)) ++n;
    return n;
}

}  // namespace

TEST_CASE("network: join finds the controller through the root and comes up OK", "[core]") {
    Testbed w;
    w.a->node->join(w.net.now, kNet);
    auto s = w.status(w.a);
    CHECK(s.state == NetworkState::requesting_configuration);
    CHECK(std::string(to_string(s.state)) == "REQUESTING_CONFIGURATION");
    CHECK(s.addresses.empty());
    CHECK(w.events(w.a, Event::Kind::network_changed) == 1);
    w.a->node->join(w.net.now, kNet);  // joining again changes nothing
    CHECK(w.events(w.a, Event::Kind::network_changed) == 1);

    w.net.run();
    w.net.advance(500);
    // A did not know the controller: it asked the root who c41b8868ac is, then sent the request.
    CHECK(w.a->node->stats().whois_sent >= 1);
    CHECK(w.count_seen(w.ida.address(), w.idr.address(), Verb::whois) >= 1);
    REQUIRE(w.ctl.requests_from(w.ida.address()) == 1);
    CHECK(w.ctl.requests[0].nwid == kNet);
    CHECK(w.ctl.requests[0].metadata_has_version);

    s = w.status(w.a);
    CHECK(s.state == NetworkState::ok);
    CHECK(s.name == "testnet");
    CHECK(s.is_private);
    CHECK(s.mtu == 2800);
    CHECK(s.mac == w.mac(w.a));
    CHECK(s.broadcast);
    CHECK(s.multicast_limit == 32);
    CHECK(s.revision == 1);
    CHECK(s.config_timestamp == unix_at(w.ctl.requests[0].at));
    CHECK(s.com_timestamp == s.config_timestamp);
    REQUIRE(s.addresses.size() == 1);
    CHECK(s.addresses[0] == v4(10, 147, 17, 11, 24));
    REQUIRE(s.routes.size() == 1);
    CHECK(s.routes[0].target == v4(10, 147, 17, 0, 24));
    CHECK(s.routes[0].via.is_nil());
    // §6.3: broadcast (enabled) and the ARP group of 10.147.17.11.
    CHECK(s.groups == std::vector<MulticastGroup>{kBroadcast, MulticastGroup{Mac(0xffffffffffffULL), 0x0a93110b}});
    CHECK(w.events(w.a, Event::Kind::network_changed) == 2);
    CHECK(w.a->node->networks().size() == 1);
    CHECK(w.a->node->stats().dropped(Drop::bad_config) == 0);

    // The stack's IPv6 groups join what the configuration implies; the root and the controller
    // hear about them at once.
    const Mac all_nodes(0x333300000001ULL);
    const size_t likes = w.count_sent(w.ida.address(), Verb::multicast_like);
    w.a->node->set_stack_groups(w.net.now, kNet, {all_nodes});
    w.net.run();
    s = w.status(w.a);
    CHECK(s.groups.size() == 3);
    CHECK(has_group(s, MulticastGroup{all_nodes, 0}));
    CHECK(w.events(w.a, Event::Kind::network_changed) == 3);
    CHECK(w.count_seen(w.ida.address(), w.idr.address(), Verb::multicast_like) >= 1);
    CHECK(w.count_sent(w.ida.address(), Verb::multicast_like) >= likes + 2);
}

TEST_CASE("network: broadcast off leaves only the ARP groups", "[core]") {
    Testbed w;
    w.ctl.nets[kNet.value].flags = 0;
    w.ctl.nets[kNet.value].type = vl2::NetworkType::public_network;
    w.join({w.a});
    auto s = w.status(w.a);
    CHECK(s.state == NetworkState::ok);
    CHECK_FALSE(s.is_private);
    CHECK_FALSE(s.broadcast);
    CHECK(s.groups == std::vector<MulticastGroup>{MulticastGroup{Mac(0xffffffffffffULL), 0x0a93110b}});
}

TEST_CASE("network: the controller's ERROR sets ACCESS_DENIED or NOT_FOUND", "[core]") {
    Testbed w;
    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::denied;
    w.ctl.members[w.idb.address()].answer = MemberPlan::Answer::not_found;
    w.join({w.a, w.b});
    auto sa = w.status(w.a), sb = w.status(w.b);
    CHECK(sa.state == NetworkState::access_denied);
    CHECK(std::string(to_string(sa.state)) == "ACCESS_DENIED");
    CHECK(sa.addresses.empty());
    CHECK(sb.state == NetworkState::not_found);
    CHECK(w.events(w.a, Event::Kind::error_received) == 1);
    CHECK(w.events(w.a, Event::Kind::network_changed) == 2);
    // The refusal does not stop the requests (the member may be authorized later).
    w.net.advance(6000);
    CHECK(w.ctl.requests_from(w.ida.address()) >= 2);
    CHECK(w.status(w.a).state == NetworkState::access_denied);
    CHECK(w.events(w.a, Event::Kind::network_changed) == 2);  // the same answer again is no change
}

TEST_CASE("network: a node without a controller role answers UNSUPPORTED_OPERATION: NOT_FOUND", "[core]") {
    Testbed w;
    w.c->node->set_network_controller(nullptr);
    w.join({w.a});
    CHECK(w.status(w.a).state == NetworkState::not_found);
    CHECK(w.ctl.requests.empty());
    bool unsupported = false;
    for (const auto& e : w.a->host->events)
        unsupported |= e.kind == Event::Kind::error_received && e.code == uint8_t(ErrorCode::unsupported_operation);
    CHECK(unsupported);
}

TEST_CASE("network: the controller node joins its own network without the wire", "[core]") {
    Testbed w;
    w.ctl.members[w.idc.address()].ips = {v4(10, 147, 17, 1, 24)};
    w.c->node->join(w.net.now, kNet);
    CHECK(w.ctl.requests_from(w.idc.address()) == 1);
    auto s = w.status(w.c);
    CHECK(s.state == NetworkState::ok);
    CHECK(s.addresses == std::vector<wire::InetPrefix>{v4(10, 147, 17, 1, 24)});
    w.net.run();
    CHECK(w.count_sent(w.idc.address(), Verb::network_config_request) == 0);
    CHECK(w.count_sent(w.idc.address(), Verb::multicast_like) >= 1);  // its groups, to the root
    // It is a member like the others.
    w.join({w.a});
    w.frame(w.a, w.c, 0x0800, tcp_packet(11, 1, 80));
    w.net.advance(1000);
    CHECK(w.delivered(w.c, 0x0800).size() == 1);
    // Denied by itself: ACCESS_DENIED, as from a remote controller.
    w.ctl.members[w.idc.address()].answer = MemberPlan::Answer::denied;
    w.net.advance(65000, 1000);
    CHECK(w.status(w.c).state == NetworkState::access_denied);
}

TEST_CASE("network: an ERROR about the network from a peer that is not the controller changes nothing", "[core]") {
    Testbed w;
    w.join({w.a, w.b});
    REQUIRE(w.status(w.a).state == NetworkState::ok);
    auto key = w.idb.agree(w.ida);
    REQUIRE(key);
    for (ErrorCode code : {ErrorCode::network_access_denied, ErrorCode::obj_not_found}) {
        std::array<uint8_t, 32> buf;
        Writer wr(buf);
        vl1::Error err;
        err.in_re_verb = Verb::network_config_request;
        err.in_re_packet_id = 0x1234;
        err.code = code;
        err.nwid = kNet;
        err.serialize(wr);
        REQUIRE(wr.ok());
        auto pkt = ztest::armored_packet(w.idb.address(), w.ida.address(), Verb::error, wr.written(), *key,
                                         Cipher::poly1305_salsa2012, 0x77000 + uint64_t(code));
        w.a->node->on_udp(w.net.now, 0, w.b->endpoint, pkt.bytes());
        w.net.run();  // A may have to ask the root who B is first
    }
    CHECK(w.events(w.a, Event::Kind::error_received) == 2);
    CHECK(w.status(w.a).state == NetworkState::ok);
    CHECK(w.status(w.a).addresses.size() == 1);
}

TEST_CASE("network: a member authorized later gets the config pushed and acknowledges it", "[core]") {
    Testbed w;
    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::denied;
    w.join({w.a});
    REQUIRE(w.status(w.a).state == NetworkState::access_denied);
    const size_t changed = w.events(w.a, Event::Kind::network_changed);

    // §9.3: the controller pushes NETWORK_CONFIG (request id 0).
    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::config;
    w.c->node->send_network_config(w.net.now, kNet, 0, w.ida.address(), w.ctl.config_for(kNet, w.ida, w.net.now));
    w.net.run();
    auto s = w.status(w.a);
    CHECK(s.state == NetworkState::ok);
    CHECK(s.addresses.size() == 1);
    CHECK(w.events(w.a, Event::Kind::network_changed) == changed + 1);

    // §5.11: OK in-re ECHO with the NETWORK_CONFIG packet's id, the network and the update id.
    const Sniffed* push = nullptr;
    for (const auto& p : w.seen)
        if (p.from == w.idc.address() && p.verb == Verb::network_config) push = &p;
    REQUIRE(push);
    CHECK(config_acks(w, w.ida.address()) == 1);
    std::optional<vl1::Ok> ok;
    for (const auto& p : w.seen)
        if (p.from == w.ida.address() && p.to == w.idc.address() && p.verb == Verb::ok)
            if (auto o = vl1::Ok::parse(p.payload); o && o->in_re_packet_id == push->packet_id) ok = o;
    REQUIRE(ok);
    CHECK(ok->in_re_verb == Verb::echo);
    auto body = vl2::NetworkConfigAck::parse(ok->body);
    REQUIRE(body);
    CHECK(body->nwid == kNet);
    auto chunk = vl2::ConfigChunk::parse(push->payload);
    REQUIRE(chunk);
    CHECK(body->update_id == chunk->update_id);
    // The controller takes the ack as an answer to its push, not as a stray OK.
    CHECK(w.c->node->stats().dropped(Drop::unexpected_reply) == 0);
}

TEST_CASE("network: without a config the request is retried every 5 s; with one, refreshed every 60 s", "[core]") {
    Testbed w;
    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::silent;
    w.a->node->join(w.net.now, kNet);
    w.net.advance(20000);
    const size_t asked = w.ctl.requests_from(w.ida.address());
    CHECK(asked >= 4);
    CHECK(asked <= 6);
    // The first retry comes with the first ping check at least 1 s after the join; then one
    // per ping check.
    REQUIRE(w.ctl.requests.size() >= 2);
    CHECK(w.ctl.requests[1].at - w.ctl.requests[0].at >= 1000);
    CHECK(w.ctl.requests[1].at - w.ctl.requests[0].at <= 6000);
    for (size_t i = 2; i < w.ctl.requests.size(); ++i) CHECK(w.ctl.requests[i].at - w.ctl.requests[i - 1].at == 5000);
    CHECK(w.status(w.a).state == NetworkState::requesting_configuration);

    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::config;
    w.net.advance(5500);
    auto s = w.status(w.a);
    REQUIRE(s.state == NetworkState::ok);
    const size_t configured_at = w.ctl.requests.size();
    const UnixMs com_before = s.com_timestamp;
    const size_t changed = w.events(w.a, Event::Kind::network_changed);

    w.net.advance(50000);
    CHECK(w.ctl.requests.size() == configured_at);  // no request while the config is fresh
    w.net.advance(20000);
    CHECK(w.ctl.requests.size() == configured_at + 1);  // the 60 s refresh
    s = w.status(w.a);
    CHECK(s.state == NetworkState::ok);
    CHECK(s.com_timestamp > com_before);  // the new COM was taken
    // Only the timestamp and the credentials changed: no event for the stack.
    CHECK(w.events(w.a, Event::Kind::network_changed) == changed);
}

TEST_CASE("network: a config that fails verification is dropped, counted, and changes nothing", "[core]") {
    Testbed w;
    w.join({w.a});
    const auto before = w.status(w.a);
    REQUIRE(before.state == NetworkState::ok);
    const size_t changed = w.events(w.a, Event::Kind::network_changed);

    w.ctl.nets[kNet.value].name = "evil";
    w.ctl.nets[kNet.value].revision = 9;
    auto cfg = w.ctl.config_for(kNet, w.ida, w.net.now);
    Bytes payload;
    Drop expected = Drop::bad_config;
    SECTION("signed by another identity") { payload = config_chunk(kNet, cfg, w.idr, 0x1001); }
    SECTION("a byte of the Dictionary changed after signing") {
        payload = config_chunk(kNet, cfg, w.idc, 0x1002);
        auto pos = std::search(payload.begin(), payload.end(), std::begin("evil"), std::end("evil") - 1);
        REQUIRE(pos != payload.end());
        *pos = 'E';
    }
    SECTION("issued to another member") {
        cfg.issued_to = w.idb.address();
        payload = config_chunk(kNet, cfg, w.idc, 0x1003);
    }
    SECTION("the Dictionary is for another network of the controller") {
        cfg.nwid = kOther;
        payload = config_chunk(kNet, cfg, w.idc, 0x1004);
    }
    SECTION("the chunk is for a network we did not join") {
        cfg.nwid = kOther;
        payload = config_chunk(kOther, cfg, w.idc, 0x1005);
        expected = Drop::not_for_us;
    }
    const uint64_t drops_before = w.a->node->stats().dropped(expected);
    const size_t acks = config_acks(w, w.ida.address());
    auto pkt = from_controller(w, w.ida, Verb::network_config, payload, 0x99001);
    w.a->node->on_udp(w.net.now, 0, w.c->endpoint, pkt.bytes());
    w.net.run();
    CHECK(w.a->node->stats().dropped(expected) == drops_before + 1);
    const auto after = w.status(w.a);
    CHECK(after.state == NetworkState::ok);
    CHECK(after.name == "testnet");
    CHECK(after.revision == before.revision);
    CHECK(after.config_timestamp == before.config_timestamp);
    CHECK(w.events(w.a, Event::Kind::network_changed) == changed);
    CHECK(config_acks(w, w.ida.address()) == acks);  // no ack
}

TEST_CASE("network: a config larger than one chunk arrives in several and assembles", "[core]") {
    Testbed w;
    w.ctl.nets[kNet.value].tags = 100;  // 100 signed tags of 135 bytes: over 9740 bytes
    w.join({w.a});
    auto s = w.status(w.a);
    REQUIRE(s.state == NetworkState::ok);
    auto blob = w.a->node->network_config_blob(kNet);
    REQUIRE(blob);
    CHECK(blob->size() > vl2::ConfigChunk::kMaxSenderChunk);
    auto d = vl2::Dictionary::parse(*blob);
    REQUIRE(d);
    auto cfg = vl2::NetworkConfig::from_dictionary(*d);
    REQUIRE(cfg);
    CHECK(cfg->tags.size() == 100);
    CHECK(w.a->node->stats().dropped(Drop::bad_config) == 0);
}

TEST_CASE("network: leave forgets the network and stops the requests", "[core]") {
    Testbed w;
    w.join({w.a, w.b});
    REQUIRE(w.status(w.a).state == NetworkState::ok);
    CHECK(w.a->node->leave(kNet));
    CHECK_FALSE(w.a->node->network(kNet));
    CHECK(w.a->node->networks().empty());
    CHECK_FALSE(w.a->node->network_config_blob(kNet));
    CHECK_FALSE(w.a->node->leave(kNet));
    // Frames for the network go nowhere; no more requests.
    const size_t asked = w.ctl.requests_from(w.ida.address());
    w.frame(w.a, w.b, 0x0800, tcp_packet(11, 12, 80));
    w.net.advance(70000, 1000);
    CHECK(w.b->host->frames.empty());
    CHECK(w.ctl.requests_from(w.ida.address()) == asked);
    // Joining again starts over.
    w.join({w.a});
    CHECK(w.status(w.a).state == NetworkState::ok);
    CHECK(w.ctl.requests_from(w.ida.address()) == asked + 1);
}

TEST_CASE("network: restore_network_config brings a cached config back at once", "[core]") {
    Testbed w;
    w.join({w.a, w.b});
    auto blob = w.a->node->network_config_blob(kNet);
    auto blob_b = w.b->node->network_config_blob(kNet);
    REQUIRE(blob);
    REQUIRE(blob_b);
    const auto configured = w.status(w.a);

    // A restarts (leave + join) while the controller is away.
    w.ctl.members[w.ida.address()].answer = MemberPlan::Answer::silent;
    REQUIRE(w.a->node->leave(kNet));
    CHECK_FALSE(w.a->node->restore_network_config(w.net.now, kNet, *blob));  // not joined
    w.a->node->join(w.net.now, kNet);
    REQUIRE(w.status(w.a).state == NetworkState::requesting_configuration);
    const size_t changed = w.events(w.a, Event::Kind::network_changed);

    CHECK_FALSE(w.a->node->restore_network_config(w.net.now, kNet, *blob_b));  // issued to B
    const Bytes garbage{'v', '=', '7', '\n', 0xff};
    CHECK_FALSE(w.a->node->restore_network_config(w.net.now, kNet, garbage));
    CHECK(w.status(w.a).state == NetworkState::requesting_configuration);

    CHECK(w.a->node->restore_network_config(w.net.now, kNet, *blob));
    auto s = w.status(w.a);
    CHECK(s.state == NetworkState::ok);
    CHECK(s.name == configured.name);
    CHECK(s.addresses == configured.addresses);
    CHECK(s.com_timestamp == configured.com_timestamp);
    CHECK(w.events(w.a, Event::Kind::network_changed) == changed + 1);
    // The restored config works: frames go out to B.
    w.frame(w.a, w.b, 0x0800, tcp_packet(11, 12, 80));
    w.net.advance(1000);
    CHECK(w.delivered(w.b, 0x0800).size() == 1);
}

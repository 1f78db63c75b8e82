// Two zt::Nodes in memory (test/core/sim.hpp) over a bad link: datagrams duplicated,
// reordered and lost on purpose, seeded. Every frame that arrives must arrive once and
// intact; every extra copy must be dropped and counted (replay or duplicate_fragment); and
// copies must not cost other packets their reassembly slot.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "../core/sim.hpp"
#include "json.hpp"

using namespace zt;
using ztest::Datagram;
using ztest::SimNet;

namespace {

Identity load_identity(const std::string& node) {
    auto text = ztest::read_file(ztest::vector_path("captures/nodes/" + node + "/identity.secret"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto id = Identity::from_string(text);
    REQUIRE(id);
    return *id;
}

constexpr NetworkId kNet{0xc41b8868ac000001ULL};

struct Link {
    SimNet net;
    Identity ida = load_identity("a"), idb = load_identity("b");
    ztest::SimNode* a;
    ztest::SimNode* b;

    Link() {
        a = &net.add(ida, Endpoint::v4({10, 0, 0, 1}, 9993), 1);
        b = &net.add(idb, Endpoint::v4({10, 0, 0, 2}, 9993), 2);
        a->node->add_static_peer(idb.public_only(), b->endpoint);
        b->node->add_static_peer(ida.address(), a->endpoint);
        a->node->join_static(kNet, 2800);
        b->node->join_static(kNet, 2800);
        net.advance(2000);
    }
    Mac mac_a() const { return Mac::from_address(ida.address(), kNet); }
    Mac mac_b() const { return Mac::from_address(idb.address(), kNet); }

    // Frame n: 200 bytes (one datagram) or 2800 (a head and a fragment), numbered in its
    // first 4 bytes, the rest a pattern derived from n.
    static Bytes frame(uint32_t n) {
        Bytes b(n % 2 ? 2800 : 200);
        for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(n * 31 + i * 7);
        b[0] = uint8_t(n >> 24), b[1] = uint8_t(n >> 16), b[2] = uint8_t(n >> 8), b[3] = uint8_t(n);
        return b;
    }

    // A sends frames [0, count) to B; what they put on the wire is captured, not delivered.
    std::vector<Datagram> capture_frames(uint32_t count) {
        std::vector<Datagram> wire;
        net.tamper = [&](Datagram& d) {
            wire.push_back(d);
            return false;
        };
        for (uint32_t n = 0; n < count; ++n) {
            auto payload = frame(n);
            a->node->on_frame(net.now, kNet, Frame{mac_a(), mac_b(), 0x0800, payload});
        }
        net.tamper = nullptr;
        return wire;
    }

    // One datagram per millisecond (reassembly slots age as on a real link).
    void deliver_to_b(const std::vector<Datagram>& wire) {
        for (const auto& d : wire) b->node->on_udp(++net.now, 0, d.from, d.bytes);
    }

    // Checks B's deliveries: each frame at most once, intact; returns how many.
    size_t check_b_frames(uint32_t count) {
        std::map<uint32_t, int> seen;
        for (const auto& f : b->host->frames) {
            REQUIRE(f.payload.size() >= 4);
            uint32_t n = uint32_t(f.payload[0]) << 24 | uint32_t(f.payload[1]) << 16 | uint32_t(f.payload[2]) << 8 |
                         f.payload[3];
            REQUIRE(n < count);
            REQUIRE(f.payload == frame(n));  // not corrupted, not spliced from two packets
            REQUIRE(++seen[n] == 1);         // not delivered twice
        }
        return seen.size();
    }

    uint64_t b_duplicate_drops() const {
        auto s = b->node->stats();
        return s.dropped(Drop::replay) + s.dropped(Drop::duplicate_fragment);
    }
};

}  // namespace

TEST_CASE("netem(core): every duplicated datagram is dropped and counted, each frame delivered once", "[netem]") {
    Link l;
    auto wire = l.capture_frames(400);
    REQUIRE(wire.size() == 600);  // 200 single datagrams + 200 heads and fragments
    std::mt19937_64 rng(5);
    std::vector<Datagram> dup;
    size_t copies = 0;
    for (const auto& d : wire) {
        dup.push_back(d);
        if (rng() % 10 == 0) {  // 10%: the copy right behind the original
            dup.push_back(d);
            ++copies;
        }
    }
    l.deliver_to_b(dup);
    CHECK(l.check_b_frames(400) == 400);
    CHECK(l.b_duplicate_drops() == copies);
    CHECK(l.b->node->stats().dropped_total() == copies);
}

TEST_CASE("netem(core): late copies of fragments do not push packets out of reassembly", "[netem]") {
    Link l;
    // 40 fragmented frames (odd numbers are 2800 bytes): 80 datagrams.
    std::vector<Datagram> wire;
    {
        auto all = l.capture_frames(80);
        for (const auto& d : all)
            if (d.bytes.size() > 1000 || d.bytes[13] == 0xff) wire.push_back(d);
    }
    REQUIRE(wire.size() == 80);
    // The head of the last packet arrives first; then the others, each followed by a late
    // copy of its fragment (after that packet was complete); then the last fragment.
    std::vector<Datagram> order;
    order.push_back(wire[78]);
    for (size_t i = 0; i < 78; i += 2) {
        order.push_back(wire[i]);
        order.push_back(wire[i + 1]);
        order.push_back(wire[i + 1]);
    }
    order.push_back(wire[79]);
    l.deliver_to_b(order);
    CHECK(l.check_b_frames(80) == 40);
    CHECK(l.b_duplicate_drops() == 39);
}

TEST_CASE("netem(core): loss, duplication and reordering never corrupt or repeat a frame", "[netem]") {
    Link l;
    auto wire = l.capture_frames(2000);
    std::mt19937_64 rng(GENERATE(1, 2, 3));
    std::vector<Datagram> bad;
    size_t lost = 0;
    for (const auto& d : wire) {
        if (rng() % 100 < 3) {
            ++lost;
            continue;
        }
        bad.push_back(d);
        if (rng() % 100 < 10) bad.push_back(d);
    }
    // Reorder: 10% of the datagrams move up to 16 places later.
    for (size_t i = 0; i + 1 < bad.size(); ++i)
        if (rng() % 100 < 10) std::rotate(bad.begin() + long(i), bad.begin() + long(i) + 1,
                                          bad.begin() + long(std::min(bad.size(), i + 1 + rng() % 16)));
    l.deliver_to_b(bad);
    size_t got = l.check_b_frames(2000);
    CHECK(got < 2000);
    CHECK(got >= 2000 - lost);  // only frames that lost a datagram are missing
    auto s = l.b->node->stats();
    CHECK(s.dropped(Drop::bad_mac) == 0);
}

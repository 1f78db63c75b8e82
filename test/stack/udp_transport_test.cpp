// The node's underlay UDP transport: batched sends, and runs of equal datagrams that leave in
// one send (UDP GSO) and arrive in one read (UDP GRO). Whatever the path, the receiver must
// see exactly the datagrams that were sent, in order, with their contents.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "tools/ztnode/event_loop.hpp"
#include "tools/ztnode/link/udp_transport.hpp"

using zt::link::UdpTransport;
using zt::node::EventLoop;

namespace {

std::vector<uint8_t> datagram(size_t index, size_t len) {
    std::vector<uint8_t> d(len);
    for (size_t i = 0; i < len; ++i) d[i] = uint8_t(index * 131 + i * 7);
    return d;
}

struct Run {
    std::vector<std::vector<uint8_t>> sent, got;
    zt::link::UdpStats tx, rx;
};

// Sends `sizes` in one flush from one transport to another over loopback; returns both sides.
Run exchange(const std::vector<size_t>& sizes, bool offload) {
    EventLoop loop;
    REQUIRE(loop.ok());
    Run r;
    UdpTransport rx(loop, [&](zt::LocalSocket, const zt::Endpoint&, std::span<const uint8_t> d) {
        r.got.emplace_back(d.begin(), d.end());
        if (r.got.size() == r.sent.size()) loop.stop();
    }, offload);
    UdpTransport tx(loop, [](zt::LocalSocket, const zt::Endpoint&, std::span<const uint8_t>) {}, offload);
    std::string error;
    REQUIRE(rx.open(0, error));
    REQUIRE(tx.open(0, error));
    const zt::Endpoint to = zt::Endpoint::v4({127, 0, 0, 1}, rx.port());
    for (size_t i = 0; i < sizes.size(); ++i) {
        r.sent.push_back(datagram(i, sizes[i]));
        tx.send(UdpTransport::kV4, to, r.sent.back());
        if (i % 64 == 63) tx.flush();  // the queue holds 64; a handler would flush here too
    }
    tx.flush();
    loop.add_timer(5000, [&] { loop.stop(); });
    loop.run();
    r.tx = tx.stats();
    r.rx = rx.stats();
    return r;
}

std::vector<size_t> mixed_sizes() {
    std::vector<size_t> s;
    for (int i = 0; i < 40; ++i) s.push_back(1450);  // a run of full frames
    s.push_back(600);                                // a shorter one ends that run
    for (int i = 0; i < 10; ++i) s.push_back(1450);
    for (size_t n : {100, 2000, 2000, 64, 1}) s.push_back(n);
    for (int i = 0; i < 20; ++i) s.push_back(9000);  // 65000 bytes at most per run: 7 of these
    for (int i = 0; i < 70; ++i) s.push_back(1200);  // across the 64-datagram queue boundary
    return s;
}

}  // namespace

TEST_CASE("udp transport: runs of equal datagrams arrive whole and in order (GSO/GRO)", "[stack][udp]") {
    Run r = exchange(mixed_sizes(), true);
    REQUIRE(r.got.size() == r.sent.size());
    CHECK(r.got == r.sent);
    CHECK(r.tx.tx_datagrams == r.sent.size());
    CHECK(r.tx.tx_dropped == 0);
    CHECK(r.rx.rx_datagrams == r.sent.size());
    // This kernel (Linux >= 5.0) has both: runs leave together and are read together.
    CHECK(r.tx.gso_refused == 0);
    CHECK(r.tx.tx_gso_runs > 0);
    CHECK(r.rx.rx_gro_runs > 0);
    CHECK(r.tx.tx_batches < r.sent.size() / 4);
}

TEST_CASE("udp transport: with offload off, one datagram per send and per read", "[stack][udp]") {
    Run r = exchange(mixed_sizes(), false);
    REQUIRE(r.got.size() == r.sent.size());
    CHECK(r.got == r.sent);
    CHECK(r.tx.tx_gso_runs == 0);
    CHECK(r.rx.rx_gro_runs == 0);
}

TEST_CASE("udp transport: runs to different destinations are not merged", "[stack][udp]") {
    EventLoop loop;
    REQUIRE(loop.ok());
    std::vector<std::vector<uint8_t>> got_a, got_b;
    size_t total = 0;
    auto sink = [&](std::vector<std::vector<uint8_t>>& into) {
        return [&](zt::LocalSocket, const zt::Endpoint&, std::span<const uint8_t> d) {
            into.emplace_back(d.begin(), d.end());
            if (++total == 60) loop.stop();
        };
    };
    UdpTransport a(loop, sink(got_a)), b(loop, sink(got_b));
    UdpTransport tx(loop, [](zt::LocalSocket, const zt::Endpoint&, std::span<const uint8_t>) {});
    std::string error;
    REQUIRE(a.open(0, error));
    REQUIRE(b.open(0, error));
    REQUIRE(tx.open(0, error));
    std::vector<std::vector<uint8_t>> want_a, want_b;
    for (size_t i = 0; i < 60; ++i) {  // a a a b b b a a a ...: equal sizes, alternating runs
        bool to_a = (i / 3) % 2 == 0;
        auto d = datagram(i, 1400);
        (to_a ? want_a : want_b).push_back(d);
        tx.send(UdpTransport::kV4, zt::Endpoint::v4({127, 0, 0, 1}, to_a ? a.port() : b.port()), d);
    }
    tx.flush();
    loop.add_timer(5000, [&] { loop.stop(); });
    loop.run();
    CHECK(got_a == want_a);
    CHECK(got_b == want_b);
}

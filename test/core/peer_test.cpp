// Path table of one peer (spec §7.5): which path sends use, learning, expiry.
#include <catch2/catch.hpp>

#include "core/node/peer.hpp"
#include "capture_identities.hpp"

using namespace zt;

namespace {

Peer make_peer() { return Peer(ztest::capture_identity("b").public_only(), SymmetricKey{}); }

Endpoint ep(uint8_t last) { return Endpoint::v4({192, 0, 2, last}, 9993); }

}  // namespace

TEST_CASE("peer: a path is used only once confirmed", "[core]") {
    Peer p = make_peer();
    Path& path = p.learn_path(0, ep(1));
    path.last_receive = 1000;
    CHECK(p.best_path(1000) == nullptr);
    path.confirmed = true;
    CHECK(p.best_path(1000) == &p.paths()[0]);
}

TEST_CASE("peer: among alive paths the lowest latency wins; alive beats silent", "[core]") {
    Peer p = make_peer();
    const Ticks now = 100000;
    for (uint8_t i = 1; i <= 3; ++i) {
        Path& path = p.learn_path(0, ep(i));
        path.confirmed = true;
        path.last_receive = now - 1000;
    }
    p.paths()[0].latency_ms = 50;
    p.paths()[1].latency_ms = 10;
    p.paths()[2].latency_ms = -1;  // unknown counts as slow
    CHECK(p.best_path(now)->remote == ep(2));

    p.paths()[1].last_receive = now - kPathAliveMs - 1;  // the fast path went silent
    CHECK(p.best_path(now)->remote == ep(1));

    for (auto& path : p.paths()) path.last_receive = now - kPathAliveMs - 1;
    CHECK(p.best_path(now)->remote == ep(2));  // nothing alive: still the best of the silent

    for (auto& path : p.paths()) path.last_receive = now - kPathExpirationMs;
    CHECK(p.best_path(now) == nullptr);        // expired paths are never used
}

TEST_CASE("peer: expired and never-confirmed paths are dropped", "[core]") {
    Peer p = make_peer();
    Path& a = p.learn_path(0, ep(1));
    a.confirmed = true;
    a.last_receive = 0;
    Path& b = p.learn_path(0, ep(2));
    b.last_confirm_attempt = 0;
    Path& c = p.learn_path(0, ep(3));
    c.confirmed = true;
    c.last_receive = kPathExpirationMs;
    std::vector<Endpoint> gone;
    p.expire_paths(kPathExpirationMs + 1, gone);
    CHECK(gone.size() == 2);
    REQUIRE(p.paths().size() == 1);
    CHECK(p.paths()[0].remote == ep(3));
}

TEST_CASE("peer: at most 64 paths, the least useful one is replaced", "[core]") {
    Peer p = make_peer();
    for (int i = 0; i < 64; ++i) {
        Path& path = p.learn_path(0, Endpoint::v4({10, 0, uint8_t(i / 250), uint8_t(i % 250)}, 1));
        path.confirmed = i != 7;
        path.last_receive = 1000 + i;
    }
    p.learn_path(0, ep(200));
    CHECK(p.paths().size() == 64);
    CHECK(p.find_path(0, Endpoint::v4({10, 0, 0, 7}, 1)) == nullptr);  // the unconfirmed one went
    CHECK(p.find_path(0, ep(200)) != nullptr);
}

// The relay's impairment model (link_model.hpp): rates match the parameters, delays stay in
// their bounds, and one seed gives one sequence of fates.
#include <catch2/catch.hpp>

#include "link_model.hpp"

using ztest::netem::Fate;
using ztest::netem::LinkModel;
using ztest::netem::LinkParams;

namespace {
constexpr int kN = 100000;
}

TEST_CASE("netem: a clean link forwards every datagram once, after exactly the delay", "[netem]") {
    LinkParams p;
    p.delay_ms = 20;
    LinkModel m(p, 1);
    for (int i = 0; i < 1000; ++i) {
        Fate f = m.decide(i * 100);
        REQUIRE(f.copies == 1);
        REQUIRE(f.release_us[0] == i * 100 + 20000);
    }
    CHECK(m.counters().lost == 0);
    CHECK(m.counters().scheduled == 1000);
}

TEST_CASE("netem: loss, duplication and reordering happen at their configured rates", "[netem]") {
    LinkParams p;
    p.delay_ms = 10;
    p.loss_pct = 3;
    p.dup_pct = 10;
    p.reorder_pct = 5;
    p.reorder_extra_ms = 7;
    LinkModel m(p, 42);
    int held = 0;
    for (int i = 0; i < kN; ++i) {
        Fate f = m.decide(0);
        for (int c = 0; c < f.copies; ++c) {
            REQUIRE((f.release_us[c] == 10000 || f.release_us[c] == 17000));
            held += f.release_us[c] == 17000;
        }
    }
    const auto& c = m.counters();
    CHECK(c.received == uint64_t(kN));
    CHECK(c.lost == Approx(0.03 * kN).epsilon(0.1));
    CHECK(c.duplicated == Approx(0.10 * (kN - c.lost)).epsilon(0.1));
    CHECK(c.reordered == uint64_t(held));
    CHECK(c.reordered == Approx(0.05 * c.scheduled).epsilon(0.1));
    CHECK(c.scheduled == c.received - c.lost + c.duplicated);
}

TEST_CASE("netem: jitter stays within +-jitter and never goes below zero", "[netem]") {
    LinkParams p;
    p.delay_ms = 5;
    p.jitter_ms = 8;
    LinkModel m(p, 7);
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < kN; ++i) {
        Fate f = m.decide(1000000);
        REQUIRE(f.copies == 1);
        lo = std::min(lo, f.release_us[0] - 1000000);
        hi = std::max(hi, f.release_us[0] - 1000000);
    }
    CHECK(lo == 0);  // 5 - 8 < 0: clamped
    CHECK(hi <= 13000);
    CHECK(hi > 12500);
}

TEST_CASE("netem: the same seed gives the same fates, another seed others", "[netem]") {
    LinkParams p;
    p.delay_ms = 20;
    p.jitter_ms = 3;
    p.loss_pct = 5;
    p.dup_pct = 5;
    p.reorder_pct = 5;
    LinkModel a(p, 9), b(p, 9), c(p, 10);
    bool differs = false;
    for (int i = 0; i < 10000; ++i) {
        Fate fa = a.decide(i), fb = b.decide(i), fc = c.decide(i);
        REQUIRE(fa.copies == fb.copies);
        for (int k = 0; k < fa.copies; ++k) REQUIRE(fa.release_us[k] == fb.release_us[k]);
        differs = differs || fa.copies != fc.copies || (fa.copies && fa.release_us[0] != fc.release_us[0]);
    }
    CHECK(differs);
}

TEST_CASE("netem: the default reorder hold-back overtakes the base delay", "[netem]") {
    LinkParams p;
    p.delay_ms = 20;
    p.reorder_pct = 100;
    LinkModel m(p, 3);
    CHECK(m.params().reorder_extra_ms == 41);
    CHECK(m.decide(0).release_us[0] == 61000);
}

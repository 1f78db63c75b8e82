// The impairments of one direction of the test relay (udp_relay.cpp), sans-I/O: for each
// datagram that arrives at `now_us` it decides, from a seeded generator, whether it is lost,
// when it leaves (delay + jitter, plus an extra hold for the "reordered" fraction) and whether
// a second copy leaves too (duplication, with its own delay). The relay queues the copies by
// release time; equal times keep arrival order.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>

namespace ztest::netem {

struct LinkParams {
    double delay_ms = 0;          // one-way base delay
    double jitter_ms = 0;         // uniform in [-jitter, +jitter] around the delay, never below 0
    double loss_pct = 0;          // each datagram lost with this probability
    double dup_pct = 0;           // each surviving datagram sent twice with this probability
    double reorder_pct = 0;       // each copy held back by reorder_extra_ms with this probability
    double reorder_extra_ms = 0;  // the hold-back; 0 means 2 x delay + 1 ms
};

struct LinkCounters {
    uint64_t received = 0;    // datagrams offered to the link
    uint64_t lost = 0;        // dropped by the loss rule
    uint64_t duplicated = 0;  // extra copies scheduled
    uint64_t reordered = 0;   // copies held back
    uint64_t scheduled = 0;   // copies scheduled in all (received - lost + duplicated)
};

// At most two copies of one datagram, with their release times (µs).
struct Fate {
    int copies = 0;
    int64_t release_us[2] = {0, 0};
};

class LinkModel {
public:
    LinkModel(const LinkParams& p, uint64_t seed) : p_(p), rng_(seed) {
        if (p_.reorder_extra_ms <= 0) p_.reorder_extra_ms = 2 * p_.delay_ms + 1;
    }

    Fate decide(int64_t now_us) {
        Fate f;
        ++c_.received;
        if (chance(p_.loss_pct)) {
            ++c_.lost;
            return f;
        }
        f.release_us[f.copies++] = release(now_us);
        if (chance(p_.dup_pct)) {
            ++c_.duplicated;
            f.release_us[f.copies++] = release(now_us);
        }
        c_.scheduled += uint64_t(f.copies);
        return f;
    }

    const LinkCounters& counters() const { return c_; }
    const LinkParams& params() const { return p_; }

private:
    bool chance(double pct) { return pct > 0 && unit_(rng_) * 100.0 < pct; }

    int64_t release(int64_t now_us) {
        double ms = p_.delay_ms;
        if (p_.jitter_ms > 0) ms += (unit_(rng_) * 2 - 1) * p_.jitter_ms;
        if (chance(p_.reorder_pct)) {
            ms += p_.reorder_extra_ms;
            ++c_.reordered;
        }
        return now_us + int64_t(std::max(0.0, ms) * 1000.0);
    }

    LinkParams p_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> unit_{0.0, 1.0};
    LinkCounters c_;
};

}  // namespace ztest::netem

// Packet ids of requests we sent and expect an OK for (spec §4.8). OK replies whose in-re
// packet id is not here are dropped as unexpected. Fixed memory: 2048 buckets of 4 entries
// (8192, as upstream) chosen by the wire packet id; an entry lives kReplyWindowMs.
#pragma once

#include <array>
#include <cstdint>

#include "core/protocol.hpp"
#include "core/types.hpp"

namespace zt {

class ExpectedReplies {
public:
    static constexpr Ticks kReplyWindowMs = 30000;
    static constexpr size_t kBuckets = 2048;

    void expect(uint64_t packet_id, Verb verb, Address to, Ticks now) {
        auto& bucket = buckets_[packet_id % kBuckets];
        Entry* slot = &bucket[0];
        for (auto& e : bucket) {
            if (e.packet_id == 0 || now - e.sent >= kReplyWindowMs) {
                slot = &e;
                break;
            }
            if (e.sent < slot->sent) slot = &e;  // evict the oldest
        }
        *slot = Entry{packet_id, verb, to, now};
    }

    // True (once) if we sent `packet_id` with `verb` to `from` recently; the entry is kept
    // so that several OKs may answer one request (config chunks) within the window.
    bool matches(uint64_t packet_id, Verb verb, Address from, Ticks now) const {
        if (packet_id == 0) return false;
        for (const auto& e : buckets_[packet_id % kBuckets])
            if (e.packet_id == packet_id && e.verb == verb && e.to == from && now - e.sent < kReplyWindowMs)
                return true;
        return false;
    }

    // Latency helper: when the request left.
    Ticks sent_at(uint64_t packet_id) const {
        for (const auto& e : buckets_[packet_id % kBuckets])
            if (e.packet_id == packet_id) return e.sent;
        return 0;
    }

private:
    struct Entry {
        uint64_t packet_id = 0;
        Verb verb = Verb::nop;
        Address to;
        Ticks sent = 0;
    };
    std::array<std::array<Entry, 4>, kBuckets> buckets_{};
};

}  // namespace zt

// Duplicate and replay suppression: the wire packet ids of authenticated packets seen in the
// last kWindowMs. Packet ids are random 64-bit values (or AES-GMAC-SIV tag halves), so a
// repeat within the window is a duplicate or a replay. Fixed memory: an open-addressed
// table; when a probe run is full of fresh entries the oldest is overwritten (which can
// only make us miss a replay, never drop a new packet).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "core/types.hpp"

namespace zt {

class RecentPackets {
public:
    static constexpr Ticks kWindowMs = 120000;
    static constexpr size_t kSlots = 1 << 14;
    static constexpr size_t kProbe = 8;

    RecentPackets() : slots_(std::make_unique<Slot[]>(kSlots)) {}

    // True if `id` was recorded within the window (nothing is recorded).
    bool seen(uint64_t id, Ticks now) const {
        const size_t h = hash(id);
        for (size_t i = 0; i < kProbe; ++i) {
            const Slot& s = slots_[(h + i) & (kSlots - 1)];
            if (s.used && now - s.seen < kWindowMs && s.id == id) return true;
        }
        return false;
    }

    // True if `id` is new (and records it); false if it was seen within the window.
    bool check_and_insert(uint64_t id, Ticks now) {
        const size_t h = hash(id);
        Slot* free_slot = nullptr;  // unused or expired
        Slot* oldest = nullptr;
        for (size_t i = 0; i < kProbe; ++i) {
            Slot& s = slots_[(h + i) & (kSlots - 1)];
            bool fresh = s.used && now - s.seen < kWindowMs;
            if (fresh && s.id == id) return false;
            if (!fresh && !free_slot) free_slot = &s;
            if (fresh && (!oldest || s.seen < oldest->seen)) oldest = &s;
        }
        *(free_slot ? free_slot : oldest) = Slot{id, now, true};
        return true;
    }

private:
    static size_t hash(uint64_t id) { return size_t((id ^ (id >> 29)) * 0x9e3779b97f4a7c15ULL) & (kSlots - 1); }

    struct Slot {
        uint64_t id = 0;
        Ticks seen = 0;
        bool used = false;
    };
    std::unique_ptr<Slot[]> slots_;
};

}  // namespace zt

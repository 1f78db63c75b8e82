// libFuzzer target: World::parse and World::parse_all (spec §7.1). A world that parses
// stays within the limits, re-serializes to its announced size and parses back equal;
// parse() and parse_all() agree; signature and update checks never crash.
#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/world/world.hpp"

using namespace zt;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

void check_world(const World& w) {
    require(w.type == World::Type::planet || w.type == World::Type::moon);
    require(w.roots.size() <= World::kMaxRoots);
    for (const auto& root : w.roots) {
        require(root.stable_endpoints.size() <= World::kMaxStableEndpointsPerRoot);
        require(!root.identity.has_secret());
    }
    static std::array<uint8_t, World::kMaxSerializedBytes> a, b;
    Writer wa{std::span<uint8_t>(a)};
    w.serialize(wa);
    require(wa.ok() && wa.size() == w.serialized_size());
    auto again = World::parse(wa.written());
    require(again.has_value() && *again == w);
    Writer wb{std::span<uint8_t>(b)};
    again->serialize(wb);
    require(wb.ok() && wb.size() == wa.size());
    for (size_t i = 0; i < wa.size(); ++i) require(a[i] == b[i]);
    (void)w.self_signed();
    (void)check_world_update(default_planet(), w);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (sodium_init() < 0) __builtin_trap();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);
    auto one = World::parse(in);
    if (one) check_world(*one);
    auto all = World::parse_all(in);
    if (all) {
        require(all->size() <= size / World::kFixedBytes);
        for (const auto& w : *all) check_world(w);
    }
    // One whole world is also a one-element sequence, and nothing else parses as one world.
    if (one) require(all && all->size() == 1 && (*all)[0] == *one);
    if (all && all->size() == 1) require(one.has_value());
    return 0;
}

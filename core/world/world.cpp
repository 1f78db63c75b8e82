// World binary form, signing and the §7.2 update rule. Layout in world.hpp.
#include "core/world/world.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include "core/wire/inet_address.hpp"

namespace zt {

namespace {

constexpr uint8_t kSignPrefixByte = 0x7f;
constexpr uint8_t kSignSuffixByte = 0xf7;

bool known_type(uint8_t t) {
    return t == uint8_t(World::Type::planet) || t == uint8_t(World::Type::moon);
}

bool within_limits(const std::vector<World::Root>& roots) {
    if (roots.size() > World::kMaxRoots) return false;
    for (const auto& root : roots)
        if (root.stable_endpoints.size() > World::kMaxStableEndpointsPerRoot) return false;
    return true;
}

// Writer has no fail(); asking for more than any buffer holds clears ok() the same way.
void poison(Writer& w) { (void)w.reserve(std::numeric_limits<size_t>::max()); }

}  // namespace

std::optional<World> World::read(Reader& r) {
    World w;
    const uint8_t type = r.u8();
    w.id = r.u64be();
    w.timestamp_ms = r.u64be();
    auto key = r.bytes(crypto::c25519_public_bytes);
    auto sig = r.bytes(crypto::c25519_signature_bytes);
    const uint8_t root_count = r.u8();
    if (!r.ok() || !known_type(type) || root_count > kMaxRoots) {
        r.fail();
        return std::nullopt;
    }
    w.type = Type(type);
    std::copy(key.begin(), key.end(), w.updates_must_be_signed_by.begin());
    std::copy(sig.begin(), sig.end(), w.signature.begin());

    w.roots.resize(root_count);
    for (auto& root : w.roots) {
        auto id = Identity::parse(r);
        // Worlds carry public identities only; a secret here is malformed (and never kept).
        if (!r.ok() || !id || id->has_secret()) {
            r.fail();
            return std::nullopt;
        }
        root.identity = std::move(*id);
        const uint8_t endpoint_count = r.u8();
        if (endpoint_count > kMaxStableEndpointsPerRoot) r.fail();
        if (!r.ok()) return std::nullopt;
        root.stable_endpoints.reserve(endpoint_count);
        for (uint8_t i = 0; i < endpoint_count; ++i) {
            const wire::InetAddress a = wire::InetAddress::read(r);
            if (!r.ok()) return std::nullopt;
            root.stable_endpoints.push_back(a.endpoint);
        }
    }

    // Moons end with a dictionary (always empty from upstream); its contents are skipped
    // and not covered by the signature as re-serialized.
    if (w.type == Type::moon) r.skip(r.u16be());
    if (!r.ok()) return std::nullopt;
    return w;
}

std::optional<World> World::parse(std::span<const uint8_t> in) {
    Reader r{in};
    auto w = read(r);
    if (!r.ok() || !w || !r.at_end()) return std::nullopt;
    return w;
}

std::optional<std::vector<World>> World::parse_all(std::span<const uint8_t> in) {
    Reader r{in};
    std::vector<World> out;
    while (r.ok() && !r.at_end()) {
        auto w = read(r);
        if (!r.ok() || !w) return std::nullopt;
        out.push_back(std::move(*w));
    }
    if (!r.ok()) return std::nullopt;
    return out;
}

void World::serialize(Writer& w, bool for_sign) const {
    // Precondition of the format: a known type and counts within limits. A hand-built
    // world that breaks it writes nothing valid (w.ok() becomes false).
    if (!known_type(uint8_t(type)) || !within_limits(roots)) {
        poison(w);
        return;
    }
    if (for_sign)
        for (size_t i = 0; i < kSignGuardBytes; ++i) w.u8(kSignPrefixByte);
    w.u8(uint8_t(type));
    w.u64be(id);
    w.u64be(timestamp_ms);
    w.bytes(updates_must_be_signed_by);
    if (!for_sign) w.bytes(signature);
    w.u8(uint8_t(roots.size()));
    for (const auto& root : roots) {
        root.identity.serialize(w, /*with_secret=*/false);
        w.u8(uint8_t(root.stable_endpoints.size()));
        for (const auto& ep : root.stable_endpoints) wire::InetAddress{ep}.serialize(w);
    }
    if (type == Type::moon) w.u16be(0);  // empty dictionary
    if (for_sign)
        for (size_t i = 0; i < kSignGuardBytes; ++i) w.u8(kSignSuffixByte);
}

size_t World::serialized_size(bool for_sign) const {
    size_t n = kFixedBytes - (for_sign ? crypto::c25519_signature_bytes : 0);
    if (for_sign) n += 2 * kSignGuardBytes;
    for (const auto& root : roots) {
        n += Identity::public_serialized_bytes + 1;
        for (const auto& ep : root.stable_endpoints) n += wire::InetAddress{ep}.serialized_size();
    }
    if (type == Type::moon) n += 2;
    return n;
}

bool World::verify_signature(std::span<const uint8_t, crypto::c25519_public_bytes> key) const {
    std::array<uint8_t, kMaxSignedMessageBytes> buf;
    Writer w{buf};
    serialize(w, /*for_sign=*/true);
    if (!w.ok()) return false;
    return crypto::c25519_verify(key, w.written(), signature);
}

std::optional<World> World::sign(Type type, uint64_t id, uint64_t timestamp_ms, std::vector<Root> roots,
                                 const crypto::C25519Public& next_update_key,
                                 const crypto::C25519Secret& signing_secret) {
    if (!known_type(uint8_t(type)) || !within_limits(roots)) return std::nullopt;
    World w;
    w.type = type;
    w.id = id;
    w.timestamp_ms = timestamp_ms;
    w.updates_must_be_signed_by = next_update_key;
    w.roots = std::move(roots);
    for (auto& root : w.roots) {
        if (root.identity.is_nil()) return std::nullopt;
        root.identity = root.identity.public_only();
    }

    std::array<uint8_t, kMaxSignedMessageBytes> buf;
    Writer msg{buf};
    w.serialize(msg, /*for_sign=*/true);
    if (!msg.ok()) return std::nullopt;
    w.signature = crypto::c25519_sign(signing_secret, msg.written());
    return w;
}

bool World::roots_locally_validate() const {
    std::vector<uint8_t> scratch(crypto::memory_hard_scratch_bytes);
    std::span<uint8_t, crypto::memory_hard_scratch_bytes> s(scratch.data(), scratch.size());
    for (size_t i = 0; i < roots.size(); ++i) {
        const Identity& id = roots[i].identity;
        if (id.is_nil() || id.has_secret() || !id.locally_validate(s)) return false;
        for (size_t j = 0; j < i; ++j)
            if (roots[j].identity.address() == id.address()) return false;
    }
    return true;
}

WorldUpdate check_world_update(const World& current, const World& candidate) {
    // §7.2, in the spec's order; the signature (the costly check) last.
    if (candidate.is_null()) return WorldUpdate::null_candidate;
    if (current.is_null()) return WorldUpdate::accept;
    if (candidate.id != current.id) return WorldUpdate::other_id;
    if (candidate.type != current.type) return WorldUpdate::other_type;
    if (candidate.timestamp_ms <= current.timestamp_ms) return WorldUpdate::not_newer;
    if (!candidate.verify_signature(current.updates_must_be_signed_by)) return WorldUpdate::bad_signature;
    return WorldUpdate::accept;
}

const World& default_planet() {
    // The compiled-in bytes are tested to parse; a null world here would mean a build error.
    static const World planet = World::parse(default_planet_bytes()).value_or(World{});
    return planet;
}

}  // namespace zt

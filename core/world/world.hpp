// Worlds (spec §7): the signed list of roots a node starts from. A planet (type 1) is the
// global root set; a moon (type 127) adds roots a user "orbits". This file owns the binary
// form (§7.1), the update rule (§7.2) and the compiled-in default planet (§7.3).
//
//   <[1] type: 1 planet, 127 moon> <[8] world id> <[8] timestamp, ms>
//   <[64] updatesMustBeSignedBy: C25519 public key for the NEXT revision>
//   <[96] C25519 signature of this revision>
//   <[1] root count R, <= 4>
//   R x ( <[71] root identity, public binary form (§1.5)>
//         <[1] stable endpoint count E, <= 32> <E x InetAddress (§6.1)> )
//   moons only: <[2] dictionary length L> <[L] dictionary>   (always L = 0; skipped)
//
// Signed message ("forSign"): <[8] 7f..7f> <the above without the signature, moons with
// dictionary length 0> <[8] f7..f7>, C25519-signed (§2.1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/crypto/c25519.hpp"
#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt {

struct World {
    enum class Type : uint8_t { null = 0, planet = 1, moon = 127 };

    static constexpr size_t kMaxRoots = 4;                        // ZT_WORLD_MAX_ROOTS
    static constexpr size_t kMaxStableEndpointsPerRoot = 32;      // ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT
    static constexpr size_t kFixedBytes = 1 + 8 + 8 + 64 + 96 + 1;  // up to and including R
    static constexpr size_t kSignGuardBytes = 8;                  // 7f x 8 before, f7 x 8 after
    // Largest world serialize() can produce: 4 roots, 32 IPv6 endpoints each, a moon.
    static constexpr size_t kMaxSerializedBytes =
        kFixedBytes + kMaxRoots * (Identity::public_serialized_bytes + 1 + kMaxStableEndpointsPerRoot * 19) + 2;
    static constexpr size_t kMaxSignedMessageBytes = kMaxSerializedBytes + 2 * kSignGuardBytes;

    struct Root {
        Identity identity;                       // public form
        std::vector<Endpoint> stable_endpoints;  // nil entries stand for 0x00 / skipped kinds (§6.1)
        friend bool operator==(const Root&, const Root&) = default;
    };

    Type type = Type::null;
    uint64_t id = 0;
    uint64_t timestamp_ms = 0;  // wall clock (UnixMs units); unsigned on the wire and in §7.2
    crypto::C25519Public updates_must_be_signed_by{};
    crypto::C25519Signature signature{};
    std::vector<Root> roots;

    bool is_null() const { return type == Type::null; }

    // Exactly one world filling the whole span (a planet or moon file). Cheap: root
    // identities are not validated here (see roots_locally_validate()).
    static std::optional<World> parse(std::span<const uint8_t> in);
    // One world at the reader's position; clears r.ok() on any malformation: unknown type
    // (null included), more than 4 roots or 32 endpoints, a root with a secret key, a bad
    // identity or InetAddress, truncation.
    static std::optional<World> read(Reader& r);
    // The world-update field of OK(HELLO) (§5.2): zero or more worlds back to back. nullopt
    // if any of them is malformed (upstream keeps those before the bad one; we keep none).
    static std::optional<std::vector<World>> parse_all(std::span<const uint8_t> in);

    // for_sign: the message the signature covers (guards, no signature). Nil endpoints are
    // written as 0x00 and a moon's dictionary as length 0, as upstream does; a world that
    // parsed cleanly thus re-serializes to the same bytes unless it carried skipped
    // InetAddress kinds or a non-empty moon dictionary.
    void serialize(Writer& w, bool for_sign = false) const;
    size_t serialized_size(bool for_sign = false) const;

    // §2.1 verification of this world's signature by `key`. For updates the key is the
    // CURRENT world's updates_must_be_signed_by (see should_replace), not this world's own.
    bool verify_signature(std::span<const uint8_t, crypto::c25519_public_bytes> key) const;
    // Against its own updates_must_be_signed_by: true for a world whose previous and next
    // keys are the same (e.g. the default planet); a diagnostic, not an acceptance rule.
    bool self_signed() const { return verify_signature(updates_must_be_signed_by); }

    // What mkworld does: builds the world and signs its forSign form with `signing_secret`
    // (the key the current world names), embedding `next_update_key` for the next revision.
    // nullopt for a null type, more than 4 roots, more than 32 endpoints on a root, or a
    // root without an address.
    static std::optional<World> sign(Type type, uint64_t id, uint64_t timestamp_ms, std::vector<Root> roots,
                      const crypto::C25519Public& next_update_key, const crypto::C25519Secret& signing_secret);

    // Before a loaded planet/moon is used: every root identity passes locally_validate()
    // (§1.3, one memory-hard hash each) and no address repeats. Costs ~10-30 ms per root.
    bool roots_locally_validate() const;

    friend bool operator==(const World&, const World&) = default;
};

// §7.2, why a candidate world does or does not replace the current one.
enum class WorldUpdate {
    accept,         // replaces current
    null_candidate, // candidate has type null
    other_id,       // different world id
    other_type,     // planet vs moon
    not_newer,      // timestamp not strictly greater
    bad_signature,  // not signed by current.updates_must_be_signed_by
};

// §7.2: a null current accepts any non-null candidate; otherwise same id, same type,
// strictly newer timestamp, and a signature that verifies with the CURRENT world's
// updates_must_be_signed_by key.
WorldUpdate check_world_update(const World& current, const World& candidate);
inline bool should_replace(const World& current, const World& candidate) {
    return check_world_update(current, candidate) == WorldUpdate::accept;
}

// §7.3: the planet compiled into ZeroTier One 1.14.1 (id 149604618, "Earth"), 570 bytes.
std::span<const uint8_t> default_planet_bytes();
// Parsed once, on first use.
const World& default_planet();

}  // namespace zt

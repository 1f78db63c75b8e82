// HELLO (verb 0x01), spec §5.2: the identity announcement, sent with cipher suite 0 and the
// trailing moon section encrypted as the "cryptField" (§4.5).
//
//   <[1] protocol version> <[1] software major> <[1] software minor> <[2] software revision>
//   <[8] timestamp, ms (sender's clock, echoed in OK(HELLO))>
//   <[71] sender identity, binary public form (§1.5)>
//   [<[var] InetAddress (§6.1): physical destination the datagram was sent to>]  if bytes remain
//   [<[8] planet world id> <[8] planet world timestamp>]                         if 16 bytes remain
//   [<[2] moon count N> <N x ([1] world type, [8] world id, [8] world timestamp)>]  if bytes remain;
//                                                                   cryptField-encrypted on the wire
//
// parse() and serialize() work on the plaintext payload: apply_crypt_field() turns the
// wire form of a whole packet into it and back.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/crypto/secret.hpp"
#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/wire/inet_address.hpp"
#include "core/wire/wire_constants.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct WorldRef {
    uint64_t id = 0;
    uint64_t timestamp_ms = 0;  // 0 for a moon we want but do not have yet
    friend bool operator==(const WorldRef&, const WorldRef&) = default;
};

struct MoonRef {
    uint8_t type = 0;  // 127 = moon
    WorldRef world;
    friend bool operator==(const MoonRef&, const MoonRef&) = default;
};

struct Hello {
    // Moons a HELLO keeps; entries past this are length-checked and skipped.
    static constexpr size_t kMaxMoons = 16;
    static constexpr size_t kMandatoryLength = 13 + wire::kIdentityPublicLength;  // 84

    uint8_t protocol_version = 0;
    uint8_t version_major = 0;
    uint8_t version_minor = 0;
    uint16_t version_revision = 0;
    UnixMs timestamp_ms = 0;
    Identity identity;                              // public form only
    // The optional tail. A later field present implies the earlier ones on the wire;
    // serialize() writes "none" (0x00, world 0/0) for an absent earlier one.
    std::optional<wire::InetAddress> destination;   // physical address it was sent to
    std::optional<WorldRef> planet;
    bool has_moon_section = false;                  // upstream 1.14 always sends it (N may be 0)
    std::array<MoonRef, kMaxMoons> moons{};
    size_t moon_count = 0;

    static std::optional<Hello> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;

    // Offset of the moon count within the payload (where the cryptField starts), or
    // nullopt if there is no moon section or the fields before it do not parse.
    static std::optional<size_t> moon_section_offset(std::span<const uint8_t> payload);
    // §4.5 on a whole HELLO packet (header + verb + payload, after the MAC check on
    // receive, before armoring on send): XORs the moon section. Its own inverse. False if
    // the payload before the moon section does not parse (then pkt is unchanged).
    static bool apply_crypt_field(std::span<uint8_t> pkt, const SymmetricKey& key);
};

}  // namespace zt::vl1

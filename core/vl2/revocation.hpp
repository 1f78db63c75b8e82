// Revocation (spec §8.8, §8.7): the controller withdraws a member's credentials of one type
// issued at or before a threshold time; with flag 0x1 it is re-flooded to every member.
//
//   <[4] 0> <[4] revocation id> <[8] network id> <[4] 0> <[4] credential id> <[8] threshold, ms>
//   <[8] flags> <[5] target> <[5] signed by> <[1] credential type>
//   <signature block> <[2] extension length> <[...] extension, skipped>        (152 bytes as sent)
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/vl2/credential.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct Revocation {
    static constexpr uint64_t kFlagFastPropagate = 0x1;
    static constexpr size_t kLength = 4 + 4 + 8 + 4 + 4 + 8 + 8 + 5 + 5 + 1 + 3 + kSignatureLength + 2;

    uint32_t id = 0;
    NetworkId nwid;
    uint32_t credential_id = 0;
    UnixMs threshold = 0;           // credentials timestamped at or before this are refused
    uint64_t flags = 0;
    Address target;                 // the member whose credentials are revoked
    Address signed_by;
    CredentialType type = CredentialType::null;  // as on the wire (other values kept)
    Signature signature{};

    bool fast_propagate() const { return flags & kFlagFastPropagate; }

    // One revocation at r's position (the two reserved words are not checked, as upstream
    // does not); clears r.ok() on truncation or a bad signature block.
    static std::optional<Revocation> parse(Reader& r);
    static std::optional<Revocation> parse(std::span<const uint8_t> in);
    void serialize(Writer& w) const;  // reserved words 0, extension length 0

    bool sign(const Identity& controller);
    bool verify(const Identity& controller) const;

    friend bool operator==(const Revocation&, const Revocation&) = default;

private:
    void write_signed_fields(Writer& w) const;
};

}  // namespace zt::vl2

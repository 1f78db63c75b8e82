// Tag (spec §8.8): a controller-signed (id, value) pair bound to one member, matched by the
// rules engine (§8.9 TAGS_* matches). Signed over the forSign frame of credential.hpp.
//
//   <[8] network id> <[8] timestamp> <[4] tag id> <[4] value> <[5] issued to> <[5] signed by>
//   <signature block> <[2] extension length> <[...] extension, skipped>        (135 bytes as sent)
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

struct Tag {
    static constexpr size_t kLength = 8 + 8 + 4 + 4 + 5 + 5 + 3 + kSignatureLength + 2;

    NetworkId nwid;
    UnixMs timestamp = 0;
    uint32_t id = 0;
    uint32_t value = 0;
    Address issued_to;
    Address signed_by;
    Signature signature{};

    // One tag at r's position; clears r.ok() on truncation or a bad signature block.
    static std::optional<Tag> parse(Reader& r);
    // Exactly one tag filling `in`.
    static std::optional<Tag> parse(std::span<const uint8_t> in);
    void serialize(Writer& w) const;  // extension length 0

    // Sets signed_by and signs; false if `controller` has no secret.
    bool sign(const Identity& controller);
    // Signed by the network's controller (nwid >> 24), which `controller` is, and valid.
    bool verify(const Identity& controller) const;

    friend bool operator==(const Tag&, const Tag&) = default;

private:
    void write_signed_fields(Writer& w) const;
};

}  // namespace zt::vl2

// NETWORK_CREDENTIALS (verb 0x0a), spec §5.9: a member pushes its credentials for a network
// before sending it frames (§8.7). Sections after the COMs may be absent (older senders).
//
//   { <COM (§8.6), starts with 0x01> }* <[1] 0x00>
//   <[2] count> <capabilities (§8.8)>  <[2] count> <tags>  <[2] count> <revocations>
//   <[2] count> <certificates of ownership>
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/vl2/capability.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/coo.hpp"
#include "core/vl2/revocation.hpp"
#include "core/vl2/tag.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct NetworkCredentials {
    // Bounds on one packet's lists (a 10 KB packet holds far fewer of most of them).
    static constexpr size_t kMaxComs = 16;
    static constexpr size_t kMaxPerSection = 128;

    std::vector<CertificateOfMembership> coms;
    std::vector<Capability> capabilities;
    std::vector<Tag> tags;
    std::vector<Revocation> revocations;
    std::vector<CertificateOfOwnership> coos;

    // The COM list ends at a 0x00 byte or the end of the payload; each later section may be
    // absent, but one that starts must be whole. Bytes after the COOs are ignored. nullopt
    // on a malformed credential or a list over its bound.
    static std::optional<NetworkCredentials> parse(std::span<const uint8_t> payload);
    // Writes every section (empty ones as a zero count). Fails the writer over the bounds.
    void serialize(Writer& w) const;

    friend bool operator==(const NetworkCredentials&, const NetworkCredentials&) = default;
};

}  // namespace zt::vl2

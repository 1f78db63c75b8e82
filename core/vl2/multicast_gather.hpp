// MULTICAST_GATHER (verb 0x0d), spec §5.12: who subscribes to a group; and its answer
// OK(MULTICAST_GATHER), whose member list (GatherResults) OK(MULTICAST_FRAME) reuses (§5.13).
//
//   request:  <[8] network id> <[1] flags: 0x01 COM attached> <[6] group MAC> <[4] group ADI>
//             <[4] gather limit> [<[var] COM (§8.6)> if flags & 0x01]
//   OK body:  <[8] network id> <[6] group MAC> <[4] group ADI> <gather results>
//   gather results: <[4] total members known> <[2] N> <N x [5] member address>
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "core/vl2/com.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct GatherResults {
    static constexpr size_t kMinLength = 6;

    uint32_t total_known = 0;       // members the responder knows (may exceed members.size())
    std::vector<Address> members;   // at most 65535

    // Reads at r's position; clears r.ok() on truncation.
    static GatherResults read(Reader& r);
    // Fails the writer for more than 65535 members.
    void serialize(Writer& w) const;

    friend bool operator==(const GatherResults&, const GatherResults&) = default;
};

struct MulticastGather {
    static constexpr uint8_t kFlagCom = 0x01;
    static constexpr size_t kMandatoryLength = 23;

    NetworkId nwid;
    uint8_t flags = 0;  // as on the wire; serialize() sets 0x01 iff com is present
    Mac group_mac;
    uint32_t group_adi = 0;
    uint32_t gather_limit = 0;  // answered only if > 0
    // The attached COM. One that does not parse is ignored (nullopt), as upstream discards it.
    std::optional<CertificateOfMembership> com;

    static std::optional<MulticastGather> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

struct OkMulticastGather {
    static constexpr size_t kMandatoryLength = 18 + GatherResults::kMinLength;

    NetworkId nwid;
    Mac group_mac;
    uint32_t group_adi = 0;
    GatherResults results;

    // Bytes after the N addresses are ignored.
    static std::optional<OkMulticastGather> parse(std::span<const uint8_t> body);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl2

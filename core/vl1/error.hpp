// ERROR (verb 0x02), spec §5.1.
//
//   <[1] in-re verb> <[8] in-re packet id> <[1] error code>
//   [<[8] network id>]    codes 0x06, 0x07, 0x08, 0x09; and 0x03, 0x05 in-re NETWORK_CONFIG_REQUEST
//   [<[...] rest>]        UNWANTED_MULTICAST: <[6] MAC> <[4] ADI>;
//                         NETWORK_AUTHENTICATION_REQUIRED: [<[2] length> <Dictionary>]; else ignored
//
// Which errors carry a network id follows what 1.14 reads (IncomingPacket _doERROR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/protocol.hpp"
#include "core/types.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct Error {
    static constexpr size_t kMandatoryLength = 10;

    Verb in_re_verb = Verb::nop;
    uint64_t in_re_packet_id = 0;
    ErrorCode code = ErrorCode::none;
    std::optional<NetworkId> nwid;   // present iff carries_network_id(in_re_verb, code)
    std::span<const uint8_t> rest;   // error-specific bytes after the network id (a view)

    // True if an ERROR with this code (in reply to this verb) starts its payload with a nwid.
    static bool carries_network_id(Verb in_re_verb, ErrorCode code);

    static std::optional<Error> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl1

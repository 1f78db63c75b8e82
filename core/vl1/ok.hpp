// OK (verb 0x03), spec §5.1, and the OK bodies the VL1 core reads: OK(HELLO) §5.2,
// OK(ECHO) §5.7, OK(WHOIS) §5.3.
//
//   OK:        <[1] in-re verb> <[8] in-re packet id (wire bytes of the request's id)> <[...] body>
//   OK(HELLO): <[8] timestamp echoed from the HELLO> <[1] protocol version> <[1] software major>
//              <[1] software minor> <[2] software revision>
//              [<[var] InetAddress: where the HELLO came from>]            if bytes remain
//              [<[2] world update length L> <[L] serialized worlds>]        if 2 bytes remain
//   OK(ECHO):  <[...] the ECHO payload, copied>   (also NETWORK_CONFIG's ack, in-re verb 0x08)
//   OK(WHOIS): <[71] identity> [<[71] identity> ...]   (1.14 reads only the first)
//
// Body structs parse the body (Ok::body) and serialize only the body: a sender writes
// Ok{verb, id, {}} and then the body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/identity.hpp"
#include "core/protocol.hpp"
#include "core/types.hpp"
#include "core/wire/inet_address.hpp"
#include "core/wire/wire_constants.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl1 {

struct Ok {
    static constexpr size_t kMandatoryLength = 9;

    Verb in_re_verb = Verb::nop;
    uint64_t in_re_packet_id = 0;
    std::span<const uint8_t> body;  // view into the parsed payload

    static std::optional<Ok> parse(std::span<const uint8_t> payload);
    void serialize(Writer& w) const;  // prefix, then body
};

struct OkHello {
    static constexpr size_t kMandatoryLength = 13;

    UnixMs timestamp_echo_ms = 0;
    uint8_t protocol_version = 0;
    uint8_t version_major = 0;
    uint8_t version_minor = 0;
    uint16_t version_revision = 0;
    // Optional tail; worlds present implies the address on the wire (written as 0x00 if absent).
    std::optional<wire::InetAddress> source;           // our address as the responder saw it
    std::optional<std::span<const uint8_t>> worlds;    // serialized worlds (§7.1), a view

    static std::optional<OkHello> parse(std::span<const uint8_t> body);
    void serialize(Writer& w) const;
};

struct OkEcho {
    std::span<const uint8_t> payload;

    static std::optional<OkEcho> parse(std::span<const uint8_t> body) { return OkEcho{body}; }
    void serialize(Writer& w) const { w.bytes(payload); }
};

struct OkWhois {
    static constexpr size_t kMandatoryLength = wire::kIdentityPublicLength;

    Identity identity;               // the first identity
    std::span<const uint8_t> more;   // any further identities, unparsed (a view)

    static std::optional<OkWhois> parse(std::span<const uint8_t> body);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl1

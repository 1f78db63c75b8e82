// SOCKS version 5 messages (RFC 1928) and username/password authentication (RFC 1929), parsed
// from what a client has sent so far and built for replies. Pure functions over bytes: no
// sockets, so the fuzz target (test/fuzz/fuzz_proxy.cpp) and the unit tests drive them directly.
//
// Each parse_* looks at the start of `in`: need_more while the message is incomplete, ok with
// `used` = its length, or bad with the reply code to send (0: send nothing, just close).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stack/inet.hpp"

namespace zt::node::socks5 {

constexpr uint8_t kVersion = 5;
constexpr uint8_t kAuthVersion = 1;  // RFC 1929's sub-negotiation version

// Methods (RFC 1928 §3).
constexpr uint8_t kMethodNone = 0x00;
constexpr uint8_t kMethodUserPass = 0x02;
constexpr uint8_t kMethodUnacceptable = 0xff;

// Commands and address types (§4).
constexpr uint8_t kCmdConnect = 0x01;
constexpr uint8_t kCmdBind = 0x02;
constexpr uint8_t kCmdUdpAssociate = 0x03;
constexpr uint8_t kAtypIPv4 = 0x01;
constexpr uint8_t kAtypDomain = 0x03;
constexpr uint8_t kAtypIPv6 = 0x04;

// Reply codes (§6).
constexpr uint8_t kSucceeded = 0x00;
constexpr uint8_t kGeneralFailure = 0x01;
constexpr uint8_t kNotAllowed = 0x02;
constexpr uint8_t kNetworkUnreachable = 0x03;
constexpr uint8_t kHostUnreachable = 0x04;
constexpr uint8_t kConnectionRefused = 0x05;
constexpr uint8_t kTtlExpired = 0x06;
constexpr uint8_t kCommandNotSupported = 0x07;
constexpr uint8_t kAddressTypeNotSupported = 0x08;

enum class Parse { need_more, ok, bad };

// The client's greeting: VER NMETHODS METHODS[NMETHODS].
struct Greeting {
    std::vector<uint8_t> methods;
    bool offers(uint8_t m) const;
};
Parse parse_greeting(std::span<const uint8_t> in, size_t& used, Greeting& out);

// RFC 1929: VER(1) ULEN UNAME PLEN PASSWD, each 1..255 bytes (a zero length is refused).
struct Credentials {
    std::string user, password;
};
Parse parse_auth(std::span<const uint8_t> in, size_t& used, Credentials& out);

// The target of a request or of a UDP datagram: an IP address or a domain name, and a port.
struct Target {
    std::optional<stack::InetAddr> ip;  // ATYP 1 or 4 (port filled in), or a domain that is an IP literal
    std::string host;                   // ATYP 3 as sent
    uint16_t port = 0;
    std::string to_string() const;      // "host:port" or the address
};

// A request: VER CMD RSV ATYP DST.ADDR DST.PORT. Bad: a wrong version (0: close), an unknown
// command (7), an unknown address type (8), an empty or NUL-holding domain (1).
struct Request {
    uint8_t cmd = 0;
    Target target;
};
Parse parse_request(std::span<const uint8_t> in, size_t& used, Request& out, uint8_t& code);

// VER REP RSV ATYP BND.ADDR BND.PORT; an address of family 0 is sent as 0.0.0.0:0.
std::vector<uint8_t> reply(uint8_t code, const stack::InetAddr& bound);

// The header in front of every UDP datagram relayed for UDP ASSOCIATE (§7):
// RSV(2) FRAG ATYP DST.ADDR DST.PORT DATA. nullopt if malformed; `header_len` is what precedes DATA.
struct UdpHeader {
    uint8_t frag = 0;
    Target target;
    size_t header_len = 0;
};
std::optional<UdpHeader> parse_udp_header(std::span<const uint8_t> in);
std::vector<uint8_t> udp_header(const stack::InetAddr& from);

}  // namespace zt::node::socks5

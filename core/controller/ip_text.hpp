// IP addresses as the controller's records write them (spec §9.1): "10.147.17.11",
// "fd00::1", "10.147.17.0/24", read and printed without the C library (the core makes no
// libc network calls), printed exactly as inet_ntop prints them, since upstream compares the
// stored "ipAssignments" strings as text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "core/wire/inet_address.hpp"

namespace zt::controller {

// An IPv4 (dotted quad) or IPv6 (RFC 4291 text, an embedded dotted quad allowed) address,
// port 0; nullopt for anything else.
std::optional<Endpoint> ip_from_text(std::string_view text);

// "address/bits" (bits <= 32 or 128). A missing "/bits" reads as /0, as upstream's
// InetAddress(string) leaves the netmask at 0.
std::optional<wire::InetPrefix> prefix_from_text(std::string_view text);

// The address as inet_ntop prints it: dotted quad, or lowercase IPv6 with the longest run of
// two or more zero groups as "::" (the first of equal runs), "::a.b.c.d" / "::ffff:a.b.c.d"
// for IPv4-compatible and -mapped addresses. "" for a nil endpoint.
std::string ip_to_text(const Endpoint& ip);

// Whether `ip` lies inside `prefix`: same family and the first `bits` bits agree.
bool prefix_contains(const wire::InetPrefix& prefix, const Endpoint& ip);

}  // namespace zt::controller

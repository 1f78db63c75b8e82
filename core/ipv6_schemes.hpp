// ZeroTier's managed IPv6 address schemes (spec §6.6): RFC4193 (/88, one address per member)
// and 6PLANE (/40 on the wire; each member owns the /80 around its address). Both embed the
// member's ZeroTier address, so a node can compute a peer's MAC from its IPv6 address without
// asking (NDP emulation, §6.4).
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "core/types.hpp"

namespace zt {

using Ipv6 = std::array<uint8_t, 16>;

inline constexpr uint8_t kRfc4193PrefixBits = 88;
inline constexpr uint8_t kSixPlanePrefixBits = 40;
inline constexpr uint8_t kSixPlaneOwnedBits = 80;  // the part of a 6PLANE address a member owns

// fd ‖ nwid (8 bytes) ‖ 99 93 ‖ address (5 bytes).
Ipv6 rfc4193_address(NetworkId nwid, Address node);
// fc ‖ h (4 bytes) ‖ address (5 bytes) ‖ 00 x 5 ‖ 01, h = (nwid ^ (nwid >> 32)) & 0xffffffff.
Ipv6 sixplane_address(NetworkId nwid, Address node);

// The member an IPv6 address of either scheme on `nwid` belongs to (for 6PLANE: any address in
// the member's /80), or nullopt if the address is in neither scheme's prefix for that network.
std::optional<Address> emulated_ipv6_owner(NetworkId nwid, const Ipv6& ip);

}  // namespace zt

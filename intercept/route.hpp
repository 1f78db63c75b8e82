// The routing policy (DESIGN.md "Routing policy"): which destinations and bind addresses belong
// to the virtual network, decided from the NetworkInfo list of the node's hello reply. Pure.
#pragma once

#include <cstdint>

#include "ipc/control_protocol.hpp"

namespace zti {

enum class Route : uint8_t { kernel, virtual_net };
enum class WildcardPolicy : uint8_t { virtual_net, kernel };

struct Prefix {
    uint8_t family;  // 4 or 6
    uint8_t len;     // prefix length in bits
    uint8_t ip[16];
};

inline constexpr int kMaxPrefixes = int(ztctl::kMaxNetworks) * 24;

struct RouteTable {
    int count = 0;            // prefixes: assigned subnets and managed routes
    Prefix prefixes[kMaxPrefixes];
    int own_count = 0;        // our own virtual addresses (full length)
    Prefix own[int(ztctl::kMaxNetworks) * 8];
    bool incomplete = false;  // a joined network has no address yet: ask the node again later
};

// Fills `t` from a hello reply's networks (counts are clamped to the array sizes).
void build_routes(RouteTable& t, const ztctl::NetworkInfo* nets, uint32_t count);

bool prefix_contains(const Prefix& p, const ztctl::NameAddr& a);

// connect/sendto: virtual iff inside a joined network's subnet or route; loopback never.
Route classify_dest(const RouteTable& t, const ztctl::NameAddr& dst);

// bind: virtual for an address inside the virtual subnets (the node answers EADDRNOTAVAIL for one
// that is not ours), the wildcard by policy, anything else kernel.
Route classify_bind(const RouteTable& t, const ztctl::NameAddr& local, WildcardPolicy wildcard);

// Whether deciding about `a` needs the node's networks at all (not loopback, not an unspecified
// destination): callers fetch the table only then.
bool dest_needs_table(const ztctl::NameAddr& a);

}  // namespace zti

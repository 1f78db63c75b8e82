// The static IPs of a member's network config (spec §9.2 step 6 "Static IPs", §6.6), in the
// order 1.14.1's controller adds them: RFC4193 and 6PLANE addresses, the member's stored
// ipAssignments that lie inside a route, then one address from an IPv6 and one from an IPv4
// pool when the network assigns them and the member has none yet.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/controller/records.hpp"
#include "core/vl2/network_config.hpp"
#include "core/wire/inet_address.hpp"

namespace zt::controller {

inline constexpr size_t kPoolTrials = 1000;  // addresses tried per pool before giving up

struct IpAssignment {
    std::vector<wire::InetPrefix> static_ips;  // netmask bits = the route that holds each (<= 32)
    bool ndp_emulation = false;                // an RFC4193 or 6PLANE address was assigned
    std::vector<std::string> new_ips;          // chosen from a pool now: to add to ipAssignments
};

// `routes` are the config's routes (they decide which addresses count); `ip_taken(text)` says
// whether another member holds an address (text as ip_to_text prints it). Pure: the IPv6
// pool's "random" trials are derived from the network id, the member address and the trial.
IpAssignment assign_ips(const NetworkRecord& network, const MemberRecord& member,
                        std::span<const vl2::Route> routes,
                        const std::function<bool(const std::string& ip)>& ip_taken);

}  // namespace zt::controller

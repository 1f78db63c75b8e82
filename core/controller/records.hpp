// The controller's network and member records (spec §9.1) as plain data: what ZeroTier One
// 1.14.1's controller keeps in its JSON records and what its _request reads from them, already
// interpreted (addresses parsed, rules converted). tools/ztcontroller/record_json.hpp fills them
// from the stored JSON; config_builder.hpp decides from them. No JSON and no I/O here.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/types.hpp"
#include "core/vl2/rules.hpp"
#include "core/wire/inet_address.hpp"

namespace zt::controller {

// DB::initNetwork's defaults and the limits _request applies.
inline constexpr uint64_t kDefaultMulticastLimit = 32;
inline constexpr uint64_t kDefaultMtu = 2800;                      // ZT_DEFAULT_MTU
inline constexpr int64_t kDefaultCredentialWindowMs = 1800000;     // ctmd when not configured
inline constexpr int64_t kMinCredentialWindowMs = 300000;
inline constexpr int64_t kMaxCredentialWindowMs = 7200000;

// "ipAssignmentPools" entry: addresses first..last, both of one family (else never used).
struct IpPool {
    Endpoint first;  // ipRangeStart, port 0
    Endpoint last;   // ipRangeEnd, port 0
    friend bool operator==(const IpPool&, const IpPool&) = default;
};

// "routes" entry: {"target": "10.147.17.0/24", "via": null | "10.147.17.1"}.
struct RouteRecord {
    wire::InetPrefix target;
    std::optional<Endpoint> via;  // nullopt: on-link (also when "via" does not parse)
    friend bool operator==(const RouteRecord&, const RouteRecord&) = default;
};

// "capabilities" entry: {"id", "default", "rules"}.
struct CapabilityRecord {
    uint32_t id = 0;
    bool is_default = false;  // given to members on their first request
    std::vector<vl2::Rule> rules;
    friend bool operator==(const CapabilityRecord&, const CapabilityRecord&) = default;
};

// "tags" entry: {"id", "default"}; a default applies to every member without that tag.
struct TagRecord {
    uint32_t id = 0;
    std::optional<uint32_t> default_value;
    friend bool operator==(const TagRecord&, const TagRecord&) = default;
};

// "dns": {"domain", "servers": [...]}; servers that do not parse are nil (written as unused).
struct DnsRecord {
    std::string domain;
    std::vector<Endpoint> servers;
    friend bool operator==(const DnsRecord&, const DnsRecord&) = default;
};

struct NetworkRecord {
    NetworkId id;
    std::string name;
    bool is_private = true;
    bool enable_broadcast = true;
    uint64_t multicast_limit = kDefaultMulticastLimit;
    uint64_t mtu = kDefaultMtu;  // clamped when the config is built
    bool v4_assign_zt = false;   // v4AssignMode.zt
    bool v6_assign_zt = false;   // v6AssignMode.zt
    bool v6_assign_rfc4193 = false;
    bool v6_assign_6plane = false;
    std::vector<IpPool> ip_assignment_pools;
    std::vector<RouteRecord> routes;
    std::vector<vl2::Rule> rules = {vl2::Rule::of(vl2::RuleType::action_accept)};
    std::vector<CapabilityRecord> capabilities;
    std::vector<TagRecord> tags;
    DnsRecord dns;
    std::map<std::string, int64_t> auth_tokens;  // token -> expiry (ms), 0: never expires
    uint64_t revision = 0;
    std::optional<Address> remote_trace_target;
    uint64_t remote_trace_level = 0;
    std::optional<int64_t> certificate_timeout_window_ms;  // -> ctmd; nullopt: the default
    bool sso_enabled = false;
    UnixMs creation_time = 0;

    // Not stored: computed from the network's member records by whoever loads them (upstream's
    // NetworkSummaryInfo): every member with "activeBridge", sorted by address.
    std::vector<Address> active_bridges;

    friend bool operator==(const NetworkRecord&, const NetworkRecord&) = default;
};

struct MemberRecord {
    // A default-constructed record is a new member (upstream: no record yet, or an empty one):
    // it gets the network's default capabilities. Records read from the store set false.
    bool is_new = true;
    Address address;
    NetworkId nwid;
    std::string identity;  // text form, public; empty until the member's first request
    std::string name;
    bool authorized = false;
    bool active_bridge = false;
    std::vector<std::string> ip_assignments;  // as stored, e.g. "10.147.17.11"
    bool no_auto_assign_ips = false;
    std::vector<uint32_t> capabilities;                 // capability ids
    std::vector<std::pair<uint32_t, uint32_t>> tags;    // [tag id, value]
    bool sso_exempt = false;
    int64_t authentication_expiry_time = 0;  // ms; SSO networks refuse the member after it
    std::optional<Address> remote_trace_target;
    uint64_t remote_trace_level = 0;
    uint64_t revision = 0;
    UnixMs creation_time = 0;
    UnixMs last_authorized_time = 0;
    UnixMs last_deauthorized_time = 0;
    // Software of the member's last authorized request; -1 until then.
    int64_t v_major = -1;
    int64_t v_minor = -1;
    int64_t v_rev = -1;
    int64_t v_proto = -1;

    friend bool operator==(const MemberRecord&, const MemberRecord&) = default;
};

}  // namespace zt::controller

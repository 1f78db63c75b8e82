// Stored JSON -> controller records (record_json.hpp). Field names and defaults are those
// 1.14.1's EmbeddedNetworkController::_request reads (OSUtils::jsonBool/jsonInt/jsonString
// semantics via records.hpp's as_bool/as_uint/as_string).
#include "tools/ztcontroller/record_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/controller/ip_text.hpp"
#include "tools/ztcontroller/rules_json.hpp"

namespace zt::ctl {

namespace {

using controller::CapabilityRecord;
using controller::IpPool;
using controller::MemberRecord;
using controller::NetworkRecord;
using controller::RouteRecord;
using controller::TagRecord;

const Json& field(const Json& record, const char* key) {
    static const Json null_value;
    if (!record.is_object()) return null_value;
    auto it = record.find(key);
    return it == record.end() ? null_value : *it;
}

// Collects what was left out or defaulted, when the caller asked.
struct Problems {
    std::vector<std::string>* out;
    void add(const std::string& where, const std::string& what) {
        if (out) out->push_back(where + ": " + what);
    }
};

std::string at(const std::string& where, size_t i) { return where + "[" + std::to_string(i) + "]"; }

// Upstream's jsonIntHex: a hex string, or a number as is.
uint64_t hex_u64(const Json& v) {
    if (v.is_string()) return std::strtoull(v.get_ref<const std::string&>().c_str(), nullptr, 16);
    return as_uint(v, 0);
}

uint32_t u32(const Json& v) { return uint32_t(as_uint(v, 0) & 0xffffffffULL); }

// A trace target counts only as a 10-character string, as upstream checks it.
std::optional<Address> trace_target(const Json& v) {
    const std::string s = as_string(v, "");
    if (s.size() != 10) return std::nullopt;
    return Address(std::strtoull(s.c_str(), nullptr, 16));
}

// A rule array (see record_json.hpp for the fallback when it does not convert whole).
std::vector<vl2::Rule> rules(const Json& array, const std::string& where, Problems& p) {
    if (!array.is_array()) {
        p.add(where, "not an array: no rules");
        return {};
    }
    std::string error;
    if (auto all = controller::rules_from_json(array, error)) return *all;
    std::vector<vl2::Rule> out;
    for (size_t i = 0; i < array.size() && out.size() < vl2::kMaxNetworkRules; ++i) {
        auto one = controller::rules_from_json(Json::array({array[i]}), error);
        if (one && one->size() == 1) out.push_back(one->front());
        else p.add(at(where, i), error + " (rule left out)");
    }
    return out;
}

void read_assign_modes(const Json& n, NetworkRecord& r) {
    const Json& v4 = field(n, "v4AssignMode");
    if (v4.is_object()) r.v4_assign_zt = as_bool(field(v4, "zt"), false);
    const Json& v6 = field(n, "v6AssignMode");
    if (v6.is_object()) {
        r.v6_assign_zt = as_bool(field(v6, "zt"), false);
        r.v6_assign_rfc4193 = as_bool(field(v6, "rfc4193"), false);
        r.v6_assign_6plane = as_bool(field(v6, "6plane"), false);
    }
}

void read_pools(const Json& pools, NetworkRecord& r, Problems& p) {
    if (!pools.is_array()) return;
    for (size_t i = 0; i < pools.size(); ++i) {
        auto first = controller::ip_from_text(as_string(field(pools[i], "ipRangeStart"), ""));
        auto last = controller::ip_from_text(as_string(field(pools[i], "ipRangeEnd"), ""));
        if (!first || !last) {
            p.add(at("ipAssignmentPools", i), "ipRangeStart and ipRangeEnd must be addresses (pool left out)");
            continue;
        }
        r.ip_assignment_pools.push_back(IpPool{*first, *last});
    }
}

void read_routes(const Json& routes, NetworkRecord& r, Problems& p) {
    if (!routes.is_array()) return;
    for (size_t i = 0; i < routes.size(); ++i) {
        const Json& target = field(routes[i], "target");
        auto prefix = target.is_string() ? controller::prefix_from_text(target.get_ref<const std::string&>()) : std::nullopt;
        if (!prefix) {
            p.add(at("routes", i) + ".target", "not an address/bits (route left out)");
            continue;
        }
        RouteRecord route{*prefix, std::nullopt};
        const Json& via = field(routes[i], "via");
        if (via.is_string() && !via.get_ref<const std::string&>().empty()) {
            route.via = controller::ip_from_text(via.get_ref<const std::string&>());
            if (!route.via) p.add(at("routes", i) + ".via", "not an address (route kept on-link)");
        }
        r.routes.push_back(route);
    }
}

void read_capabilities(const Json& caps, NetworkRecord& r, Problems& p) {
    if (!caps.is_array()) return;
    for (size_t i = 0; i < caps.size(); ++i) {
        const Json& c = caps[i];
        if (!c.is_object()) continue;
        CapabilityRecord cap;
        cap.id = u32(field(c, "id"));
        cap.is_default = as_bool(field(c, "default"), false);
        const Json& cr = field(c, "rules");
        if (!cr.is_null()) cap.rules = rules(cr, at("capabilities", i) + ".rules", p);
        r.capabilities.push_back(std::move(cap));
    }
}

void read_tags(const Json& tags, NetworkRecord& r) {
    if (!tags.is_array()) return;
    for (const Json& t : tags) {
        if (!t.is_object()) continue;
        TagRecord tag;
        tag.id = u32(field(t, "id"));
        const Json& dflt = field(t, "default");
        if (dflt.is_number()) tag.default_value = u32(dflt);
        r.tags.push_back(tag);
    }
}

void read_dns(const Json& dns, NetworkRecord& r) {
    if (!dns.is_object()) return;
    r.dns.domain = as_string(field(dns, "domain"), "");
    const Json& servers = field(dns, "servers");
    if (!servers.is_array()) return;
    for (const Json& s : servers)
        r.dns.servers.push_back(controller::ip_from_text(as_string(s, "")).value_or(Endpoint{}));
}

// token -> expiry. Upstream accepts any JSON number; a fraction that is not 0 but truncates to
// 0 would read as "never expires", so it becomes -1 (expired) instead.
void read_auth_tokens(const Json& tokens, NetworkRecord& r) {
    if (!tokens.is_object()) return;
    for (const auto& [token, expiry] : tokens.items()) {
        if (!expiry.is_number()) continue;
        int64_t ms = 0;
        if (expiry.is_number_float()) {
            const double d = expiry.get<double>();
            ms = d == 0 ? 0 : (d > 9.2e18 ? INT64_MAX : (d < 1 ? -1 : int64_t(d)));
        } else {
            ms = int64_t(as_uint(expiry, 0));
        }
        r.auth_tokens[token] = ms;
    }
}

}  // namespace

NetworkRecord network_record(const Json& n, std::vector<std::string>* problems) {
    Problems p{problems};
    NetworkRecord r;
    const Json& id = field(n, "id");
    r.id = NetworkId{hex_u64(id.is_null() ? field(n, "nwid") : id)};
    r.name = as_string(field(n, "name"), "");
    r.is_private = as_bool(field(n, "private"), true);
    r.enable_broadcast = as_bool(field(n, "enableBroadcast"), true);
    r.multicast_limit = as_uint(field(n, "multicastLimit"), controller::kDefaultMulticastLimit);
    r.mtu = as_uint(field(n, "mtu"), controller::kDefaultMtu);
    read_assign_modes(n, r);
    read_pools(field(n, "ipAssignmentPools"), r, p);
    read_routes(field(n, "routes"), r, p);
    if (n.is_object() && n.contains("rules")) r.rules = rules(n["rules"], "rules", p);
    read_capabilities(field(n, "capabilities"), r, p);
    read_tags(field(n, "tags"), r);
    read_dns(field(n, "dns"), r);
    read_auth_tokens(field(n, "authTokens"), r);
    r.revision = as_uint(field(n, "revision"), 0);
    r.remote_trace_target = trace_target(field(n, "remoteTraceTarget"));
    r.remote_trace_level = as_uint(field(n, "remoteTraceLevel"), 0);
    const Json& window = field(n, "certificateTimeoutWindowSize");
    if (window.is_number()) r.certificate_timeout_window_ms = int64_t(as_uint(window, 0));
    else if (!window.is_null()) p.add("certificateTimeoutWindowSize", "not a number (default used)");
    r.sso_enabled = as_bool(field(n, "ssoEnabled"), false);
    r.creation_time = UnixMs(as_uint(field(n, "creationTime"), 0));
    return r;
}

MemberRecord member_record(const Json& m, std::vector<std::string>* problems) {
    Problems p{problems};
    MemberRecord r;
    r.is_new = !m.is_object() || m.empty();
    const Json& address = field(m, "address");
    r.address = Address(hex_u64(address.is_null() ? field(m, "id") : address));
    r.nwid = NetworkId{hex_u64(field(m, "nwid"))};
    r.identity = as_string(field(m, "identity"), "");
    r.name = as_string(field(m, "name"), "");
    r.authorized = as_bool(field(m, "authorized"), false);
    r.active_bridge = as_bool(field(m, "activeBridge"), false);
    const Json& ips = field(m, "ipAssignments");
    if (ips.is_array()) {
        for (size_t i = 0; i < ips.size(); ++i) {
            if (ips[i].is_string()) r.ip_assignments.push_back(ips[i].get<std::string>());
            else p.add(at("ipAssignments", i), "not a string (left out)");
        }
    }
    r.no_auto_assign_ips = as_bool(field(m, "noAutoAssignIps"), false);
    const Json& caps = field(m, "capabilities");
    if (caps.is_array())
        for (const Json& c : caps) r.capabilities.push_back(u32(c));
    const Json& tags = field(m, "tags");
    if (tags.is_array()) {
        for (size_t i = 0; i < tags.size(); ++i) {
            if (tags[i].is_array() && tags[i].size() == 2) r.tags.emplace_back(u32(tags[i][0]), u32(tags[i][1]));
            else p.add(at("tags", i), "not [id, value] (left out)");
        }
    }
    r.sso_exempt = as_bool(field(m, "ssoExempt"), false);
    r.authentication_expiry_time = int64_t(as_uint(field(m, "authenticationExpiryTime"), 0));
    r.remote_trace_target = trace_target(field(m, "remoteTraceTarget"));
    r.remote_trace_level = as_uint(field(m, "remoteTraceLevel"), 0);
    r.revision = as_uint(field(m, "revision"), 0);
    r.creation_time = UnixMs(as_uint(field(m, "creationTime"), 0));
    r.last_authorized_time = UnixMs(as_uint(field(m, "lastAuthorizedTime"), 0));
    r.last_deauthorized_time = UnixMs(as_uint(field(m, "lastDeauthorizedTime"), 0));
    r.v_major = int64_t(as_uint(field(m, "vMajor"), uint64_t(-1)));
    r.v_minor = int64_t(as_uint(field(m, "vMinor"), uint64_t(-1)));
    r.v_rev = int64_t(as_uint(field(m, "vRev"), uint64_t(-1)));
    r.v_proto = int64_t(as_uint(field(m, "vProto"), uint64_t(-1)));
    return r;
}

std::vector<Address> active_bridges(std::span<const Json> members) {
    std::vector<Address> out;
    for (const Json& m : members) {
        if (!as_bool(field(m, "activeBridge"), false)) continue;
        const Json& address = field(m, "address");
        out.push_back(Address(hex_u64(address.is_null() ? field(m, "id") : address)));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace zt::ctl

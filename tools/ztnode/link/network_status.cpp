// The networks in the status (like `zerotier-cli listnetworks` and its -j form): id, name,
// state, type, MAC, MTU, addresses, routes, DNS, certificate timestamp, the multicast groups
// we announce and the rule counters.
#include <cstdio>
#include <sstream>

#include "tools/ztnode/link/core_link.hpp"

namespace zt::link {

namespace {

std::string json_str(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (uint8_t(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(uint8_t(c)));
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

// "10.147.17.11" / "fd00::1" without the port Endpoint::to_string adds.
std::string ip_only(const Endpoint& e) {
    std::string s = e.to_string();
    if (e.family == Endpoint::Family::v6 && s.size() > 2 && s[0] == '[') return s.substr(1, s.find(']') - 1);
    return s.substr(0, s.rfind('/'));
}

std::string prefix(const wire::InetPrefix& p) { return ip_only(p.address) + "/" + std::to_string(p.bits); }

const char* type_name(const NetworkStatus& n) {
    if (n.is_static) return "STATIC";
    if (n.state != NetworkState::ok && n.config_timestamp == 0) return "-";
    return n.is_private ? "PRIVATE" : "PUBLIC";
}

}  // namespace

std::string network_json(const NetworkStatus& n) {
    std::ostringstream o;
    o << "{\"id\":" << json_str(n.nwid.to_string()) << ",\"nwid\":" << json_str(n.nwid.to_string())
      << ",\"name\":" << json_str(n.name) << ",\"status\":" << json_str(to_string(n.state))
      << ",\"type\":" << json_str(type_name(n)) << ",\"mac\":" << json_str(n.mac.to_string()) << ",\"mtu\":" << n.mtu
      << ",\"broadcastEnabled\":" << (n.broadcast ? "true" : "false")
      << ",\"ndpEmulation\":" << (n.ndp_emulation ? "true" : "false") << ",\"multicastLimit\":" << n.multicast_limit
      << ",\"netconfRevision\":" << n.revision << ",\"configTimestamp\":" << n.config_timestamp
      << ",\"comTimestamp\":" << n.com_timestamp << ",\"assignedAddresses\":[";
    for (size_t i = 0; i < n.addresses.size(); ++i) o << (i ? "," : "") << json_str(prefix(n.addresses[i]));
    o << "],\"routes\":[";
    for (size_t i = 0; i < n.routes.size(); ++i) {
        const auto& r = n.routes[i];
        o << (i ? "," : "") << "{\"target\":" << json_str(prefix(r.target))
          << ",\"via\":" << (r.via.is_nil() ? "null" : json_str(ip_only(r.via))) << ",\"flags\":" << r.flags
          << ",\"metric\":" << r.metric << "}";
    }
    o << "],\"dns\":{\"domain\":" << json_str(n.dns_domain) << ",\"servers\":[";
    for (size_t i = 0; i < n.dns_servers.size(); ++i) o << (i ? "," : "") << json_str(ip_only(n.dns_servers[i]));
    o << "]},\"multicastSubscriptions\":[";
    for (size_t i = 0; i < n.groups.size(); ++i)
        o << (i ? "," : "") << "{\"adi\":" << n.groups[i].adi << ",\"mac\":" << json_str(n.groups[i].mac.to_string()) << "}";
    o << "],\"ruleHits\":[";
    for (size_t i = 0; i < n.rule_hits.size(); ++i) o << (i ? "," : "") << n.rule_hits[i];
    o << "],\"droppedByRulesIn\":" << n.dropped_by_rules_in << ",\"droppedByRulesOut\":" << n.dropped_by_rules_out
      << ",\"droppedNotMember\":" << n.dropped_not_member << "}";
    return o.str();
}

std::string network_line(const NetworkStatus& n) {
    std::string ips;
    for (const auto& a : n.addresses) ips += (ips.empty() ? "" : ",") + prefix(a);
    return "200 listnetworks " + n.nwid.to_string() + " " + (n.name.empty() ? "-" : n.name) + " " + n.mac.to_string() +
           " " + to_string(n.state) + " " + type_name(n) + " lwip " + (ips.empty() ? "-" : ips) + "\n";
}

}  // namespace zt::link

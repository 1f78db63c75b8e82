// The controller's decision for one config request (config_builder.hpp): spec §9.2 steps 3-6
// in 1.14.1's order: identity, authorization, SSO, then the config with its credentials.
#include "core/controller/config_builder.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include "core/controller/ip_assignment.hpp"
#include "core/vl2/capability.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/coo.hpp"
#include "core/vl2/tag.hpp"

namespace zt::controller {

namespace {

using vl2::NetworkConfig;

constexpr std::string_view kTokenPrefix = "token:";
constexpr size_t kMaxAuthLength = 511;  // upstream reads metadata `a` into 512 bytes
// §8.2 request metadata keys; authentication info keys of ERROR(AUTHENTICATION_REQUIRED).
constexpr std::string_view kKeyAuth = "a";
constexpr std::string_view kKeyRulesEngineRev = "revr";
constexpr std::string_view kKeyAuthInfoVersion = "aV";
constexpr std::string_view kKeyAuthInfoUrl = "aU";

struct Authorization {
    bool authorized = false;
    std::string by;     // "" (the record says so), "public", "token"
    std::string token;
};

// §9.2 step 4, before SSO: the record, a public network, or a presented token that is in the
// network's table with no expiry (0) or one after `now`.
Authorization authorize(const NetworkRecord& network, const MemberRecord& member, const vl2::Dictionary& metadata,
                        UnixMs now) {
    if (member.authorized) return {true, "", ""};
    if (!network.is_private) return {true, "public", ""};
    auto presented = metadata.get_string(kKeyAuth);
    if (!presented) return {};
    if (presented->size() > kMaxAuthLength) presented->resize(kMaxAuthLength);
    if (presented->size() <= kTokenPrefix.size() || !presented->starts_with(kTokenPrefix)) return {};
    std::string token = presented->substr(kTokenPrefix.size());
    auto it = network.auth_tokens.find(token);
    if (it == network.auth_tokens.end() || !(it->second == 0 || it->second > now)) return {};
    return {true, "token", std::move(token)};
}

bool identity_matches(const MemberRecord& member, const Identity& requester) {
    if (member.identity.empty()) return true;
    auto known = Identity::from_string(member.identity);
    return known && *known == requester;
}

// Network rules, signed Capabilities (custody controller -> member, chain of 1) and Tags.
// A requester without a rules engine (`revr` absent or 0) gets one ACCEPT and no credentials.
void add_rules_and_credentials(NetworkConfig& cfg, const NetworkRecord& network, const MemberRecord& member,
                               const Identity& controller, const vl2::Dictionary& metadata, UnixMs now,
                               Decision& d) {
    if (metadata.get_u64(kKeyRulesEngineRev).value_or(0) == 0) {
        cfg.rules = {vl2::Rule::of(vl2::RuleType::action_accept)};
        return;
    }
    cfg.rules.assign(network.rules.begin(),
                     network.rules.begin() + long(std::min(network.rules.size(), vl2::kMaxNetworkRules)));

    std::map<uint32_t, const CapabilityRecord*> caps_by_id;  // a repeated id: the last one
    std::vector<uint32_t> cap_ids = member.capabilities;
    for (const auto& cap : network.capabilities) {
        caps_by_id[cap.id] = &cap;
        if (member.is_new && cap.is_default && std::find(cap_ids.begin(), cap_ids.end(), cap.id) == cap_ids.end()) {
            cap_ids.push_back(cap.id);
            d.added_capabilities.push_back(cap.id);
        }
    }
    std::vector<uint32_t> issued;
    for (uint32_t id : cap_ids) {
        auto it = caps_by_id.find(id);
        if (it == caps_by_id.end() || std::find(issued.begin(), issued.end(), id) != issued.end()) continue;
        if (cfg.capabilities.size() >= NetworkConfig::kMaxCapabilities) break;
        auto cap = vl2::Capability::issue(cfg.nwid, now, id, it->second->rules, 1);  // cut to 64 rules
        if (!cap.sign(controller, member.address)) continue;
        cfg.capabilities.push_back(std::move(cap));
        issued.push_back(id);
    }

    std::map<uint32_t, uint32_t> tag_values;  // by id: the wire order
    for (const auto& [id, value] : member.tags) tag_values[id] = value;
    for (const auto& tag : network.tags) {
        if (!tag.default_value || tag_values.count(tag.id)) continue;
        tag_values[tag.id] = *tag.default_value;
        d.added_tags.emplace_back(tag.id, *tag.default_value);
    }
    for (const auto& [id, value] : tag_values) {
        if (cfg.tags.size() >= NetworkConfig::kMaxTags) break;
        vl2::Tag tag;
        tag.nwid = cfg.nwid;
        tag.timestamp = now;
        tag.id = id;
        tag.value = value;
        tag.issued_to = member.address;
        if (tag.sign(controller)) cfg.tags.push_back(tag);
    }
}

// Routes whose target is IPv4 or IPv6; a gateway of the other family is dropped (on-link).
std::vector<vl2::Route> config_routes(const NetworkRecord& network) {
    std::vector<vl2::Route> routes;
    for (const auto& r : network.routes) {
        if (routes.size() >= NetworkConfig::kMaxRoutes) break;
        if (r.target.address.family == Endpoint::Family::none) continue;
        vl2::Route route;
        route.target = r.target;
        if (r.via && r.via->family == r.target.address.family) route.via = wire::InetAddress{*r.via};
        routes.push_back(route);
    }
    return routes;
}

vl2::DnsConfig config_dns(const DnsRecord& dns) {
    vl2::DnsConfig out;
    out.domain = dns.domain.substr(0, vl2::DnsConfig::kDomainLength - 1);
    for (size_t i = 0; i < dns.servers.size() && i < out.servers.size(); ++i)
        out.servers[i] = wire::InetAddress{dns.servers[i]};
    return out;
}

// The member's trace target and level if it has a target, else the network's.
void set_trace(NetworkConfig& cfg, const NetworkRecord& network, const MemberRecord& member) {
    if (member.remote_trace_target) {
        cfg.trace_target = *member.remote_trace_target;
        cfg.trace_level = uint32_t(member.remote_trace_level);
    } else {
        cfg.trace_target = network.remote_trace_target.value_or(Address());
        cfg.trace_level = uint32_t(network.remote_trace_level);
    }
}

// §9.2 step 6, the fields that come straight from the network record.
NetworkConfig base_config(const NetworkRecord& network, const MemberRecord& member, Address issued_to, UnixMs now) {
    NetworkConfig cfg;
    cfg.nwid = network.id;
    cfg.type = network.is_private ? vl2::NetworkType::private_network : vl2::NetworkType::public_network;
    cfg.timestamp = now;
    cfg.credential_time_max_delta_ms = std::clamp(network.certificate_timeout_window_ms.value_or(kDefaultCredentialWindowMs),
                                                  kMinCredentialWindowMs, kMaxCredentialWindowMs);
    cfg.revision = network.revision;
    cfg.issued_to = issued_to;
    if (network.enable_broadcast) cfg.flags |= NetworkConfig::kFlagEnableBroadcast;
    cfg.name = network.name.substr(0, NetworkConfig::kMaxNameLength);
    // Truncated to 32 bits, then clamped, as upstream does.
    cfg.mtu = std::clamp(uint32_t(network.mtu), NetworkConfig::kMinMtu, NetworkConfig::kMaxMtu);
    cfg.multicast_limit = uint32_t(network.multicast_limit);
    // SSO version 0 (what a FileDB controller has): no URL, the member's expiry.
    cfg.sso_enabled = network.sso_enabled;
    cfg.sso_version = 0;
    cfg.authentication_expiry_time = member.authentication_expiry_time;
    set_trace(cfg, network, member);
    for (Address bridge : network.active_bridges) {
        const uint64_t s = NetworkConfig::kSpecialistActiveBridge | bridge.value();
        if (cfg.specialists.size() < NetworkConfig::kMaxSpecialists &&
            std::find(cfg.specialists.begin(), cfg.specialists.end(), s) == cfg.specialists.end())
            cfg.specialists.push_back(s);
    }
    return cfg;
}

}  // namespace

Decision decide(const NetworkRecord* network, const MemberRecord& member,
                const std::function<bool(const std::string& ip)>& ip_taken,
                const Identity& controller, const Identity& requester,
                const vl2::Dictionary& metadata, UnixMs now) {
    Decision d;
    if (!network) {
        d.kind = Decision::Kind::not_found;
        return d;
    }
    d.kind = Decision::Kind::access_denied;
    if (!controller.has_secret() || network->id.controller() != controller.address()) return d;
    // Step 3.
    if (!identity_matches(member, requester)) return d;

    // Step 4.
    auto auth = authorize(*network, member, metadata, now);
    d.auto_authorized_by = auth.by;
    d.auth_token = auth.token;
    if (network->sso_enabled && !member.sso_exempt && member.authentication_expiry_time <= now) {
        d.kind = Decision::Kind::authentication_required;
        d.authentication_info.add_u64(kKeyAuthInfoVersion, 0);
        d.authentication_info.add_string(kKeyAuthInfoUrl, "");
        return d;
    }
    if (!auth.authorized) return d;

    // Step 6.
    const Address address = requester.address();
    MemberRecord m = member;  // the member as this request sees it
    m.address = address;
    NetworkConfig cfg = base_config(*network, m, address, now);
    add_rules_and_credentials(cfg, *network, m, controller, metadata, now, d);
    cfg.routes = config_routes(*network);

    auto ips = assign_ips(*network, m, cfg.routes, ip_taken);
    cfg.static_ips = std::move(ips.static_ips);
    if (ips.ndp_emulation) cfg.flags |= NetworkConfig::kFlagNdpEmulation;
    d.assigned_ips = std::move(ips.new_ips);
    cfg.dns = config_dns(network->dns);

    // One Certificate of Ownership (id 1) for the static IPs (at most 16 fit), then the COM.
    if (!cfg.static_ips.empty()) {
        vl2::CertificateOfOwnership coo;
        coo.nwid = cfg.nwid;
        coo.timestamp = now;
        coo.id = 1;
        coo.issued_to = address;
        for (const auto& ip : cfg.static_ips) coo.add_ip(ip.address);
        if (coo.sign(controller)) cfg.coos.push_back(std::move(coo));
    }
    auto com = vl2::CertificateOfMembership::issue(cfg.nwid, now, uint64_t(cfg.credential_time_max_delta_ms), requester);
    if (!com.sign(controller)) return d;
    cfg.com = std::move(com);

    d.kind = Decision::Kind::config;
    d.config = std::move(cfg);
    d.record_versions = true;  // step 5: the caller records the versions from the metadata
    return d;
}

}  // namespace zt::controller

// Record defaults and readers (records.hpp). The default values and key names are those of
// ZeroTier One 1.14.1's controller/DB.cpp, listed in spec §9.1.
#include "tools/ztcontroller/records.hpp"

#include <cstdlib>

namespace zt::ctl {

namespace {

void set_default(Json& record, const char* key, Json value) {
    if (!record.contains(key)) record[key] = std::move(value);
}

}  // namespace

void init_network(Json& network, UnixMs now) {
    if (!network.is_object()) network = Json::object();
    set_default(network, "private", true);
    set_default(network, "creationTime", now);
    set_default(network, "name", "");
    set_default(network, "multicastLimit", uint64_t{32});
    set_default(network, "enableBroadcast", true);
    set_default(network, "v4AssignMode", Json{{"zt", false}});
    set_default(network, "v6AssignMode", Json{{"rfc4193", false}, {"zt", false}, {"6plane", false}});
    // Upstream's default token table is an array holding one null (its C++ initialiser
    // `{{}}`); GET shows it as [null], as in captures/controller/network-*.json.
    set_default(network, "authTokens", Json::array({nullptr}));
    set_default(network, "capabilities", Json::array());
    set_default(network, "tags", Json::array());
    set_default(network, "routes", Json::array());
    set_default(network, "ipAssignmentPools", Json::array());
    set_default(network, "mtu", 2800);  // ZT_DEFAULT_MTU
    set_default(network, "remoteTraceTarget", nullptr);
    set_default(network, "remoteTraceLevel", 0);
    set_default(network, "rulesSource", "");
    // No rules: accept everything, like a flat Ethernet segment.
    set_default(network, "rules",
                Json::array({Json{{"not", false}, {"or", false}, {"type", "ACTION_ACCEPT"}}}));
    set_default(network, "dns", Json::array());
    set_default(network, "ssoEnabled", false);
    set_default(network, "clientId", "");
    set_default(network, "authorizationEndpoint", "");
    network["objtype"] = "network";
}

void init_member(Json& member, UnixMs now) {
    if (!member.is_object()) member = Json::object();
    set_default(member, "authorized", false);
    set_default(member, "ssoExempt", false);
    set_default(member, "ipAssignments", Json::array());
    set_default(member, "activeBridge", false);
    set_default(member, "tags", Json::array());
    set_default(member, "capabilities", Json::array());
    set_default(member, "creationTime", now);
    set_default(member, "noAutoAssignIps", false);
    set_default(member, "revision", uint64_t{0});
    set_default(member, "lastDeauthorizedTime", uint64_t{0});
    set_default(member, "lastAuthorizedTime", uint64_t{0});
    set_default(member, "lastAuthorizedCredentialType", nullptr);
    set_default(member, "lastAuthorizedCredential", nullptr);
    set_default(member, "authenticationExpiryTime", int64_t{0});
    // -1: the member never sent a (authorized) config request, so its version is unknown.
    set_default(member, "vMajor", -1);
    set_default(member, "vMinor", -1);
    set_default(member, "vRev", -1);
    set_default(member, "vProto", -1);
    set_default(member, "remoteTraceTarget", nullptr);
    set_default(member, "remoteTraceLevel", 0);
    member["objtype"] = "member";
}

void clean_network(Json& network) {
    for (const char* k : {"clock", "authorizedMemberCount", "activeMemberCount", "totalMemberCount",
                          "lastModified"})
        network.erase(k);
}

void clean_member(Json& member) {
    for (const char* k : {"clock", "physicalAddr", "recentLog", "lastModified", "lastRequestMetaData",
                          "authenticationURL", "authenticationClientID"})
        member.erase(k);
}

bool differs_ignoring_revision(const Json& a, const Json& b) {
    if (!a.is_object() || !b.is_object()) return a != b;
    Json a2 = a, b2 = b;
    a2.erase("revision");
    b2.erase("revision");
    return a2 != b2;
}

bool as_bool(const Json& v, bool dfl) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_unsigned()) return v.get<uint64_t>() > 0;
    if (v.is_number_integer()) return v.get<int64_t>() != 0;
    if (v.is_number_float()) return v.get<double>() > 0;
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        return !s.empty() && (s[0] == 't' || s[0] == 'T' || s[0] == '1');
    }
    return dfl;
}

uint64_t as_uint(const Json& v, uint64_t dfl) {
    if (v.is_number_unsigned()) return v.get<uint64_t>();
    if (v.is_number_integer()) return uint64_t(v.get<int64_t>());
    if (v.is_number_float()) {
        double d = v.get<double>();
        return (d > 0 && d < 1.8e19) ? uint64_t(d) : 0;
    }
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (v.is_string()) return std::strtoull(v.get_ref<const std::string&>().c_str(), nullptr, 10);
    return dfl;
}

std::string as_string(const Json& v, const std::string& dfl) {
    if (v.is_string()) return v.get<std::string>();
    return dfl;
}

}  // namespace zt::ctl

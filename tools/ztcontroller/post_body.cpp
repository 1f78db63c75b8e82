// POST body checking and application (post_body.hpp). Each field keeps upstream's
// normalization (mtu clamped to 1280..10000, routes and pools re-printed by inet_ntop,
// capabilities and tags sorted by id, ...); only what upstream cannot use is refused.
#include "tools/ztcontroller/post_body.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include "tools/ztcontroller/rules_json.hpp"

namespace zt::ctl {

namespace {

constexpr uint64_t min_mtu = 1280;    // ZT_MIN_MTU
constexpr uint64_t max_mtu = 10000;   // ZT_MAX_MTU

bool is_uint(const Json& v) { return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0); }

// Collects the first error; every check returns false once one is recorded.
struct Checker {
    std::string& error;
    bool fail(const std::string& field, const std::string& what) {
        if (error.empty()) error = "field \"" + field + "\": " + what;
        return false;
    }
    bool boolean(const Json& v, const std::string& f) { return v.is_boolean() || fail(f, "expected true or false"); }
    bool uint(const Json& v, const std::string& f) { return is_uint(v) || fail(f, "expected a non-negative integer"); }
    bool uint32(const Json& v, const std::string& f) {
        return (is_uint(v) && v.get<uint64_t>() <= 0xffffffffULL) || fail(f, "expected an integer 0..4294967295");
    }
    bool string(const Json& v, const std::string& f) { return v.is_string() || fail(f, "expected a string"); }
    bool array(const Json& v, const std::string& f) { return v.is_array() || fail(f, "expected an array"); }
    bool object(const Json& v, const std::string& f) { return v.is_object() || fail(f, "expected an object"); }
};

std::string at(const std::string& field, size_t i) { return field + "[" + std::to_string(i) + "]"; }

// Trace targets are kept only when they look like an address; anything else clears them.
std::optional<Json> trace_target(Checker& ck, const Json& v, const std::string& f) {
    if (v.is_null()) return Json();
    if (!ck.string(v, f)) return std::nullopt;
    return v.get_ref<const std::string&>().size() == 10 ? v : Json();
}

// Rules must convert with rules_from_json (spec §8.9), else the error is its message with the
// field's path in front ("capabilities[0].rules[2].etherType: expected ..."). They are stored
// as given (upstream stores them re-rendered) and converted again when configs are built.
// `max`: what a config can carry, 1024 network rules or 64 per capability (upstream drops the
// rest silently).
std::optional<Json> rules(Checker& ck, const Json& v, const std::string& f, size_t max) {
    if (!ck.array(v, f)) return std::nullopt;
    std::string error;
    if (!controller::rules_from_json(v, error)) {
        // rules_from_json names its array "rules"; put our path in its place.
        constexpr std::string_view own = "rules";
        if (ck.error.empty())
            ck.error = std::string_view(error).starts_with(own) ? f + error.substr(own.size()) : f + ": " + error;
        return std::nullopt;
    }
    if (v.size() > max) return ck.fail(f, "at most " + std::to_string(max) + " rules"), std::nullopt;
    return v;
}

std::optional<Json> network_rules(Checker& ck, const Json& v, const std::string& f) {
    return rules(ck, v, f, vl2::kMaxNetworkRules);
}

std::optional<Json> ip_field(Checker& ck, const Json& v, const std::string& f, bool bits_required) {
    if (!ck.string(v, f)) return std::nullopt;
    auto ip = parse_ip(v.get_ref<const std::string&>());
    if (!ip) return ck.fail(f, "not an IP address"), std::nullopt;
    if (bits_required && ip->bits < 0) return ck.fail(f, "expected address/bits"), std::nullopt;
    if (bits_required) return Json(ip->text + "/" + std::to_string(ip->bits));
    return Json(ip->text);
}

std::optional<Json> routes(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    Json out = Json::array();
    for (size_t i = 0; i < v.size() && out.size() < max_array_entries; ++i) {
        const Json& r = v[i];
        if (!ck.object(r, at(f, i))) return std::nullopt;
        auto target = ip_field(ck, r.value("target", Json()), at(f, i) + ".target", true);
        if (!target) return std::nullopt;
        Json via;
        // No gateway: absent, null or "" (upstream turns anything it cannot parse into null).
        const Json& gw = r.value("via", Json());
        if (!gw.is_null() && gw != "") {
            auto ip = ip_field(ck, gw, at(f, i) + ".via", false);
            if (!ip) return std::nullopt;
            if (parse_ip(ip->get<std::string>())->family != parse_ip(target->get<std::string>())->family)
                return ck.fail(at(f, i) + ".via", "not the target's address family"), std::nullopt;
            via = *ip;
        }
        out.push_back({{"target", *target}, {"via", via}});
    }
    return out;
}

std::optional<Json> pools(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    Json out = Json::array();
    for (size_t i = 0; i < v.size() && out.size() < max_array_entries; ++i) {
        if (!ck.object(v[i], at(f, i))) return std::nullopt;
        auto start = ip_field(ck, v[i].value("ipRangeStart", Json()), at(f, i) + ".ipRangeStart", false);
        auto end = start ? ip_field(ck, v[i].value("ipRangeEnd", Json()), at(f, i) + ".ipRangeEnd", false) : start;
        if (!start || !end) return std::nullopt;
        if (parse_ip(start->get<std::string>())->family != parse_ip(end->get<std::string>())->family)
            return ck.fail(at(f, i), "ipRangeStart and ipRangeEnd differ in address family"), std::nullopt;
        out.push_back({{"ipRangeStart", *start}, {"ipRangeEnd", *end}});
    }
    return out;
}

std::optional<Json> assign_mode_v4(Checker& ck, const Json& v, const std::string& f) {
    if (v.is_string()) return Json{{"zt", v.get<std::string>() == "zt"}};  // pre-1.2 form
    if (!ck.object(v, f)) return std::nullopt;
    bool zt = false;
    if (v.contains("zt")) {
        if (!ck.boolean(v["zt"], f + ".zt")) return std::nullopt;
        zt = v["zt"].get<bool>();
    }
    return Json{{"zt", zt}};
}

// Upstream replaces the whole object with the keys given (a partial object stays partial).
std::optional<Json> assign_mode_v6(Checker& ck, const Json& v, const std::string& f) {
    Json out = Json::object();
    if (v.is_string()) {  // pre-1.2 form: "rfc4193,zt"
        out = {{"rfc4193", false}, {"zt", false}, {"6plane", false}};
        const std::string& s = v.get_ref<const std::string&>();
        size_t start = 0;
        while (start <= s.size()) {
            size_t comma = std::min(s.find(',', start), s.size());
            std::string mode = s.substr(start, comma - start);
            if (out.contains(mode)) out[mode] = true;
            start = comma + 1;
        }
        return out;
    }
    if (!ck.object(v, f)) return std::nullopt;
    for (const char* k : {"rfc4193", "zt", "6plane"}) {
        if (!v.contains(k)) continue;
        if (!ck.boolean(v[k], f + "." + k)) return std::nullopt;
        out[k] = v[k];
    }
    return out;
}

std::optional<Json> auth_tokens(Checker& ck, const Json& v, const std::string& f) {
    if (v.is_null() || v.is_array()) return Json::array({nullptr});  // reset, as upstream
    if (!ck.object(v, f)) return std::nullopt;
    Json out;  // stays null when the object is empty, as upstream's does
    for (const auto& [token, expiry] : v.items()) {
        if (!expiry.is_number() || expiry < 0)
            return ck.fail(f + "." + token, "expected an expiry time in ms (0: never)"), std::nullopt;
        out[token] = expiry;
    }
    return out;
}

std::optional<Json> capabilities(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    std::map<uint64_t, Json> by_id;  // sorted by id; a repeated id keeps the last
    for (size_t i = 0; i < v.size(); ++i) {
        const Json& c = v[i];
        const std::string fi = at(f, i);
        if (!ck.object(c, fi)) return std::nullopt;
        Json id = c.value("id", Json(0)), dfl = c.value("default", Json(false));
        if (!ck.uint(id, fi + ".id") || !ck.boolean(dfl, fi + ".default")) return std::nullopt;
        auto r = rules(ck, c.value("rules", Json::array()), fi + ".rules", vl2::kMaxCapabilityRules);
        if (!r) return std::nullopt;
        by_id[id.get<uint64_t>()] = {{"id", id}, {"default", dfl}, {"rules", *r}};
    }
    Json out = Json::array();
    for (auto& [id, c] : by_id) {
        if (out.size() >= max_array_entries) break;
        out.push_back(std::move(c));
    }
    return out;
}

std::optional<Json> network_tags(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    std::map<uint64_t, Json> by_id;
    for (size_t i = 0; i < v.size(); ++i) {
        const Json& t = v[i];
        const std::string fi = at(f, i);
        if (!ck.object(t, fi)) return std::nullopt;
        Json id = t.value("id", Json(0)), dfl = t.value("default", Json());
        if (!ck.uint(id, fi + ".id") || (!dfl.is_null() && !ck.uint(dfl, fi + ".default"))) return std::nullopt;
        by_id[id.get<uint64_t>()] = {{"id", id}, {"default", dfl}};
    }
    Json out = Json::array();
    for (auto& [id, t] : by_id) {
        if (out.size() >= max_array_entries) break;
        out.push_back(std::move(t));
    }
    return out;
}

// An empty array (the stored default) is what a GET-modify-POST client sends back: ignored.
std::optional<Json> dns(Checker& ck, const Json& v, const std::string& f) {
    if (v.is_array() && v.empty()) return Json();
    if (!ck.object(v, f)) return std::nullopt;
    Json out = {{"domain", v.value("domain", Json())}};
    if (!out["domain"].is_null() && !ck.string(out["domain"], f + ".domain")) return std::nullopt;
    if (v.contains("servers")) {
        const Json& s = v["servers"];
        if (!ck.array(s, f + ".servers")) return std::nullopt;
        Json servers = Json::array();
        for (size_t i = 0; i < s.size(); ++i) {
            auto ip = ip_field(ck, s[i], at(f + ".servers", i), false);
            if (!ip) return std::nullopt;
            servers.push_back(*ip);
        }
        out["servers"] = servers;
    }
    return out;
}

std::optional<Json> ip_assignments(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    Json out = Json::array();
    for (size_t i = 0; i < v.size() && out.size() < max_array_entries; ++i) {
        auto ip = ip_field(ck, v[i], at(f, i), false);  // a "/bits" suffix is dropped, as upstream
        if (!ip) return std::nullopt;
        out.push_back(*ip);
    }
    return out;
}

std::optional<Json> member_tags(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    std::map<uint64_t, uint64_t> by_id;
    for (size_t i = 0; i < v.size(); ++i) {
        const Json& t = v[i];
        if (!t.is_array() || t.size() != 2)
            return ck.fail(at(f, i), "expected [tag id, value]"), std::nullopt;
        if (!ck.uint32(t[0], at(f, i) + "[0]") || !ck.uint32(t[1], at(f, i) + "[1]")) return std::nullopt;
        by_id[t[0].get<uint64_t>()] = t[1].get<uint64_t>();
    }
    Json out = Json::array();
    for (auto [id, value] : by_id) {
        if (out.size() >= max_array_entries) break;
        out.push_back(Json::array({id, value}));
    }
    return out;
}

std::optional<Json> member_capabilities(Checker& ck, const Json& v, const std::string& f) {
    if (!ck.array(v, f)) return std::nullopt;
    std::set<uint64_t> ids;
    for (size_t i = 0; i < v.size() && i < max_array_entries; ++i) {
        if (!ck.uint(v[i], at(f, i))) return std::nullopt;
        ids.insert(v[i].get<uint64_t>());
    }
    return Json(std::vector<uint64_t>(ids.begin(), ids.end()));
}

using FieldRule = std::optional<Json> (*)(Checker&, const Json&, const std::string&);

std::optional<Json> scalar(Checker& ck, const Json& v, const std::string& f, bool (Checker::*check)(const Json&, const std::string&)) {
    if (!(ck.*check)(v, f)) return std::nullopt;
    return v;
}

// Walks the fields of `body` that `rules` knows, building the patch.
std::optional<Json> make_patch(const Json& body, std::string& error, const std::map<std::string, FieldRule>& fields) {
    error.clear();
    Checker ck{error};
    if (!body.is_object()) {
        error = "the body must be a JSON object";
        return std::nullopt;
    }
    Json patch = Json::object();
    for (const auto& [name, rule] : fields) {
        auto it = body.find(name);
        if (it == body.end()) continue;
        auto value = rule(ck, *it, name);
        if (!value) return std::nullopt;
        if (name == "dns" && value->is_null()) continue;  // the ignored empty array
        patch[name] = std::move(*value);
    }
    return patch;
}

}  // namespace

std::optional<IpText> parse_ip(std::string_view s) {
    IpText ip;
    std::string addr(s);
    auto slash = addr.find('/');
    if (slash != std::string::npos) {
        std::string bits = addr.substr(slash + 1);
        addr.resize(slash);
        if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) return std::nullopt;
        ip.bits = std::stoi(bits);
    }
    unsigned char raw[16];
    char text[INET6_ADDRSTRLEN];
    if (::inet_pton(AF_INET, addr.c_str(), raw) == 1) {
        ip.family = 4;
        ::inet_ntop(AF_INET, raw, text, sizeof text);
    } else if (::inet_pton(AF_INET6, addr.c_str(), raw) == 1) {
        ip.family = 6;
        ::inet_ntop(AF_INET6, raw, text, sizeof text);
    } else {
        return std::nullopt;
    }
    if (ip.bits > (ip.family == 4 ? 32 : 128)) return std::nullopt;
    ip.text = text;
    return ip;
}

std::optional<Json> network_patch(const Json& body, std::string& error) {
    static const std::map<std::string, FieldRule> fields = {
        {"name", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::string); }},
        {"private", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::boolean); }},
        {"enableBroadcast", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::boolean); }},
        {"multicastLimit", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::uint); }},
        {"mtu", [](Checker& ck, const Json& v, const std::string& f) -> std::optional<Json> {
             if (!ck.uint(v, f)) return std::nullopt;
             return Json(std::clamp(v.get<uint64_t>(), min_mtu, max_mtu));
         }},
        {"remoteTraceTarget", trace_target},
        {"remoteTraceLevel", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::uint); }},
        {"v4AssignMode", assign_mode_v4},
        {"v6AssignMode", assign_mode_v6},
        {"routes", routes},
        {"ipAssignmentPools", pools},
        {"rules", network_rules},
        {"authTokens", auth_tokens},
        {"capabilities", capabilities},
        {"tags", network_tags},
        {"dns", dns},
    };
    return make_patch(body, error, fields);
}

std::optional<Json> member_patch(const Json& body, std::string& error) {
    static const std::map<std::string, FieldRule> fields = {
        {"activeBridge", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::boolean); }},
        {"noAutoAssignIps", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::boolean); }},
        {"authorized", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::boolean); }},
        {"authenticationExpiryTime", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::uint); }},
        {"name", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::string); }},
        {"remoteTraceTarget", trace_target},
        {"remoteTraceLevel", [](Checker& ck, const Json& v, const std::string& f) { return scalar(ck, v, f, &Checker::uint); }},
        {"ipAssignments", ip_assignments},
        {"tags", member_tags},
        {"capabilities", member_capabilities},
    };
    // authenticationURL is accepted by upstream and then dropped before saving (cleanMember).
    if (body.is_object() && body.contains("authenticationURL") && !body["authenticationURL"].is_string()) {
        error = "field \"authenticationURL\": expected a string";
        return std::nullopt;
    }
    return make_patch(body, error, fields);
}

void apply_network_patch(const Json& patch, Json& network) {
    for (const auto& [key, value] : patch.items()) network[key] = value;
}

void apply_member_patch(const Json& patch, Json& member, UnixMs now) {
    for (const auto& [key, value] : patch.items()) {
        if (key != "authorized") {
            member[key] = value;
            continue;
        }
        const bool authorized = value.get<bool>();
        if (authorized == as_bool(member.value("authorized", Json()), false)) continue;
        member["authorized"] = authorized;
        member[authorized ? "lastAuthorizedTime" : "lastDeauthorizedTime"] = now;
        if (authorized) {
            member["lastAuthorizedCredentialType"] = "api";
            member["lastAuthorizedCredential"] = nullptr;
        }
    }
}

}  // namespace zt::ctl

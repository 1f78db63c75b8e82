// NetworkConfig <-> config Dictionary (spec §8.5). Key order and formats in network_config.hpp.
#include "core/vl2/network_config.hpp"

#include <algorithm>

#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

namespace {

// Upstream copies strings into fixed char arrays: these are their sizes less the NUL.
constexpr size_t kMaxUrlLength = 2047;
constexpr size_t kMaxNonceLength = 127;
constexpr size_t kMaxStateLength = 255;
constexpr size_t kMaxClientIdLength = 255;
constexpr size_t kMaxProviderLength = 63;

std::string string_of(const Dictionary& d, std::string_view key, size_t max) {
    std::string s = d.get_string(key).value_or(std::string());
    if (s.size() > max) s.resize(max);
    return s;
}

// Writes a blob with `write(Writer&)` into a buffer that grows until it fits (at most the
// Dictionary bound); nullopt if it never does.
template <class Write>
std::optional<Bytes> blob(Write&& write) {
    for (size_t cap = 4096;; cap *= 4) {
        cap = std::min(cap, Dictionary::kMaxBytes);
        Bytes b(cap);
        Writer w{b};
        write(w);
        if (w.ok()) {
            b.resize(w.size());
            return b;
        }
        if (cap == Dictionary::kMaxBytes) return std::nullopt;
    }
}

// Reads credentials of type T back to back until the end of `b`; at most `max` kept, or
// nullopt when more than `max` and `over_max_is_error`.
template <class T>
std::optional<std::vector<T>> read_all(std::span<const uint8_t> b, size_t max, bool over_max_is_error) {
    std::vector<T> out;
    Reader r{b};
    while (r.ok() && !r.at_end()) {
        auto x = T::parse(r);
        if (!x) return std::nullopt;
        if (out.size() < max) out.push_back(std::move(*x));
        else if (over_max_is_error) return std::nullopt;
    }
    if (!r.ok()) return std::nullopt;
    return out;
}

std::optional<DnsConfig> read_dns(std::span<const uint8_t> b) {
    Reader r{b};
    DnsConfig dns;
    auto domain = r.bytes(DnsConfig::kDomainLength);
    for (auto& s : dns.servers) s = wire::InetAddress::read(r);
    if (!r.ok()) return std::nullopt;
    // Upstream keeps 127 bytes and a NUL, and reads it as a C string.
    const auto text = domain.first(DnsConfig::kDomainLength - 1);
    dns.domain.assign(text.begin(), std::find(text.begin(), text.end(), uint8_t(0)));
    return dns;
}

}  // namespace

const char* to_string(ConfigError e) {
    switch (e) {
    case ConfigError::missing_network_id: return "missing_network_id";
    case ConfigError::missing_issued_to: return "missing_issued_to";
    case ConfigError::legacy_format: return "legacy_format";
    case ConfigError::bad_com: return "bad_com";
    case ConfigError::bad_capabilities: return "bad_capabilities";
    case ConfigError::bad_tags: return "bad_tags";
    case ConfigError::bad_coos: return "bad_coos";
    case ConfigError::bad_routes: return "bad_routes";
    case ConfigError::bad_static_ips: return "bad_static_ips";
    case ConfigError::bad_rules: return "bad_rules";
    case ConfigError::bad_dns: return "bad_dns";
    }
    return "?";
}

std::vector<Address> NetworkConfig::specialists_with(uint64_t type_bit) const {
    std::vector<Address> out;
    for (uint64_t s : specialists)
        if (s & type_bit) out.push_back(Address(s));
    return out;
}

const Tag* NetworkConfig::tag(uint32_t id) const {
    auto it = std::find_if(tags.begin(), tags.end(), [id](const Tag& t) { return t.id == id; });
    return it == tags.end() ? nullptr : &*it;
}

const Capability* NetworkConfig::capability(uint32_t id) const {
    auto it = std::find_if(capabilities.begin(), capabilities.end(), [id](const Capability& c) { return c.id() == id; });
    return it == capabilities.end() ? nullptr : &*it;
}

Result<NetworkConfig, ConfigError> NetworkConfig::from_dictionary(const Dictionary& d) {
    NetworkConfig c;
    c.nwid = NetworkId{d.get_u64("nwid").value_or(0)};
    if (c.nwid.value == 0) return Failure{ConfigError::missing_network_id};
    c.timestamp = UnixMs(d.get_u64("ts").value_or(0));
    c.credential_time_max_delta_ms = int64_t(d.get_u64("ctmd").value_or(0));
    c.revision = d.get_u64("r").value_or(0);
    c.issued_to = d.get_address("id").value_or(Address());
    if (c.issued_to.is_zero()) return Failure{ConfigError::missing_issued_to};
    c.trace_target = d.get_address("tt").value_or(Address());
    c.trace_level = uint32_t(d.get_u64("tl").value_or(0));
    c.multicast_limit = uint32_t(d.get_u64("ml").value_or(0));
    c.name = string_of(d, "n", kMaxNameLength);
    // Truncated to 32 bits, then clamped, in upstream's order.
    c.mtu = std::clamp(uint32_t(d.get_u64("mtu").value_or(kDefaultMtu)), kMinMtu, kMaxMtu);
    if (d.get_u64("v").value_or(0) < kMinConfigVersion) return Failure{ConfigError::legacy_format};

    c.flags = d.get_u64("f").value_or(0);
    c.type = NetworkType(uint32_t(d.get_u64("t").value_or(uint64_t(NetworkType::private_network))));

    if (auto b = d.get("C")) {
        Reader r{*b};
        auto com = CertificateOfMembership::parse(r);
        if (!com) return Failure{ConfigError::bad_com};
        if (!com->empty()) c.com = std::move(*com);
    }
    if (auto b = d.get("CAP")) {
        auto caps = read_all<Capability>(*b, kMaxCapabilities, true);
        if (!caps) return Failure{ConfigError::bad_capabilities};
        c.capabilities = std::move(*caps);
    }
    if (auto b = d.get("TAG")) {
        auto tags = read_all<Tag>(*b, kMaxTags, true);
        if (!tags) return Failure{ConfigError::bad_tags};
        c.tags = std::move(*tags);
    }
    if (auto b = d.get("COO")) {
        auto coos = read_all<CertificateOfOwnership>(*b, kMaxCoos, false);
        if (!coos) return Failure{ConfigError::bad_coos};
        c.coos = std::move(*coos);
    }
    if (auto b = d.get("S")) {
        Reader r{*b};
        while (r.remaining() >= 8) {
            const uint64_t s = r.u64be();
            if (c.specialists.size() < kMaxSpecialists) c.specialists.push_back(s);
        }
    }
    if (auto b = d.get("RT")) {
        Reader r{*b};
        while (!r.at_end() && c.routes.size() < kMaxRoutes) {
            Route rt;
            rt.target = wire::InetPrefix::read(r);
            const auto via = wire::InetAddress::read(r);
            if (!via.endpoint.is_nil()) rt.via = via;
            rt.flags = r.u16be();
            rt.metric = r.u16be();
            if (!r.ok()) return Failure{ConfigError::bad_routes};
            c.routes.push_back(rt);
        }
    }
    if (auto b = d.get("I")) {
        Reader r{*b};
        while (!r.at_end() && c.static_ips.size() < kMaxStaticIps) {
            const auto ip = wire::InetPrefix::read(r);
            if (!r.ok()) return Failure{ConfigError::bad_static_ips};
            c.static_ips.push_back(ip);
        }
    }
    if (auto b = d.get("R")) {
        auto rules = parse_rule_blob(*b, kMaxNetworkRules);
        if (!rules) return Failure{ConfigError::bad_rules};
        c.rules = std::move(*rules);
    }
    if (auto b = d.get("DNS")) {
        auto dns = read_dns(*b);
        if (!dns) return Failure{ConfigError::bad_dns};
        c.dns = std::move(*dns);
    }

    c.sso_version = d.get_u64("ssov").value_or(0);
    c.sso_enabled = d.get_bool("ssoe").value_or(false);
    if (c.sso_enabled && c.sso_version == 0) {
        c.authentication_url = string_of(d, "aurl", kMaxUrlLength);
        c.authentication_expiry_time = d.get_i64("aexpt").value_or(0);
    } else if (c.sso_enabled && c.sso_version == 1) {
        c.authentication_url = string_of(d, "aurl", kMaxUrlLength);
        c.issuer_url = string_of(d, "iurl", kMaxUrlLength);
        c.central_auth_url = string_of(d, "ssoce", kMaxUrlLength);
        c.sso_nonce = string_of(d, "sson", kMaxNonceLength);
        c.sso_state = string_of(d, "ssos", kMaxStateLength);
        c.sso_client_id = string_of(d, "ssocid", kMaxClientIdLength);
        c.sso_provider = d.get("ssop") ? string_of(d, "ssop", kMaxProviderLength) : std::string("default");
    }
    return c;
}

std::optional<Dictionary> NetworkConfig::to_dictionary() const {
    Dictionary d;
    bool ok = true;
    ok &= d.add_u64("v", kConfigVersion);
    ok &= d.add_u64("nwid", nwid.value);
    ok &= d.add_i64("ts", timestamp);
    ok &= d.add_i64("ctmd", credential_time_max_delta_ms);
    ok &= d.add_u64("r", revision);
    ok &= d.add_address("id", issued_to);
    ok &= d.add_address("tt", trace_target);
    ok &= d.add_u64("tl", trace_level);
    ok &= d.add_u64("f", flags);
    ok &= d.add_u64("ml", multicast_limit);
    ok &= d.add_u64("t", uint64_t(type));
    ok &= d.add_string("n", name);
    ok &= d.add_u64("mtu", mtu);

    // Binary blobs, each only when it has content (DNS always has 132 bytes).
    auto add_blob = [&](std::string_view key, auto&& write) {
        auto b = blob(write);
        if (!b) ok = false;
        else if (!b->empty()) ok &= d.add(key, *b);
    };
    if (com && !com->empty()) add_blob("C", [&](Writer& w) { com->serialize(w); });
    add_blob("CAP", [&](Writer& w) { for (const auto& x : capabilities) x.serialize(w); });
    add_blob("TAG", [&](Writer& w) { for (const auto& x : tags) x.serialize(w); });
    add_blob("COO", [&](Writer& w) { for (const auto& x : coos) x.serialize(w); });
    add_blob("S", [&](Writer& w) { for (uint64_t s : specialists) w.u64be(s); });
    add_blob("RT", [&](Writer& w) {
        for (const Route& rt : routes) {
            rt.target.serialize(w);
            rt.via.value_or(wire::InetAddress{}).serialize(w);
            w.u16be(rt.flags);
            w.u16be(rt.metric);
        }
    });
    add_blob("I", [&](Writer& w) { for (const auto& ip : static_ips) ip.serialize(w); });
    add_blob("R", [&](Writer& w) { write_rules(w, rules); });
    add_blob("DNS", [&](Writer& w) {
        const size_t n = std::min(dns.domain.size(), DnsConfig::kDomainLength - 1);
        for (size_t i = 0; i < n; ++i) w.u8(uint8_t(dns.domain[i]));
        w.zeros(DnsConfig::kDomainLength - n);
        for (const auto& s : dns.servers) s.serialize(w);
    });

    if (sso_version == 0) {
        ok &= d.add_u64("ssov", sso_version);
        ok &= d.add_bool("ssoe", sso_enabled);
        if (sso_enabled) {
            if (!authentication_url.empty()) ok &= d.add_string("aurl", authentication_url);
            // Upstream writes its uint64 field as unsigned; the same for any time >= 0.
            ok &= d.add_i64("aexpt", authentication_expiry_time);
        }
    } else if (sso_version == 1) {
        ok &= d.add_u64("ssov", sso_version);
        ok &= d.add_bool("ssoe", sso_enabled);
        ok &= d.add_string("iurl", issuer_url);
        ok &= d.add_string("ssoce", central_auth_url);
        ok &= d.add_string("sson", sso_nonce);
        ok &= d.add_string("ssos", sso_state);
        ok &= d.add_string("ssocid", sso_client_id);
        ok &= d.add_string("ssop", sso_provider);
    }
    if (!ok) return std::nullopt;
    return d;
}

}  // namespace zt::vl2

// A network's configuration (spec §8.5): the keys of the config Dictionary a controller sends
// in chunks (§8.4), read as 1.14.1's NetworkConfig::fromDictionary reads them and written in
// the order and formats its toDictionary writes them.
//
//   v nwid ts ctmd r id tt tl f ml t n mtu   (integers: 16 hex digits; id, tt: 10; n: string)
//   [C] [CAP] [TAG] [COO] [S] [RT] [I] [R] DNS   (binary blobs, omitted when empty; DNS always)
//   ssov ssoe [aurl aexpt | iurl ssoce sson ssos ssocid ssop]   (by SSO version)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "core/vl2/capability.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/coo.hpp"
#include "core/vl2/dictionary.hpp"
#include "core/vl2/rules.hpp"
#include "core/vl2/tag.hpp"
#include "core/wire/inet_address.hpp"
#include "core/wire/result.hpp"

namespace zt::vl2 {

// Why a Dictionary is not a usable config.
enum class ConfigError : uint8_t {
    missing_network_id,  // `nwid` absent or 0
    missing_issued_to,   // `id` absent or 0
    legacy_format,       // `v` absent or < 6: the old text format, which 1.14 rejects too
    bad_com,
    bad_capabilities,    // malformed, or more than 128
    bad_tags,            // malformed, or more than 128
    bad_coos,
    bad_routes,
    bad_static_ips,
    bad_rules,           // malformed, or more than 1024
    bad_dns,
};
const char* to_string(ConfigError e);

enum class NetworkType : uint32_t {
    private_network = 0,  // members need a COM (§8.7)
    public_network = 1,
};

// An RT entry: a route to `target` (netmask bits in the port field), via a gateway or on-link.
struct Route {
    wire::InetPrefix target;
    std::optional<wire::InetAddress> via;  // nullopt: on-link (written as 0x00)
    uint16_t flags = 0;
    uint16_t metric = 0;
    friend bool operator==(const Route&, const Route&) = default;
};

// The DNS blob: <[128] search domain, NUL padded> <4 x InetAddress server, 0x00 if unused>.
struct DnsConfig {
    static constexpr size_t kDomainLength = 128;
    std::string domain;                         // at most 127 bytes, no NUL
    std::array<wire::InetAddress, 4> servers{};  // nil endpoint: unused
    friend bool operator==(const DnsConfig&, const DnsConfig&) = default;
};

struct NetworkConfig {
    // §8.5 flags (f).
    static constexpr uint64_t kFlagEnableBroadcast = 0x02;
    static constexpr uint64_t kFlagNdpEmulation = 0x04;
    static constexpr uint64_t kFlagUnsupportedMatchResult = 0x08;
    static constexpr uint64_t kFlagDisableCompression = 0x10;
    // §8.5 specialist type bits (S), above the 40-bit address.
    static constexpr uint64_t kSpecialistActiveBridge = 0x020000000000ULL;
    static constexpr uint64_t kSpecialistAnchor = 0x040000000000ULL;
    static constexpr uint64_t kSpecialistMulticastReplicator = 0x080000000000ULL;
    // §11 limits; entries beyond them are ignored as upstream ignores them, except
    // capabilities, tags and rules, which 1.14 cannot hold either: there they are an error.
    static constexpr size_t kMaxRoutes = 128;
    static constexpr size_t kMaxStaticIps = 32;
    static constexpr size_t kMaxSpecialists = 256;
    static constexpr size_t kMaxCapabilities = 128;
    static constexpr size_t kMaxTags = 128;
    static constexpr size_t kMaxCoos = 4;
    static constexpr size_t kMaxNameLength = 127;
    static constexpr uint32_t kDefaultMtu = 2800;
    static constexpr uint32_t kMinMtu = 1280;
    static constexpr uint32_t kMaxMtu = 10000;
    static constexpr uint64_t kConfigVersion = 7;   // written as `v`
    static constexpr uint64_t kMinConfigVersion = 6;

    NetworkId nwid;
    UnixMs timestamp = 0;
    uint64_t revision = 0;
    Address issued_to;
    int64_t credential_time_max_delta_ms = 0;  // ctmd
    Address trace_target;
    uint32_t trace_level = 0;
    uint64_t flags = 0;
    uint32_t multicast_limit = 0;
    NetworkType type = NetworkType::private_network;
    std::string name;  // at most 127 bytes
    uint32_t mtu = kDefaultMtu;
    std::optional<CertificateOfMembership> com;  // never an empty one
    std::vector<uint64_t> specialists;           // type bits | address
    std::vector<Route> routes;
    std::vector<wire::InetPrefix> static_ips;
    std::vector<Rule> rules;
    std::vector<Capability> capabilities;  // in wire order (upstream sorts them by id)
    std::vector<Tag> tags;                 // in wire order
    std::vector<CertificateOfOwnership> coos;
    DnsConfig dns;
    // SSO (§8.5): which fields are read and written depends on the version.
    bool sso_enabled = false;
    uint64_t sso_version = 0;
    std::string authentication_url;         // aurl (≤ 2047)
    int64_t authentication_expiry_time = 0;  // aexpt (version 0): upstream reads it with strtoll
    std::string issuer_url;                 // iurl (version 1, ≤ 2047)
    std::string central_auth_url;           // ssoce (≤ 2047)
    std::string sso_nonce;                  // sson (≤ 127)
    std::string sso_state;                  // ssos (≤ 255)
    std::string sso_client_id;              // ssocid (≤ 255)
    std::string sso_provider;               // ssop (≤ 63; "default" if absent)

    bool broadcast_enabled() const { return flags & kFlagEnableBroadcast; }
    bool ndp_emulation() const { return flags & kFlagNdpEmulation; }
    bool unsupported_match_result() const { return flags & kFlagUnsupportedMatchResult; }
    bool compression_disabled() const { return flags & kFlagDisableCompression; }
    bool is_private() const { return type == NetworkType::private_network; }
    bool multicast_enabled() const { return multicast_limit != 0; }

    std::vector<Address> specialists_with(uint64_t type_bit) const;
    const Tag* tag(uint32_t id) const;
    const Capability* capability(uint32_t id) const;

    static Result<NetworkConfig, ConfigError> from_dictionary(const Dictionary& d);
    // nullopt only if a blob cannot be written (e.g. more than 65535 things) or the whole
    // would pass Dictionary::kMaxBytes.
    std::optional<Dictionary> to_dictionary() const;

    friend bool operator==(const NetworkConfig&, const NetworkConfig&) = default;
};

}  // namespace zt::vl2

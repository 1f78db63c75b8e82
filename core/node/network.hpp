// A network the node has joined (spec §8): its configuration from the controller, what it
// knows of each member's credentials (§8.7), and the multicast groups it announces (§6.3).
// Private to the core; Node::Impl drives it (network.cpp, membership.cpp, vl2.cpp).
//
// States (ZeroTier One's ZT_NETWORK_STATUS_*):
//   requesting_configuration --config accepted--> ok --refresh accepted--> ok
//   requesting_configuration / ok --ERROR from the controller--> access_denied | not_found |
//       authentication_required (a configuration already held is kept; requests go on)
//   access_denied / ... --config accepted--> ok
// Static networks (join_static) are ok from the start and never ask a controller.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/node/node.hpp"
#include "core/vl2/capability.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/config_chunk.hpp"
#include "core/vl2/coo.hpp"
#include "core/vl2/network_config.hpp"
#include "core/vl2/revocation.hpp"
#include "core/vl2/rule_engine.hpp"
#include "core/vl2/tag.hpp"

namespace zt {

// What we hold of another member's credentials on one network (upstream's Membership).
struct Membership {
    std::optional<vl2::CertificateOfMembership> com;
    UnixMs com_revocation_threshold = 0;  // COMs timestamped at or before this are refused
    std::map<uint32_t, vl2::Tag> tags;
    std::map<uint32_t, vl2::Capability> capabilities;
    std::map<uint32_t, vl2::CertificateOfOwnership> coos;
    std::map<uint64_t, UnixMs> revocations;  // (type << 32 | credential id) -> threshold
    Ticks last_pushed_credentials = kNever;  // our credentials to this member
    Ticks last_multicast_like = kNever;      // our LIKEs to this member

    // §8.7: public network, or a COM from this member above the revocation threshold that
    // agrees with ours.
    bool allowed(const vl2::NetworkConfig& ours, const Identity& theirs) const;
    // Whether a credential timestamped `ts` is within the credential window of our configuration.
    static bool current(const vl2::NetworkConfig& ours, UnixMs ts);
};

enum class ConfigFailure : uint8_t { none, access_denied, not_found, authentication_required, too_old };

struct Network {
    explicit Network(NetworkId id) : nwid(id), assembler(id) {}

    NetworkId nwid;
    Mac mac;
    bool is_static = false;
    uint32_t static_mtu = kVirtualMtuDefault;
    std::vector<wire::InetPrefix> static_addresses;

    // Controller-managed: the accepted configuration and the Dictionary it came as.
    std::optional<vl2::NetworkConfig> config;
    Bytes config_dictionary;
    vl2::ConfigAssembler assembler;
    ConfigFailure failure = ConfigFailure::none;
    Ticks last_request = kNever;        // NETWORK_CONFIG_REQUEST sent
    Ticks last_config_update = kNever;  // a configuration accepted

    std::map<Address, Membership> members;

    // Multicast groups we announce: from the configuration (broadcast, ARP per IPv4 address)
    // and from the stack (IPv6 groups), sorted and unique.
    std::vector<Mac> stack_groups;
    std::vector<MulticastGroup> groups;
    Ticks last_announce_upstream = kNever;

    // Counters for the status.
    std::vector<uint64_t> rule_hits;
    uint64_t dropped_by_rules_in = 0, dropped_by_rules_out = 0, dropped_not_member = 0;

    NetworkState state() const;
    uint32_t mtu() const { return is_static ? static_mtu : (config ? config->mtu : uint32_t(kVirtualMtuDefault)); }
    bool has_config() const { return is_static || config.has_value(); }
    bool is_public() const { return is_static || (config && !config->is_private()); }
    bool broadcast_enabled() const { return is_static || (config && config->broadcast_enabled()); }
    uint32_t multicast_limit() const { return is_static ? 32 : (config ? config->multicast_limit : 0); }
    // The addresses assigned to us: static, or the configuration's.
    const std::vector<wire::InetPrefix>& addresses() const;
    // Recomputes `groups`; true if they changed.
    bool update_groups();
};

}  // namespace zt

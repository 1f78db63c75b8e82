// ztnode configuration: $ZT_HOME, the optional file $ZT_HOME/ztintercept.conf (`key = value`
// lines, # comments) and environment overrides. Every error names its source (file:line or
// the variable) and the problem, in one line.
//
//   port = 9993                       UDP port, 0 = random              env ZT_PORT
//   network = <nwid16> [<ip>/<len>]... repeatable; without addresses the network is joined
//                                     through its controller, with them it is static  env ZT_NETWORKS
//   peer = <peer> [<endpoint>]        repeatable; <peer> = 10-hex address env ZT_PEERS
//                                     or identity.public "addr:0:hex"; endpoint 1.2.3.4/9993;
//                                     without an endpoint the peer is found through the roots
//   log_level = info                  trace debug info warn error critical off  env ZT_LOG_LEVEL
//   mtu = 2800                        virtual MTU (576..10000)           env ZT_MTU
//   linger = 5                        seconds to stay up once unused     env ZT_NODE_LINGER
//   allow_global = false              managed routes/addresses in global IP space env ZT_ALLOW_GLOBAL
//   allow_default = false             a managed default route (0.0.0.0/0, ::/0) env ZT_ALLOW_DEFAULT
//   udp_offload = true                UDP GSO/GRO on the underlay where the kernel has it  env ZT_UDP_OFFLOAD
//
// ZT_NETWORKS is a comma-separated list of network entries whose fields are separated by '='
// or spaces ("c41b8868ac000001=10.147.17.11/24"); ZT_PEERS a comma-separated list of
// "<peer>[@<endpoint>]". An environment list replaces the file's list.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"
#include "stack/inet.hpp"

namespace zt::node {

struct NetworkConfig {
    NetworkId nwid;
    std::vector<stack::InetPrefix> addrs;  // static addresses (at most 8); none: the controller's
};

struct PeerConfig {
    Address address;
    std::string identity;  // the full identity.public text if given, else empty
    Endpoint endpoint;     // nil: address only, reached through the roots (WHOIS, relay)
};

struct Config {
    std::string home;       // absolute path of ZT_HOME
    std::string conf_path;  // home + "/ztintercept.conf"
    uint16_t port = 9993;
    uint32_t mtu = 2800;
    std::vector<NetworkConfig> networks;
    std::vector<PeerConfig> peers;
    std::string log_level = "info";
    int linger_s = 5;
    // Like ZeroTier One's allowGlobal / allowDefault (allowManaged is always on): which managed
    // routes and addresses a controller may put on the virtual network.
    bool allow_global = false;
    bool allow_default = false;
    // Runs of equal datagrams to one peer leave in one send (UDP GSO) and arrive in one read
    // (UDP GRO). Off: one datagram per send and per read, as ZeroTier One does.
    bool udp_offload = true;
};

// Looks up an environment variable; nullptr when unset.
using EnvFn = std::function<const char*(const char*)>;

// ZT_HOME (required, made absolute), then the file if it exists, then the environment.
// Does not create the home directory.
std::optional<Config> load_config(const EnvFn& env, std::string& error);

// The pieces, for tests. `source` names the text in errors ("<source>:<line>: ...").
bool parse_config_text(std::string_view text, std::string_view source, Config& cfg, std::string& error);
bool apply_env(const EnvFn& env, Config& cfg, std::string& error);
// "<nwid> [<prefix>]..." with '=' or whitespace between fields.
std::optional<NetworkConfig> parse_network(std::string_view spec, std::string& why);
std::optional<PeerConfig> parse_peer(std::string_view peer, std::string_view endpoint, std::string& why);

}  // namespace zt::node

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
//   socks = 127.0.0.1:1080            SOCKS5 proxy into the networks (a port alone: 127.0.0.1) env ZT_SOCKS
//   http_proxy = 127.0.0.1:3128       HTTP proxy (CONNECT and http:// requests)  env ZT_HTTP_PROXY
//   proxy_auth = user:password        required by both proxies; needed to listen beyond loopback  env ZT_PROXY_AUTH
//   proxy_outside = false             the proxies also connect outside the networks  env ZT_PROXY_OUTSIDE
//   forward = tcp <local> <virtual>   repeatable: a local listener, each connection carried to the
//                                     virtual address ("tcp 127.0.0.1:8080 10.147.17.2:80")  env ZT_FORWARDS
//   expose = tcp <virtual> <local>    repeatable: a virtual listener, each connection carried to the
//                                     local address ("tcp 10.147.17.1:2222 127.0.0.1:22")  env ZT_EXPOSES
//
// ZT_FORWARDS and ZT_EXPOSES are comma-separated lists of those entries.
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

// A port forward: `from` is where connections arrive (a local address for `forward`, a
// virtual one for `expose`), `to` where they are carried.
struct ForwardConfig {
    bool udp = false;
    stack::InetAddr from, to;
    std::string to_string() const;  // "tcp 127.0.0.1:8080 10.147.17.2:80"
    friend bool operator==(const ForwardConfig&, const ForwardConfig&) = default;
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
    // The proxies and forwards (tools/ztnode/proxy/): listen addresses (family 0: off).
    stack::InetAddr socks, http_proxy;
    std::string proxy_user, proxy_password;  // both empty: no authentication
    bool proxy_outside = false;
    std::vector<ForwardConfig> forwards, exposes;
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
// "127.0.0.1:1080", "[::1]:1080", or a port alone (127.0.0.1). Port 1..65535.
std::optional<stack::InetAddr> parse_host_port(std::string_view s, bool port_alone_ok, std::string& why);
// "tcp|udp <from> <to>" (forward: local then virtual; expose: virtual then local).
std::optional<ForwardConfig> parse_forward(std::string_view spec, bool expose, std::string& why);
// Whole-configuration checks: a proxy beyond loopback needs proxy_auth; a forward listens on a
// local address, an expose on a virtual one (not loopback), and each carries to a specific address.
bool check_config(const Config& cfg, std::string& error);
std::optional<PeerConfig> parse_peer(std::string_view peer, std::string_view endpoint, std::string& why);

}  // namespace zt::node

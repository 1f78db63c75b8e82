// zt::Node, the sans-I/O ZeroTier node (STYLE §1). The runtime feeds it UDP datagrams,
// Ethernet frames from the local stack and the time; it hands back datagrams to send,
// frames to deliver, events to log and the next deadline. It makes no syscalls, reads no
// clock and starts no threads: two Nodes can run in one test with a fake Host and a
// manual clock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/identity.hpp"
#include "core/protocol.hpp"
#include "core/rng.hpp"
#include "core/types.hpp"
#include "core/wire/drop.hpp"
#include "core/wire/inet_address.hpp"
#include "core/world/world.hpp"

namespace zt {

namespace vl2 {
class Dictionary;
struct NetworkConfig;
struct Revocation;
}  // namespace vl2

// The runtime's UDP socket a datagram came in on / should leave from (opaque to the core).
// kAnySocket lets the runtime pick one by address family.
using LocalSocket = int64_t;
inline constexpr LocalSocket kAnySocket = -1;

// "Never happened" for Ticks fields (last send, last receive, ...).
inline constexpr Ticks kNever = INT64_MIN / 2;

// An Ethernet frame on a virtual network. The payload view is valid only during the call.
struct Frame {
    Mac src;
    Mac dst;
    uint16_t ethertype = 0;
    std::span<const uint8_t> payload;
};

// What the core reports for logs and status. Everything on the packet path is an event,
// never a print (STYLE §11).
struct Event {
    enum class Kind : uint8_t {
        packet_dropped,     // drop, peer (if known), endpoint, packet_id, verb
        peer_added,         // peer: identity learned and verified
        path_confirmed,     // peer, endpoint: an OK arrived over it
        path_expired,       // peer, endpoint
        external_address,   // endpoint: how a peer (peer) sees us
        error_received,     // peer, verb (in-re), code
        identity_collision, // peer: HELLO with another key for a known address
        whois_sent,         // peer: the address asked for
        rendezvous,         // peer, endpoint: a root told us where peer is (sent or received)
        planet_updated,     // peer, endpoint: a root gave us a newer planet (Node::planet())
        network_changed,    // nwid: its state or configuration changed (Node::network())
        credential_revoked, // nwid, peer: the controller revoked a member's credentials
        network_refreshed,  // nwid: a configuration was accepted that changed only its timestamp
                            //   and certificates (worth keeping; nothing to reconfigure)
    };
    Kind kind = Kind::packet_dropped;
    Drop drop = Drop::too_short;
    NetworkId nwid;
    Address peer;
    Endpoint endpoint;
    uint64_t packet_id = 0;
    uint8_t verb = 0;
    uint8_t code = 0;
};

// The controller role (spec §9), installed by a runtime that keeps network and member
// records: it receives members' NETWORK_CONFIG_REQUESTs for networks whose id starts with our
// address and answers through Node::send_network_config / send_network_error.
class NetworkController {
public:
    // `physical` is where the request came from if it came directly (hops 0), else nil.
    virtual void on_config_request(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                                   const vl2::Dictionary& metadata, const Endpoint& physical) = 0;

protected:
    ~NetworkController() = default;
};

class Host {
public:
    // `ttl` > 0 sets the IP TTL / hop limit for this datagram only (NAT punching, §5.4).
    virtual void send_udp(LocalSocket from, const Endpoint& to, std::span<const uint8_t> datagram, int ttl = 0) = 0;
    virtual void deliver_frame(NetworkId nwid, const Frame& frame) = 0;
    virtual void on_event(const Event& ev) = 0;

protected:
    ~Host() = default;
};

inline constexpr size_t kDropReasons = size_t(Drop::rules) + 1;

struct NodeStats {
    uint64_t rx_datagrams = 0, tx_datagrams = 0;
    uint64_t rx_packets = 0, tx_packets = 0;   // assembled, authenticated packets
    uint64_t rx_frames = 0, tx_frames = 0;     // Ethernet frames delivered / sent
    uint64_t relayed = 0;                      // datagrams forwarded for others (roots)
    uint64_t sent_via_root = 0;                // packets sent to a peer through a root
    uint64_t rendezvous_sent = 0, rendezvous_received = 0;
    uint64_t whois_sent = 0;
    std::array<uint64_t, kDropReasons> drops{};

    uint64_t dropped(Drop d) const { return drops[size_t(d)]; }
    uint64_t dropped_total() const;
};

struct PathStatus {
    LocalSocket local = kAnySocket;
    Endpoint endpoint;
    int32_t latency_ms = -1;
    Ticks last_send = 0, last_receive = 0;
    bool confirmed = false;
    bool preferred = false;  // the one sends use
};

struct PeerStatus {
    Address address;
    bool root = false;
    uint8_t proto_version = 0;   // 0 until its HELLO or OK(HELLO) told us
    uint8_t major = 0, minor = 0;
    uint16_t revision = 0;
    int32_t latency_ms = -1;     // -1 unknown
    Ticks last_receive = 0;
    std::vector<PathStatus> paths;
};

// A root of the planet (or of a moon): its identity and stable endpoints (spec §7.1).
struct RootSpec {
    Identity identity;
    std::vector<Endpoint> endpoints;
};

// The states of a joined network, as ZeroTier One names them (ZT_NETWORK_STATUS_*).
enum class NetworkState : uint8_t {
    requesting_configuration,  // asking the controller; no configuration yet
    ok,                        // configured
    access_denied,             // the controller refuses us (NETWORK_ACCESS_DENIED)
    not_found,                 // the controller has no such network (OBJ_NOT_FOUND, UNSUPPORTED_OPERATION)
    port_error,                // the local stack could not bring the network up
    client_too_old,            // the controller's configuration is in a format we do not read
    authentication_required,   // SSO networks (NETWORK_AUTHENTICATION_REQUIRED)
};
const char* to_string(NetworkState s);  // "OK", "ACCESS_DENIED", ... as zerotier-cli prints them

// A multicast group (spec §6.3): a MAC and a 32-bit "additional distinguishing information".
struct MulticastGroup {
    Mac mac;
    uint32_t adi = 0;
    friend auto operator<=>(const MulticastGroup&, const MulticastGroup&) = default;
};

// A managed route from the configuration (§8.5 `RT`); `via` is nil for on-link routes (its port
// is unused).
struct NetworkRoute {
    wire::InetPrefix target;
    Endpoint via;
    uint16_t flags = 0, metric = 0;
    friend bool operator==(const NetworkRoute&, const NetworkRoute&) = default;
};

// A network this node has joined: through its controller (join) or statically, without one
// (join_static: public, every static peer a member, addresses from the local configuration).
struct NetworkStatus {
    NetworkId nwid;
    Mac mac;
    uint32_t mtu = 0;
    NetworkState state = NetworkState::requesting_configuration;
    bool is_static = false;
    // From the configuration (empty until one arrives).
    std::string name;
    bool is_private = true;
    bool broadcast = false;       // config flag 0x2
    bool ndp_emulation = false;   // config flag 0x4
    uint32_t multicast_limit = 0;
    uint64_t revision = 0;
    UnixMs config_timestamp = 0;
    UnixMs com_timestamp = 0;     // our certificate of membership
    std::vector<wire::InetPrefix> addresses;
    std::vector<NetworkRoute> routes;
    std::string dns_domain;
    std::vector<Endpoint> dns_servers;
    std::vector<MulticastGroup> groups;  // what we announce (MULTICAST_LIKE)
    // Rules: hits per base rule (index of the rule that decided), and frames dropped.
    std::vector<uint64_t> rule_hits;
    uint64_t dropped_by_rules_in = 0, dropped_by_rules_out = 0;
    uint64_t dropped_not_member = 0;  // frames from peers without a valid certificate (§8.7)
};

class Node {
public:
    // `self` must carry its secret. `now` starts the timers.
    Node(Host& host, Rng& rng, Identity self, Ticks now);
    ~Node();
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    const Identity& identity() const;

    // Static peers: members of our networks named in the configuration. With an identity
    // and an endpoint the node HELLOs the endpoint at once; with an address and an endpoint
    // it waits for the peer's HELLO and then uses the endpoint as a fallback path; with a
    // nil endpoint the peer is found through the roots (WHOIS, relay, RENDEZVOUS) when a
    // frame is first sent to it. Multicast (ARP) goes to every static peer.
    void add_static_peer(const Identity& id, const Endpoint& endpoint);
    void add_static_peer(Address address, const Endpoint& endpoint);

    // The planet: its id and timestamp (announced in HELLO) and its roots, which become
    // "upstream" peers: contacted at once, kept alive, asked WHOIS, used to relay.
    void set_planet(uint64_t world_id, uint64_t world_timestamp, const std::vector<RootSpec>& roots);
    // The same from the signed planet itself, which the node then also keeps current (§5.2,
    // §7.2): it offers the planet in OK(HELLO) to a peer that announces the same planet with
    // an older timestamp, and it adopts a newer revision offered by one of its roots when
    // that revision is signed with the key the current one names (not as a root itself),
    // emitting Event::planet_updated. Its roots' identities must have been validated.
    void set_planet(const World& planet);
    // The planet given to set_planet(const World&) or learned since; null otherwise.
    const World& planet() const;
    // Serve as a root: relay packets between peers, introduce them with RENDEZVOUS, answer
    // WHOIS from the peer table.
    void set_root_role(bool on);
    // Our interface addresses (no loopback), advertised with PUSH_DIRECT_PATHS.
    void set_local_endpoints(const std::vector<Endpoint>& endpoints);
    // Something arrived from a root within the last 500 s (spec §7.4); always true for a root.
    bool online(Ticks now) const;

    // Joins a network through its controller (§8.1): NETWORK_CONFIG_REQUEST now and every 5 s
    // until a configuration arrives, then every 60 s. Emits Event::network_changed whenever its
    // state or configuration changes. Joining a joined network changes nothing.
    void join(Ticks now, NetworkId nwid);
    // Joins a network with a static (controller-less, public) configuration: our addresses
    // on it come from the local configuration and every static peer is a member.
    void join_static(NetworkId nwid, uint32_t mtu, std::vector<wire::InetPrefix> addresses = {});
    // Leaves a network (either kind); false if it was not joined.
    bool leave(NetworkId nwid);
    std::optional<NetworkStatus> network(NetworkId nwid) const;
    std::vector<NetworkStatus> networks() const;
    // The multicast MACs the local stack listens to on `nwid` (IPv6 all-nodes and
    // solicited-node groups, ...). The node announces them with the groups the configuration
    // implies (broadcast, the ARP group of each IPv4 address, §6.3).
    void set_stack_groups(Ticks now, NetworkId nwid, const std::vector<Mac>& groups);
    // The configuration last accepted for `nwid` (the Dictionary as the controller sent it),
    // for a cache on disk; and its restore at start, so the network comes up before the
    // controller answers (the controller's signature is not kept: the cache is trusted).
    std::optional<std::vector<uint8_t>> network_config_blob(NetworkId nwid) const;
    bool restore_network_config(Ticks now, NetworkId nwid, std::span<const uint8_t> dictionary);

    // The controller role (spec §9): requests for networks under our address go to
    // `controller` (null: refused with UNSUPPORTED_OPERATION, the default). It answers with:
    void set_network_controller(NetworkController* controller);
    //  - a configuration for `member`, signed in chunks: OK(NETWORK_CONFIG_REQUEST) when
    //    `request_packet_id` is the request's, NETWORK_CONFIG (a push) when it is 0;
    void send_network_config(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address member,
                             const vl2::NetworkConfig& config);
    //  - or ERROR(code) in reply to the request (OBJ_NOT_FOUND, NETWORK_ACCESS_DENIED, ...);
    void send_network_error(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address member, ErrorCode code);
    //  - and revocations for members that lost their membership, to each online member (§9.3).
    void send_revocation(Ticks now, Address member, const vl2::Revocation& revocation);

    // Largest UDP datagram we send (head or fragment); default 1432 (spec §3.2).
    void set_physical_mtu(size_t bytes);

    // Inputs.
    void on_udp(Ticks now, LocalSocket local, const Endpoint& from, std::span<const uint8_t> datagram);
    void on_frame(Ticks now, NetworkId nwid, const Frame& frame);
    // Runs what is due and returns when to be called next (absolute Ticks).
    Ticks on_timer(Ticks now);
    // The earliest time on_timer wants to run; inputs (on_udp, on_frame) may lower it, so
    // the runtime checks it after each batch of inputs.
    Ticks next_deadline() const;

    NodeStats stats() const;
    std::vector<PeerStatus> peers() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace zt

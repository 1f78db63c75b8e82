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
#include "core/rng.hpp"
#include "core/types.hpp"
#include "core/wire/drop.hpp"
#include "core/world/world.hpp"

namespace zt {

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
    };
    Kind kind = Kind::packet_dropped;
    Drop drop = Drop::too_short;
    Address peer;
    Endpoint endpoint;
    uint64_t packet_id = 0;
    uint8_t verb = 0;
    uint8_t code = 0;
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

inline constexpr size_t kDropReasons = size_t(Drop::bad_world) + 1;

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

// One network this node is a member of. For the static slice there is no controller: the
// membership is public and every static peer is a member (see Node::join_static).
struct NetworkStatus {
    NetworkId nwid;
    Mac mac;
    uint32_t mtu = 0;
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

    // Joins a network with a static (controller-less, public) configuration.
    void join_static(NetworkId nwid, uint32_t mtu);
    std::optional<NetworkStatus> network(NetworkId nwid) const;

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

// Node::Impl, shared by the files of core/node/: the receive pipeline (node.cpp), the VL1
// verbs (vl1.cpp) and the virtual networks (vl2.cpp). Private to the core.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/bytes.hpp"
#include "core/node/expected_replies.hpp"
#include "core/node/multicaster.hpp"
#include "core/node/network.hpp"
#include "core/node/node.hpp"
#include "core/node/peer.hpp"
#include "core/node/recent_packets.hpp"
#include "core/wire/fragment.hpp"
#include "core/wire/packet.hpp"

namespace zt {

namespace vl1 {
struct Error;
}
namespace vl2 {
struct GatherResults;
}

// How long a controller believes the LIKEs and GATHERs of a member it sent a configuration
// (upstream: ZT_NETWORK_AUTOCONF_DELAY * 3).
inline constexpr Ticks kControllerAuthorizedMs = 180000;

// The packet being processed: header values, the authenticated plaintext (verb byte at
// index 27, payload from 28), and where it came from.
struct Inbound {
    Ticks now;
    LocalSocket local;
    Endpoint from;
    wire::PacketHeader header;
    std::span<const uint8_t> packet;  // whole plaintext packet
    std::span<const uint8_t> payload() const { return packet.subspan(kPacketIdxPayload); }
};

// A packet waiting for its peer's identity (spec §7.4: queues of 32, entries live 5 s).
struct QueuedOut {
    Address dest;
    Verb verb;
    Bytes payload;
    Ticks queued;
    bool expect_reply = false;  // register the packet id for its OK once sent
};
// A frame from a peer that failed the membership gate, kept until its credentials arrive.
struct GatedFrame {
    Address from;
    NetworkId nwid;
    Ticks queued;
    LocalSocket local;
    Endpoint endpoint;
    wire::PacketHeader header;
    Bytes packet;  // the plaintext packet
};
struct QueuedIn {
    Address source;
    LocalSocket local;
    Endpoint from;
    Bytes packet;
    Ticks queued;
};
struct WhoisState {
    Ticks first_needed;
    Ticks last_sent = kNever;
};

struct Node::Impl {
    Impl(Host& h, Rng& r, Identity self, Ticks now);

    Host& host;
    Rng& rng;
    Identity self;
    size_t phys_mtu = kDefaultPhysMtu;
    NodeStats stats;

    std::unordered_map<uint64_t, std::unique_ptr<Peer>> peers;
    std::map<Address, Endpoint> static_addresses;  // static peers whose identity we wait for
    std::set<Address> members;                     // static peers: recipients of multicast
    std::map<uint64_t, Network> networks;
    Multicaster multicaster;
    NetworkController* controller = nullptr;
    // Controller role: members we sent a configuration, and when (their LIKEs and GATHERs count).
    std::map<std::pair<uint64_t, uint64_t>, Ticks> controller_authorized;
    std::deque<GatedFrame> gated;
    ExpectedReplies expected;
    wire::Reassembler reassembler;
    Ticks next_ping_check = 0;
    Ticks next_deadline = 0;     // what on_timer last returned, lowered by wake_at
    void wake_at(Ticks t) { next_deadline = std::min(next_deadline, t); }
    // §5.2: identity work for unknown HELLO senders, at most one per 2 s per source IP.
    std::unordered_map<uint64_t, Ticks> identity_rate;
    std::unique_ptr<uint8_t[]> memory_hard_scratch;  // 2 MiB, allocated on first use
    RecentPackets recent;

    // Topology (topology.cpp): the planet's roots, WHOIS and the packets waiting for it.
    uint64_t planet_id = 0, planet_timestamp = 0;
    World planet_world;  // null unless set with the whole signed world
    std::vector<Address> roots;
    bool root_role = false;
    std::map<Address, WhoisState> whois;
    std::deque<QueuedOut> tx_queue;
    std::deque<QueuedIn> rx_queue;
    std::vector<Address> identities_arrived;   // flushed after the current packet
    // What peers (roots first) report as our external address, and our interfaces.
    std::vector<Endpoint> external_endpoints;
    std::vector<Endpoint> local_endpoints;
    std::map<std::pair<uint64_t, uint64_t>, Ticks> last_unite;  // RENDEZVOUS per pair (roots)
    std::map<Address, std::pair<Endpoint, Ticks>> pending_rendezvous;  // for peers being WHOISed
    Ticks last_root_receive = kNever;

    // Scratch buffers (one thread; reused, never reallocated).
    wire::PacketBuf rx;          // reassembled packet
    wire::PacketBuf rx_plain;    // decompressed packet
    wire::PacketBuf tx;          // packet being built
    std::array<uint8_t, wire::kMaxPhysMtu> frag_scratch;
    std::array<uint8_t, kMaxPacketLength> frame_scratch;  // verb payload being built

    // node.cpp
    void on_udp(Ticks now, LocalSocket local, const Endpoint& from, std::span<const uint8_t> datagram);
    void process_packet(Ticks now, LocalSocket local, const Endpoint& from, std::span<uint8_t> pkt);
    void dispatch(Peer& peer, const Inbound& in);
    Ticks on_timer(Ticks now);
    void drop(Drop why, const Endpoint& from, Address peer = Address(), uint64_t packet_id = 0, uint8_t verb = 0);
    void emit(Event ev) { host.on_event(ev); }
    Peer* find_peer(Address a);
    Peer* add_peer(const Identity& id);

    // Builds, armors, fragments and sends one packet to `peer` over `local`/`to`.
    // `payload` is the verb payload (after the verb byte). Returns the wire packet id, 0 on
    // failure.
    // `hello_crypt` applies the HELLO cryptField (§4.5) before armoring.
    uint64_t send_packet(Peer& peer, Verb verb, std::span<const uint8_t> payload, Ticks now,
                         LocalSocket local, const Endpoint& to, Cipher cipher, bool hello_crypt = false);
    // Sends over the best path, else the static endpoint, else through the best root;
    // false if there is no way.
    bool send_to_peer(Peer& peer, Verb verb, std::span<const uint8_t> payload, Ticks now) {
        return send_to_peer_id(peer, verb, payload, now) != 0;
    }
    // The same, returning the wire packet id (0 on failure) for requests that expect an OK.
    uint64_t send_to_peer_id(Peer& peer, Verb verb, std::span<const uint8_t> payload, Ticks now);
    // As send_to_peer, or queues the packet and asks WHOIS when the peer is unknown;
    // `expect_reply` registers the packet id for its OK (now or when the queue flushes).
    bool send_to_address(Address dest, Verb verb, std::span<const uint8_t> payload, Ticks now, bool expect_reply = false);
    // Hands a datagram to the host and counts it.
    void emit_udp(LocalSocket local, const Endpoint& to, std::span<const uint8_t> d, int ttl = 0);
    void send_datagrams(std::span<const uint8_t> armored, LocalSocket local, const Endpoint& to);

    // vl1.cpp
    Peer* authenticate_hello(const Inbound& in, std::span<uint8_t> pkt);
    void handle_hello(Peer& peer, const Inbound& in);
    void handle_ok(Peer& peer, const Inbound& in);
    void handle_error(Peer& peer, const Inbound& in);
    void handle_echo(Peer& peer, const Inbound& in);
    void send_hello(Peer& peer, LocalSocket local, const Endpoint& to, Ticks now);
    void send_ok(Peer& peer, const Inbound& in, Verb in_re, std::span<const uint8_t> body);
    void send_echo(Peer& peer, LocalSocket local, const Endpoint& to, Ticks now);
    // §7.5: a packet from an unknown physical address (hops 0) makes us confirm the path.
    void note_path(Peer& peer, const Inbound& in);
    void confirm_path(Peer& peer, const Inbound& in, int32_t latency_ms);
    void ping_peers(Ticks now);

    // topology.cpp
    void set_planet(uint64_t id, uint64_t ts, const std::vector<RootSpec>& specs);
    void set_planet(const World& w);
    // OK(HELLO)'s world field from a root (§5.2): adopts a valid newer revision of our planet.
    void offer_worlds(Peer& root, const Inbound& in, std::span<const uint8_t> worlds);
    Peer* best_root(Ticks now);
    void contact_roots(Ticks now);
    void need_identity(Address a, Ticks now);
    void handle_whois(Peer& peer, const Inbound& in);
    void on_identity(const Identity& id, Ticks now);
    void flush_arrivals(Ticks now);
    void expire_queues(Ticks now);
    void note_external(Peer& reporter, const Endpoint& ep);

    // relay.cpp
    bool relay(Ticks now, const Endpoint& from, std::span<const uint8_t> datagram, Address dest, Address source,
               bool fragment);
    void unite(Peer& a, Peer& b, Ticks now);
    void handle_rendezvous(Peer& peer, const Inbound& in);
    void handle_push_direct_paths(Peer& peer, const Inbound& in);
    void push_direct_paths(Ticks now);
    void try_path(Peer& peer, LocalSocket local, const Endpoint& to, Ticks now);
    void punch(Peer& peer, const Endpoint& at, Ticks now);

    // network.cpp
    Network* find_network(NetworkId nwid);
    void network_changed(Network& net);
    void join(Ticks now, NetworkId nwid);
    void join_static(NetworkId nwid, uint32_t mtu, std::vector<wire::InetPrefix> addresses);
    bool leave(NetworkId nwid);
    void request_config(Network& net, Ticks now);
    uint64_t handle_config_chunk(Peer& from, const Inbound& in, std::span<const uint8_t> payload);
    bool accept_config_dictionary(Network& net, std::span<const uint8_t> text, Ticks now);
    void apply_config(Network& net, vl2::NetworkConfig cfg, Bytes dictionary, Ticks now);
    void handle_network_config(Peer& peer, const Inbound& in);
    void network_error(Peer& peer, const vl1::Error& err, Ticks now);
    void networks_tick(Ticks now);
    NetworkStatus network_status(const Network& net) const;

    // membership.cpp
    bool gate(Network& net, Peer& peer, Ticks now);
    void send_need_credentials(Peer& peer, const Inbound& in, NetworkId nwid);
    void push_credentials(Network& net, Peer& peer, Ticks now, bool requested);
    void handle_network_credentials(Peer& peer, const Inbound& in);
    bool apply_revocation(Network& net, const vl2::Revocation& rev, Address from, Ticks now);

    // multicast.cpp
    void send_likes(Network& net, Address to, const std::vector<MulticastGroup>& groups, Ticks now);
    void announce_groups_to(Network& net, Address to, Ticks now, Membership& m);
    void announce_groups(Network& net, Ticks now, bool changed);
    bool multicast_authorized(NetworkId nwid, Peer& peer, Ticks now);
    bool subscribed(NetworkId nwid, const MulticastGroup& g) const;
    void gather_results(NetworkId nwid, const MulticastGroup& g, Address asker, uint32_t limit, vl2::GatherResults& out);
    void learn_members(NetworkId nwid, const MulticastGroup& g, const vl2::GatherResults& r, Ticks now);
    void handle_multicast_like(Peer& peer, const Inbound& in);
    void handle_multicast_gather(Peer& peer, const Inbound& in);
    void send_multicast_to(Network& net, const OutboundMulticast& tx, const MulticastGroup& g, Address to,
                           uint32_t gather_limit, Ticks now);
    void send_multicast(Network& net, const MulticastGroup& g, Mac src, uint16_t ethertype,
                        std::span<const uint8_t> payload, Ticks now);

    // vl2.cpp
    void handle_frame(Peer& peer, const Inbound& in);
    void handle_ext_frame(Peer& peer, const Inbound& in);
    void handle_multicast_frame(Peer& peer, const Inbound& in);
    void on_frame(Ticks now, NetworkId nwid, const Frame& f);
    void deliver(Network& net, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload);
    bool filter_out(Network& net, Address to, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload,
                    Ticks now);
    bool filter_in(Network& net, Peer& from, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload);
    bool count_verdict(Network& net, const vl2::FilterResult& r, bool inbound);
    void send_ext_frame(Network& net, Address to, uint8_t flags, Mac src, Mac dst, uint16_t ethertype,
                        std::span<const uint8_t> payload, Ticks now);
    void gate_failed(Network& net, Peer& peer, const Inbound& in);
    void retry_gated(Network& net, Peer& peer, Ticks now);
    std::optional<std::array<uint8_t, 72>> emulated_neighbor_advert(const Network& net, std::span<const uint8_t> ns) const;

    // controller.cpp
    void handle_network_config_request(Peer& peer, const Inbound& in);
    void send_network_config(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address to,
                             const vl2::NetworkConfig& config);
    void send_network_error(Ticks now, NetworkId nwid, uint64_t request_packet_id, Address to, ErrorCode code);
    void send_revocation(Ticks now, Address to, const vl2::Revocation& rev);
};

}  // namespace zt

// Node::Impl, shared by the files of core/node/: the receive pipeline (node.cpp), the VL1
// verbs (vl1.cpp) and the virtual networks (vl2.cpp). Private to the core.
#pragma once

#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/node/expected_replies.hpp"
#include "core/node/node.hpp"
#include "core/node/peer.hpp"
#include "core/wire/fragment.hpp"
#include "core/wire/packet.hpp"

namespace zt {

struct NetworkState {
    NetworkId nwid;
    Mac mac;
    uint32_t mtu = kVirtualMtuDefault;
};

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

struct Node::Impl {
    Impl(Host& h, Rng& r, Identity self, Ticks now);

    Host& host;
    Rng& rng;
    Identity self;
    size_t phys_mtu = kDefaultPhysMtu;
    NodeStats stats;

    std::unordered_map<uint64_t, std::unique_ptr<Peer>> peers;
    std::map<Address, Endpoint> static_addresses;  // static peers whose identity we wait for
    std::map<uint64_t, NetworkState> networks;
    ExpectedReplies expected;
    wire::Reassembler reassembler;
    Ticks next_ping_check = 0;
    // §5.2: identity work for unknown HELLO senders, at most one per 2 s per source IP.
    std::unordered_map<uint64_t, Ticks> identity_rate;
    std::unique_ptr<uint8_t[]> memory_hard_scratch;  // 2 MiB, allocated on first use

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
    // Sends over the best path (or the static endpoint); false if there is no way.
    bool send_to_peer(Peer& peer, Verb verb, std::span<const uint8_t> payload, Ticks now);
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
    void confirm_path(Peer& peer, const Inbound& in);
    void ping_peers(Ticks now);

    // vl2.cpp
    void handle_frame(Peer& peer, const Inbound& in);
    void handle_ext_frame(Peer& peer, const Inbound& in);
    void handle_multicast_frame(Peer& peer, const Inbound& in);
    void on_frame(Ticks now, NetworkId nwid, const Frame& f);
    void deliver(NetworkState& net, Mac src, Mac dst, uint16_t ethertype, std::span<const uint8_t> payload);
};

}  // namespace zt

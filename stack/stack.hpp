// The node's TCP/IP side: one lwIP netif per virtual network and the bridges that connect
// app-side unix sockets (docs/ARCHITECTURE.md "The fd model") to lwIP pcbs. This is the only
// header of stack/ the node runtime includes; it exposes no lwIP type.
//
// Threading: everything runs on the node's loop thread (the Reactor's thread).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "ipc/access_key.hpp"
#include "ipc/control_protocol.hpp"
#include "stack/inet.hpp"
#include "stack/reactor.hpp"

namespace zt::stack {

// A listener of another uid that the node accepted (its process showed the access key), by the
// uid that owns its socket and its sock_id (Stack::adopt_listeners).
struct KeyedListener {
    uint32_t uid;
    uint64_t sock_id;
    bool operator==(const KeyedListener&) const = default;
};

enum class LogLevel { debug, info, warn, error };
using LogFn = std::function<void(LogLevel, const std::string&)>;

// A managed route (spec §8.5 `RT`): `target` is reached on this network, directly (on-link)
// or through the member at `via`.
struct ManagedRoute {
    InetPrefix target;
    std::optional<InetAddr> via;

    friend bool operator==(const ManagedRoute&, const ManagedRoute&) = default;
};

// One joined virtual network as the stack sees it.
struct NetworkSetup {
    NetworkId nwid;
    Mac mac;                          // our MAC on this network
    uint32_t mtu = 2800;
    std::vector<InetPrefix> addrs;    // assigned to us; lwIP uses the first IPv4 and up to 5 IPv6
    std::vector<ManagedRoute> routes; // managed routes beyond the assigned subnets
    // §6.4/§6.6: IPv6 addresses of the RFC4193 and 6PLANE schemes name their member, so frames to
    // them go straight to that member's MAC, without neighbour discovery.
    bool ndp_emulation = false;
};

struct StackOptions {
    uint64_t home_hash = 0;  // names the 'T', 'L' and 'A' sockets
    uid_t uid = 0;           // peers of this uid are trusted (SO_PEERCRED)
    LogFn log;               // may be empty
    // The multicast MACs lwIP listens to on a network (IPv6 all-nodes and solicited-node groups,
    // IPv4 groups) changed: the node announces them (MULTICAST_LIKE). May be empty.
    std::function<void(NetworkId, const std::vector<Mac>&)> multicast_changed;
    // Peers of other uids are served when they show this key (ipc/access_key.hpp); all zero: never.
    ztctl::AccessKey access_key{};
};

struct StackStats {
    uint64_t frames_in = 0, frames_out = 0, frames_dropped = 0;
    uint64_t tcp_conns_total = 0, tcp_splices_total = 0;
    uint64_t refused_uid = 0;  // control and 'T' connections of another uid without the access key
    uint64_t udp_dropped_app_full = 0, udp_dropped_bad = 0;
    // IP fragment reassembly in front of lwIP, all networks (see ip_reassembly.hpp).
    uint64_t ip_fragments = 0, ip_reassembled = 0, ip_reassembly_timeouts = 0, ip_fragments_dropped = 0;
};

// One virtual socket of a wrapped program, as `ztstatus sockets` lists it (Stack::sockets).
struct SocketInfo {
    bool tcp = true;                       // else UDP
    // TCP: LISTEN, BOUND (bound, not listening), SYN_SENT, ESTABLISHED, FIN_WAIT1, FIN_WAIT2,
    // CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT (lwIP's pcb states, netstat's names);
    // UDP: UNCONNECTED, CONNECTED.
    std::string state;
    InetAddr local, remote;                // family 0: none (not yet bound, not connected)
    pid_t pid = 0;                         // the process that made it (an accepted connection:
                                           // the listener's); 0 if unknown
    uint64_t app_inode = 0;                // the socket inode the program's fd refers to, 0 if
                                           // unknown: /proc/<pid>/fd/<fd> -> "socket:[inode]"
    uint64_t bytes_in = 0, bytes_out = 0;  // received and sent by the program
};

class Stack {
public:
    // `send_frame` receives every Ethernet frame lwIP transmits (dst MAC, src MAC, ethertype,
    // payload). It must not call on_frame() synchronously.
    using FrameOut = std::function<void(NetworkId, std::span<const uint8_t>)>;

    Stack(Reactor& reactor, StackOptions options, FrameOut send_frame);
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    // Initialises lwIP and opens the 'T' listener. False with a message on failure.
    bool start(std::string& error);
    // Accepts the connections waiting on 'T'; returns how many (the node checks this before
    // it exits), then stop_accepting() closes 'T'.
    int accept_pending();
    void stop_accepting();
    // Takes over the TCP listeners wrapped programs already hold for this home (a node that
    // starts after another one ended: stack/unix_listeners.hpp): the node's own uid's, and those
    // of other uids in `keyed` (accepted before from processes that showed the access key),
    // from which the ones not found are removed. Call once the networks are set. Returns how
    // many it took.
    int adopt_listeners(std::vector<KeyedListener>& keyed);

    // Adds, updates and removes netifs so that they match `networks`.
    void set_networks(const std::vector<NetworkSetup>& networks);
    // The networks as configured in lwIP (addresses lwIP cannot use are left out).
    const std::vector<NetworkSetup>& networks() const;
    const ztctl::AccessKey& access_key() const;

    // A frame from the virtual network. Frames for other hosts, from our own addresses, or
    // malformed are dropped and counted.
    void on_frame(NetworkId nwid, std::span<const uint8_t> frame);

    // Control operations (ipc/control_protocol.hpp), named op_<Op>. Errors are positive
    // errnos. (Not plain tcp_listen etc.: lwIP defines some of those names as macros.)
    struct BindResult {
        int err = 0;
        ztctl::NameAddr local{};
    };
    // `pid`: the requesting process (SO_PEERCRED of its control connection), for sockets().
    BindResult op_tcp_bind(const ztctl::TcpBind& req, pid_t pid = 0);
    int op_tcp_listen(const ztctl::TcpListen& req);
    int op_tcp_release(uint64_t sock_id);
    struct ConnStatus {
        ztctl::ConnState state = ztctl::ConnState::unknown;
        int conn_err = 0;
        ztctl::NameAddr local{}, peer{};
    };
    ConnStatus op_conn_status(uint64_t conn_id) const;
    struct UdpOpenResult {
        int err = 0;
        ztctl::NameAddr local{};
        int app_fd = -1;  // the app's SOCK_SEQPACKET end; the caller sends it and closes it
    };
    UdpOpenResult op_udp_open(const ztctl::UdpOpen& req, pid_t pid = 0);
    BindResult op_udp_connect(const ztctl::UdpConnect& req);
    int op_set_option(const ztctl::SetOption& req);

    // Connections the node itself makes (the SOCKS and HTTP proxy, port forwards). `fd` is a
    // connected kernel stream socket (non-blocking), owned by the stack from now on; it is bridged
    // to a new TCP connection to `dst` on the virtual network, as an app's carrier would be.
    // `done` runs once, before any byte from `dst` is written to `fd`: err 0 and the local
    // address once connected, or the errno of the failure (the stack then closes `fd`; `done`
    // may still write to it first). `prefix` goes to `dst` ahead of what is read from `fd`.
    // Destinations are checked as an app's connect() is (own addresses, routes).
    using ExternalDone = std::function<void(int err, const InetAddr& local)>;
    void connect_external(int fd, const InetAddr& dst, std::vector<uint8_t> prefix, ExternalDone done);
    // Listens on the virtual `vaddr` (an address of ours or the wildcard, with a port) and
    // bridges each accepted connection to a new kernel TCP connection to `target`; a target
    // that refuses resets the virtual connection. Returns an errno (EADDRINUSE, ...).
    int expose(const InetAddr& vaddr, const InetAddr& target);
    // One of our own addresses, or inside a joined network's subnet or managed route.
    bool on_network(const InetAddr& a) const;

    // Bridged TCP connections (any state), splices, listening sockets and UDP sockets: the
    // node must not exit while this is non-zero.
    size_t live_count() const;
    StackStats stats() const;
    void count_refused_uid();
    // Every listener, bound port, bridged TCP connection (both ends of one to our own address)
    // and UDP socket, for diagnostics; one sock_diag dump finds the programs' inodes.
    std::vector<SocketInfo> sockets() const;

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace zt::stack

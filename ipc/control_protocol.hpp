// The local protocol between libztintercept.so (the shim, in the app) and ztnode (the node
// runtime): unix socket names, the TCP connect preamble, control messages and the UDP
// message header. Both sides include this file; it depends on nothing but libc headers.
// docs/ARCHITECTURE.md ("The fd model") explains how the pieces fit together.
//
// All integers are host byte order (the two processes share a machine), except IP
// addresses and ports, which are kept in network byte order exactly as in sockaddr_in(6).
// Every struct is trivially copyable, fixed size, and copied with memcpy; a receiver checks
// the message length and `version` before using anything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ztctl {

inline constexpr uint16_t kVersion = 3;  // 2: access keys (Attach, PreambleHeader::key); 3: UdpOpen::reuseport

// ---------------------------------------------------------------------------------------
// Unix socket names (all in the abstract namespace: sun_path[0] == '\0').
//
// Every name starts with "\0zti" + a kind byte + the 8-byte home hash (fnv1a64 of the
// realpath of ZT_HOME, little-endian), so that nodes of different homes never meet and a
// name found on an inherited fd (after exec) can be decoded without asking anyone.
//
//   kind 'K'  node control listener, SOCK_SEQPACKET           "\0zti" K hash
//   kind 'T'  node TCP-connect listener, SOCK_STREAM           "\0zti" T hash
//   kind 'L'  an app's virtual TCP listener (app listens)      "\0zti" L hash NameAddr sock_id
//   kind 'A'  node's connector for an accepted connection      "\0zti" A hash NameAddr(peer) NameAddr(local) uniq
//   kind 'S'  status listener (ztnode and ztroot), SOCK_STREAM: "json\n" or "text\n" in, the status out
//   kind 'C'  app side of a connecting/connected TCP client    "\0zti" C hash NameAddr(peer) conn_id
//   kind 'U'  app end of a UDP pair (bound by the shim only)   "\0zti" U hash NameAddr(local) sock_id
//             (socketpair ends are unnamed; the name lets an exec'd program recognise the fd)
// ---------------------------------------------------------------------------------------
inline constexpr char kNamePrefix[4] = {'\0', 'z', 't', 'i'};
enum class NameKind : char {
    control = 'K', tcp_connect = 'T', listener = 'L', accepted = 'A', client = 'C', udp = 'U', status = 'S'
};

// A virtual IP address + port as it appears inside names and messages.
struct NameAddr {
    uint8_t family;     // 4 or 6 (never AF_* values: those differ between ABIs)
    uint8_t ip[16];     // v4 in the first 4 bytes; network order
    uint16_t port_be;   // network order
} __attribute__((packed));
static_assert(sizeof(NameAddr) == 19);

// Layout helpers: offsets into sun_path.
inline constexpr size_t kNameHeader = 4 + 1 + 8;  // prefix, kind, hash
inline constexpr size_t kListenerNameLen = kNameHeader + sizeof(NameAddr) + 8;
inline constexpr size_t kAcceptedNameLen = kNameHeader + 2 * sizeof(NameAddr) + 8;
inline constexpr size_t kClientNameLen = kNameHeader + sizeof(NameAddr) + 8;
inline constexpr size_t kUdpNameLen = kNameHeader + sizeof(NameAddr) + 8;
inline constexpr size_t kNodeNameLen = kNameHeader;

// FNV-1a 64 of the home path; used only to separate homes, not for security (the node and
// the shim check SO_PEERCRED uids on every control/listener connection).
inline uint64_t home_hash(const char* path) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char* p = path; *p; ++p) {
        h ^= uint8_t(*p);
        h *= 0x100000001b3ULL;
    }
    return h;
}

// Writes prefix + kind + hash into `out` (>= kNameHeader bytes); returns kNameHeader.
inline size_t write_name_header(char* out, NameKind kind, uint64_t hash) {
    std::memcpy(out, kNamePrefix, 4);
    out[4] = char(kind);
    std::memcpy(out + 5, &hash, 8);
    return kNameHeader;
}

// ---------------------------------------------------------------------------------------
// TCP connect preamble (shim -> node on a fresh connection to the 'T' listener).
//
// The shim writes PreambleHeader followed by zero padding up to `total_len` bytes, sized so
// that the unread preamble holds back POLLOUT (see research/fd-model-facts.md Q1: charge >
// SO_SNDBUF/4; ~50.6 KB at the default buffer. Every byte written is charged at least one byte,
// so total_len = SO_SNDBUF/4 + 1 (rounded up) always suffices; the shim confirms with a
// 0-timeout poll and logs if POLLOUT still shows, but never writes more than `total_len`: the
// node reads `total_len` from the header and consumes exactly that many bytes, in one recv,
// only once the lwIP connection is established). If the connection fails, the node closes its
// end without reading: the app sees POLLOUT|POLLERR|POLLHUP and asks for the reason with ConnStatus.
// ---------------------------------------------------------------------------------------
inline constexpr uint32_t kPreambleMagic = 0x5a544331;  // "ZTC1"

enum PreambleFlags : uint32_t {
    kPreambleKeepalive = 1u << 0,   // SO_KEEPALIVE was set before connect
    kPreambleBound = 1u << 1,       // `sock_id` names a pcb reserved by TcpBind
};

struct PreambleHeader {
    uint32_t magic;          // kPreambleMagic
    uint16_t version;        // kVersion
    uint16_t header_len;     // sizeof(PreambleHeader)
    uint32_t total_len;      // header + padding; the node consumes exactly this many bytes
    uint32_t flags;          // PreambleFlags
    uint64_t conn_id;        // random, chosen by the shim; key for ConnStatus
    uint64_t sock_id;        // with kPreambleBound: the TcpBind reservation to connect from
    NameAddr peer;           // destination
    uint8_t pad_[5];
    uint32_t keepalive_idle_s, keepalive_intvl_s, keepalive_cnt;  // 0 = node default
    uint8_t key[16];         // the home's access key (ipc/access_key.hpp); needed when the
                             // connecting process's uid is not the node's
} __attribute__((packed));

// ---------------------------------------------------------------------------------------
// Control channel: SOCK_SEQPACKET to the 'K' listener; one request per message, one reply
// per request (same `req_id`), in order. Replies may carry one fd (SCM_RIGHTS) where noted.
// A process opens its own control connection (a forked child reconnects).
// ---------------------------------------------------------------------------------------
enum class Op : uint16_t {
    hello = 1,         // -> HelloReply + NetworkInfo[count]
    tcp_bind = 2,      // TcpBind -> BindReply: reserve a virtual TCP port
    tcp_listen = 3,    // TcpListen -> Reply: lwIP listens and connects accepted conns to the 'L' name
    tcp_release = 4,   // SockRef -> Reply: the app closed a bound/listening socket (node re-checks liveness)
    conn_status = 5,   // ConnRef -> ConnStatusReply
    udp_open = 6,      // UdpOpen -> BindReply + fd (SOCK_SEQPACKET end) on success
    udp_connect = 7,   // UdpConnect -> BindReply (local address after connect)
    set_option = 8,    // SetOption -> Reply (keepalive, linger-abort, ...)
    join = 9,          // Join -> Reply: join a network (the app's ZT_NETWORKS); EINVAL if the node cannot
    attach = 10,       // Attach -> AttachReply: the first request of a connection whose uid is not
                       // the node's (anything else first, or a wrong key: EACCES and the node hangs up)
};

struct MsgHeader {
    uint16_t version;   // kVersion
    Op op;
    uint32_t req_id;    // echoed in the reply
} __attribute__((packed));

// Every reply starts with this; `err` is 0 or a positive errno the shim returns to the app.
struct ReplyHeader {
    MsgHeader h;
    int32_t err;
} __attribute__((packed));

// hello: the shim announces itself; the node answers with what the routing policy needs.
struct Hello {
    MsgHeader h;
    int32_t pid;
} __attribute__((packed));

// attach: shows the home's access key. On a connection the node trusts by uid the key may be all
// zero, and the reply carries the key (so that the shim can keep it across a privilege drop and
// hand it to the programs it execs); on any other connection the reply's key is all zero.
struct Attach {
    MsgHeader h;
    int32_t pid;
    uint8_t key[16];
} __attribute__((packed));

struct AttachReply {
    ReplyHeader r;
    uint32_t node_uid;                  // the uid the node runs as
    uint8_t key[16];
} __attribute__((packed));

struct NetworkInfo {
    uint64_t nwid;
    uint32_t mtu;
    uint8_t addr_count;                 // virtual addresses assigned to us
    uint8_t route_count;                // extra routed prefixes (managed routes)
    uint8_t pad_[2];
    struct Prefix {
        NameAddr addr;                  // port_be unused
        uint8_t prefix_len;
    } __attribute__((packed)) addrs[8], routes[16];
} __attribute__((packed));

struct HelloReply {
    ReplyHeader r;
    uint64_t node_address;              // our 40-bit ZeroTier address
    uint32_t network_count;             // NetworkInfo entries follow in the same message
    uint32_t pad_;
} __attribute__((packed));

inline constexpr size_t kMaxNetworks = 16;

// join: the network `nwid`, through its controller (addr_count 0) or statically with addresses.
// Joining a network the node is on already changes nothing.
struct Join {
    MsgHeader h;
    uint64_t nwid;
    uint8_t addr_count;
    uint8_t pad_[7];
    NetworkInfo::Prefix addrs[8];
} __attribute__((packed));

// tcp_bind: reserve (family, ip, port); port 0 = ephemeral; ip all-zero = wildcard (v6
// wildcard with !v6only accepts v4 too).
struct TcpBind {
    MsgHeader h;
    uint64_t sock_id;                   // random, chosen by the shim
    NameAddr local;
    uint8_t reuseaddr;
    uint8_t v6only;
    uint8_t reuseport;                  // SO_REUSEPORT: joins a group bound to the same address
    uint8_t freebind;                   // IP_FREEBIND / IPV6_FREEBIND: an address not (yet) ours
} __attribute__((packed));

struct BindReply {
    ReplyHeader r;                      // EADDRINUSE, EADDRNOTAVAIL, ...
    NameAddr local;                     // the address actually bound (port filled in)
} __attribute__((packed));

// tcp_listen: the app's fd is now a unix listener bound to the 'L' name for sock_id.
struct TcpListen {
    MsgHeader h;
    uint64_t sock_id;
    int32_t backlog;
} __attribute__((packed));

struct SockRef {
    MsgHeader h;
    uint64_t sock_id;
} __attribute__((packed));

struct ConnRef {
    MsgHeader h;
    uint64_t conn_id;
} __attribute__((packed));

enum class ConnState : uint8_t { unknown = 0, connecting = 1, established = 2, failed = 3, closed = 4 };

struct ConnStatusReply {
    ReplyHeader r;
    ConnState state;
    int32_t conn_err;                   // for failed: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ...
    NameAddr local;                     // valid once established (or failed after bind)
    NameAddr peer;
} __attribute__((packed));

// udp_open: the node creates a udp pcb bound to `local` and a SOCK_SEQPACKET socketpair;
// the reply carries the app's end as an SCM_RIGHTS fd.
struct UdpOpen {
    MsgHeader h;
    uint64_t sock_id;
    NameAddr local;                     // port 0 = ephemeral; ip zero = wildcard
    uint8_t reuseaddr;
    uint8_t v6only;
    uint8_t freebind;                   // IP_FREEBIND / IPV6_FREEBIND
    uint8_t reuseport;                  // SO_REUSEPORT: datagrams are dealt among the group by source
} __attribute__((packed));

struct UdpConnect {
    MsgHeader h;
    uint64_t sock_id;
    NameAddr peer;                      // family 0 = disconnect (AF_UNSPEC)
} __attribute__((packed));

enum class OptionId : uint16_t {
    keepalive = 1,        // value: 0/1
    keepalive_idle = 2,   // seconds
    keepalive_intvl = 3,
    keepalive_cnt = 4,
    abort_on_close = 5,   // SO_LINGER {1, 0}: the next close is an abort (RST)
};

// set_option on a TCP connection (conn_id for clients, the accepted name's uniq for
// accepted connections) or a bound socket (sock_id).
struct SetOption {
    MsgHeader h;
    uint64_t id;
    OptionId option;
    int32_t value;
} __attribute__((packed));

// ---------------------------------------------------------------------------------------
// UDP datagrams on the SOCK_SEQPACKET pair: each message is UdpHeader + payload.
// App -> node: `addr` is the destination (family 0 = the connected peer).
// Node -> app: `addr` is the source.
// ---------------------------------------------------------------------------------------
struct UdpHeader {
    NameAddr addr;
    uint8_t pad_;
} __attribute__((packed));
static_assert(sizeof(UdpHeader) == 20);

template <class T>
inline constexpr bool kWireSafe = std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>;
static_assert(kWireSafe<PreambleHeader> && kWireSafe<HelloReply> && kWireSafe<NetworkInfo>);

}  // namespace ztctl

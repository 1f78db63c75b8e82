// getsockopt()/setsockopt(). A kernel socket (not yet swapped) answers for itself; options it
// accepts are recorded so they can be emulated after the swap. On a carrier: SO_TYPE/SO_DOMAIN/
// SO_PROTOCOL/SO_ACCEPTCONN and SO_ERROR are derived; buffer sizes and timeouts are the carrier's
// own; keepalive and linger-abort are forwarded to the node; other TCP/IP options are stored and
// read back (booleans normalised, defaults as a fresh Linux TCP/UDP socket reports them).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstring>

#include "intercept/common.hpp"
#include "intercept/control_client.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

namespace zti {
namespace {

// Options the carrier itself holds (and the kernel socket's values are re-applied to it).
bool carrier_option(int level, int name) {
    if (level != SOL_SOCKET) return false;
    switch (name) {
    case SO_SNDBUF: case SO_RCVBUF: case SO_SNDBUFFORCE: case SO_RCVBUFFORCE: case SO_RCVLOWAT:
    case SO_RCVTIMEO_OLD: case SO_SNDTIMEO_OLD: case SO_RCVTIMEO_NEW: case SO_SNDTIMEO_NEW:
    case SO_COOKIE: case SO_MEMINFO: case SO_BUSY_POLL:
        return true;
    default:
        return false;
    }
}

bool boolean_option(int level, int name) {
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_KEEPALIVE: case SO_REUSEADDR: case SO_REUSEPORT: case SO_BROADCAST: case SO_OOBINLINE:
        case SO_DONTROUTE: case SO_TIMESTAMP_OLD: case SO_TIMESTAMPNS_OLD: case SO_NO_CHECK: case SO_PASSCRED:
            return true;
        }
    } else if (level == IPPROTO_TCP) {
        switch (name) {
        case TCP_NODELAY: case TCP_CORK: case TCP_QUICKACK: case TCP_THIN_LINEAR_TIMEOUTS:
            return true;
        }
    } else if (level == IPPROTO_IP) {
        switch (name) {
        case IP_PKTINFO: case IP_RECVTOS: case IP_RECVTTL: case IP_RECVERR: case IP_FREEBIND:
        case IP_TRANSPARENT: case IP_MULTICAST_LOOP:
            return true;
        }
    } else if (level == IPPROTO_IPV6) {
        switch (name) {
        case IPV6_V6ONLY: case IPV6_RECVPKTINFO: case IPV6_RECVERR: case IPV6_MULTICAST_LOOP:
            return true;
        }
    }
    return false;
}

// The value a fresh socket reports for an int option nobody set; false if the level/option is
// unknown for this socket type (ENOPROTOOPT).
bool default_int(const FdEntry& e, int level, int name, int& v) {
    v = 0;
    if (level == SOL_SOCKET) return true;  // SO_KEEPALIVE, SO_REUSEADDR, SO_PRIORITY, SO_MARK ... all 0
    if (level == IPPROTO_TCP) {
        if (e.type != SOCK_STREAM) return false;
        switch (name) {
        case TCP_NODELAY: case TCP_CORK: case TCP_DEFER_ACCEPT: case TCP_WINDOW_CLAMP: case TCP_USER_TIMEOUT:
        case TCP_FASTOPEN: case TCP_FASTOPEN_CONNECT: case TCP_NOTSENT_LOWAT: case TCP_THIN_LINEAR_TIMEOUTS:
            return true;
        case TCP_MAXSEG: v = 1448; return true;
        case TCP_KEEPIDLE: v = 7200; return true;
        case TCP_KEEPINTVL: v = 75; return true;
        case TCP_KEEPCNT: v = 9; return true;
        case TCP_SYNCNT: v = 6; return true;
        case TCP_LINGER2: v = 60; return true;
        case TCP_QUICKACK: v = 1; return true;
        default: return false;
        }
    }
    if (level == IPPROTO_IP) {
        switch (name) {
        case IP_TTL: v = 64; return true;
        case IP_MULTICAST_TTL: v = 1; return true;
        case IP_MULTICAST_LOOP: v = 1; return true;
        case IP_MTU_DISCOVER: v = e.type == SOCK_STREAM ? IP_PMTUDISC_WANT : IP_PMTUDISC_DONT; return true;
        case IP_TOS: case IP_PKTINFO: case IP_RECVTOS: case IP_RECVTTL: case IP_RECVERR: case IP_FREEBIND:
        case IP_TRANSPARENT: case IP_BIND_ADDRESS_NO_PORT:
            return true;
        default: return false;
        }
    }
    if (level == IPPROTO_IPV6) {
        if (e.domain != AF_INET6) return false;
        switch (name) {
        case IPV6_UNICAST_HOPS: v = 64; return true;
        case IPV6_MULTICAST_HOPS: v = 1; return true;
        case IPV6_MULTICAST_LOOP: v = 1; return true;
        case IPV6_V6ONLY: case IPV6_TCLASS: case IPV6_RECVPKTINFO: case IPV6_RECVERR: case IPV6_MTU_DISCOVER:
            return true;
        default: return false;
        }
    }
    return false;
}

int put(void* val, socklen_t* len, const void* src, size_t n) {
    if (!len) return fail(EFAULT);
    if (int(*len) < 0) return fail(EINVAL);
    const size_t m = *len < n ? *len : n;
    if (m > 0) {
        if (!val) return fail(EFAULT);
        std::memcpy(val, src, m);
    }
    *len = socklen_t(m);
    return 0;
}

int put_int(void* val, socklen_t* len, int v) { return put(val, len, &v, sizeof v); }

int so_error(int fd, const FdEntry& e, void* val, socklen_t* len) {
    if (e.kind == Kind::tcp_client && e.state == ConnState::connecting) {
        if (probe_connect(fd) == Progress::failed) return put_int(val, len, take_connect_error(fd));
        return put_int(val, len, 0);
    }
    return real::getsockopt(fd, SOL_SOCKET, SO_ERROR, val, len);
}

uint8_t tcp_state(int fd, const FdEntry& e) {
    switch (e.kind) {
    case Kind::tcp_listener: return 10;  // TCP_LISTEN
    case Kind::tcp_accepted: return 1;   // TCP_ESTABLISHED
    case Kind::tcp_client:
        if (e.state == ConnState::connected) return 1;
        if (e.state == ConnState::connecting) return probe_connect(fd) == Progress::established ? 1 : 2;
        return 7;  // TCP_CLOSE
    default: return 7;
    }
}

int emulate_get(int fd, const FdEntry& e, int level, int name, void* val, socklen_t* len) {
    if (carrier_option(level, name)) return real::getsockopt(fd, level, name, val, len);
    if (level == SOL_SOCKET) {
        switch (name) {
        case SO_TYPE: return put_int(val, len, e.type);
        case SO_DOMAIN: return put_int(val, len, e.domain);
        case SO_PROTOCOL: return put_int(val, len, e.protocol);
        case SO_ACCEPTCONN: return put_int(val, len, e.kind == Kind::tcp_listener);
        case SO_ERROR: return so_error(fd, e, val, len);
        case SO_PEERCRED: {
            ucred c{0, uid_t(-1), gid_t(-1)};
            return put(val, len, &c, sizeof c);
        }
        case SO_LINGER: {
            linger l{0, 0};
            if (const StoredOption* o = e.find_opt(level, name)) std::memcpy(&l, o->value, sizeof l);
            return put(val, len, &l, sizeof l);
        }
        case SO_BINDTODEVICE: {
            const StoredOption* o = e.find_opt(level, name);
            return put(val, len, o ? o->value : nullptr, o ? strnlen(reinterpret_cast<const char*>(o->value), o->len) : 0);
        }
        }
    }
    if (level == IPPROTO_TCP && e.type == SOCK_STREAM) {
        if (name == TCP_INFO) {
            tcp_info ti{};
            ti.tcpi_state = tcp_state(fd, e);
            ti.tcpi_snd_mss = ti.tcpi_rcv_mss = 1448;
            ti.tcpi_pmtu = 1500;
            ti.tcpi_snd_cwnd = 10;
            return put(val, len, &ti, sizeof ti);
        }
        if (name == TCP_CONGESTION) {
            const StoredOption* o = e.find_opt(level, name);
            char cc[16] = "cubic";
            if (o) std::memcpy(cc, o->value, o->len < sizeof cc ? o->len : sizeof cc);
            return put(val, len, cc, sizeof cc);
        }
    }
    if (const StoredOption* o = e.find_opt(level, name)) {
        if (boolean_option(level, name)) return put_int(val, len, e.opt_int(level, name, 0) != 0);
        return put(val, len, o->value, o->len);
    }
    int v;
    if (!default_int(e, level, name, v)) {
        if (level == SOL_SOCKET) return real::getsockopt(fd, level, name, val, len);
        return fail(ENOPROTOOPT);
    }
    return put_int(val, len, v);
}

int emulate_set(int fd, const FdEntry& e, int level, int name, const void* val, socklen_t len) {
    if (len > 0 && !val) return fail(EFAULT);
    if (carrier_option(level, name)) {
        const int r = real::setsockopt(fd, level, name, val, len);
        if (r == 0) g_fds.update(fd, [&](FdEntry& x) { x.set_opt(level, name, val, len); });
        return r;
    }
    if (level == IPPROTO_TCP && e.type != SOCK_STREAM) return fail(ENOPROTOOPT);
    if (level == IPPROTO_IPV6 && e.domain != AF_INET6) return fail(ENOPROTOOPT);
    if (level != SOL_SOCKET && level != IPPROTO_TCP && level != IPPROTO_IP && level != IPPROTO_IPV6 &&
        level != IPPROTO_UDP)
        return fail(ENOPROTOOPT);
    const bool string_opt = (level == SOL_SOCKET && name == SO_BINDTODEVICE) || (level == IPPROTO_TCP && name == TCP_CONGESTION);
    if (level == SOL_SOCKET && name == SO_LINGER) {
        if (len < sizeof(linger)) return fail(EINVAL);
    } else if (!string_opt && len < sizeof(int) && !(level == IPPROTO_IP && len >= 1)) {
        return fail(EINVAL);
    }
    g_fds.update(fd, [&](FdEntry& x) { x.set_opt(level, name, val, len > 27 ? 27 : len); });
    int v = 0;
    if (len >= sizeof v) std::memcpy(&v, val, sizeof v);
    // Forward what the node implements on an existing connection or listener.
    const bool tcp = e.kind == Kind::tcp_client || e.kind == Kind::tcp_accepted || e.kind == Kind::tcp_listener;
    if (tcp) {
        if (level == SOL_SOCKET && name == SO_KEEPALIVE) send_option(e.id, int(ztctl::OptionId::keepalive), v != 0);
        if (level == IPPROTO_TCP && name == TCP_KEEPIDLE) send_option(e.id, int(ztctl::OptionId::keepalive_idle), v);
        if (level == IPPROTO_TCP && name == TCP_KEEPINTVL) send_option(e.id, int(ztctl::OptionId::keepalive_intvl), v);
        if (level == IPPROTO_TCP && name == TCP_KEEPCNT) send_option(e.id, int(ztctl::OptionId::keepalive_cnt), v);
    }
    return 0;
}

}  // namespace

int on_getsockopt(int fd, int level, int name, void* val, socklen_t* len) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::none) {
        const int r = real::getsockopt(fd, level, name, val, len);
        if (r != 0 && !(level == IPPROTO_TCP || level == IPPROTO_IP || level == IPPROTO_IPV6)) return r;
        if (r == 0 && level != SOL_SOCKET) return r;
        // An untracked carrier (inherited across exec) answers AF_UNIX/SEQPACKET/0: recognise it.
        const bool unixish = r == 0 && level == SOL_SOCKET && val && len && *len >= sizeof(int) &&
                             ((name == SO_DOMAIN && *static_cast<int*>(val) == AF_UNIX) ||
                              (name == SO_TYPE && *static_cast<int*>(val) == SOCK_SEQPACKET) ||
                              (name == SO_PROTOCOL && *static_cast<int*>(val) == 0));
        const bool tcpish = r != 0 && (level == IPPROTO_TCP || level == IPPROTO_IP || level == IPPROTO_IPV6) &&
                            (errno == EOPNOTSUPP || errno == ENOPROTOOPT);
        if (!(unixish || tcpish)) return r;
        const int saved = errno;
        if (adopt_unix(fd) == Kind::none) {
            errno = saved;
            return r;
        }
        k = g_fds.kind(fd);
    }
    if (!is_virtual(k)) return k == Kind::ours ? fail(EBADF) : real::getsockopt(fd, level, name, val, len);
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::getsockopt(fd, level, name, val, len);
    return emulate_get(fd, e, level, name, val, len);
}

int on_setsockopt(int fd, int level, int name, const void* val, socklen_t len) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::none || foreign_process()) return real::setsockopt(fd, level, name, val, len);
    if (k == Kind::ours) return fail(EBADF);
    if (k == Kind::inet || k == Kind::tcp_bound) {  // the kernel socket validates; we record
        const int r = real::setsockopt(fd, level, name, val, len);
        if (r == 0 && val) g_fds.update(fd, [&](FdEntry& x) { x.set_opt(level, name, val, len > 27 ? 27 : len); });
        return r;
    }
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::setsockopt(fd, level, name, val, len);
    return emulate_set(fd, e, level, name, val, len);
}

}  // namespace zti

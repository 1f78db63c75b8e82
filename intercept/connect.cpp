// connect(): virtual TCP clients (carrier + preamble, kernel-exact progress reporting) and UDP
// connect on virtual sockets. Everything else goes to the kernel.
//
// TCP client states (FdEntry::state), mirroring the kernel's socket state:
//   connecting --POLLOUT, no POLLERR--> (established; still `connecting` until a connect() sees it)
//   connecting --connect() sees established--> connected      (returns 0; the next gives EISCONN)
//   connecting --POLLERR: node closed its end unread--> failed (reason reported once)
//   failed --connect()--> connecting with a fresh carrier (or back to a kernel socket)
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include <cstring>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/names.hpp"
#include "intercept/ops.hpp"
#include "intercept/preamble.hpp"
#include "intercept/privileges.hpp"
#include "intercept/real.hpp"
#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

int64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// SO_SNDTIMEO of the fd in ms; -1 = none (wait forever).
int sndtimeo_ms(int fd) {
    timeval tv{};
    socklen_t l = sizeof tv;
    if (real::getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) != 0) return -1;
    if (tv.tv_sec == 0 && tv.tv_usec == 0) return -1;
    const int64_t ms = int64_t(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
    return ms > INT_MAX ? INT_MAX : int(ms);
}

// A signal interrupted our wait. The kernel restarts an interrupted blocking connect when the
// handler has SA_RESTART; we cannot know which signal it was, so we restart only if every
// installed handler has SA_RESTART.
bool all_handlers_restart() {
    for (int sig = 1; sig < NSIG; ++sig) {
        struct sigaction sa;
        if (sigaction(sig, nullptr, &sa) != 0) continue;
        if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN) continue;
        if (!(sa.sa_flags & SA_RESTART)) return false;
    }
    return true;
}

bool write_all(int s, const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
        const ssize_t w = real::send(s, c, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        c += w;
        n -= size_t(w);
    }
    return true;
}

// Header, then zero padding up to total_len, in as few sends as possible.
bool write_preamble(int s, const ztctl::PreambleHeader& h, uint32_t total_len) {
    static const char kZeros[16384] = {};
    if (!write_all(s, &h, sizeof h)) return false;
    size_t left = total_len - sizeof h;
    iovec iov[64];
    while (left > 0) {
        size_t cnt = 0, batch = 0;
        while (left - batch > 0 && cnt < 64) {
            const size_t n = left - batch < sizeof kZeros ? left - batch : sizeof kZeros;
            iov[cnt++] = {const_cast<char*>(kZeros), n};
            batch += n;
        }
        msghdr m{};
        m.msg_iov = iov;
        m.msg_iovlen = cnt;
        const ssize_t w = real::sendmsg(s, &m, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        if (size_t(w) < batch) {  // partial: finish the rest plainly
            left -= size_t(w);
            while (left > 0) {
                const size_t n = left < sizeof kZeros ? left : sizeof kZeros;
                if (!write_all(s, kZeros, n)) return false;
                left -= n;
            }
            return true;
        }
        left -= batch;
    }
    return true;
}

PreambleOptions preamble_options(const FdEntry& e) {
    PreambleOptions o;
    o.keepalive = e.opt_int(SOL_SOCKET, SO_KEEPALIVE, 0) != 0;
    o.keepalive_idle_s = uint32_t(e.opt_int(IPPROTO_TCP, TCP_KEEPIDLE, 0));
    o.keepalive_intvl_s = uint32_t(e.opt_int(IPPROTO_TCP, TCP_KEEPINTVL, 0));
    o.keepalive_cnt = uint32_t(e.opt_int(IPPROTO_TCP, TCP_KEEPCNT, 0));
    if (e.kind == Kind::tcp_bound) {
        o.bound = true;
        o.sock_id = e.id;
    }
    return o;
}

int connect_carrier(int s) {
    const UnixName t = node_name(ztctl::NameKind::tcp_connect, g_cfg.home_hash);
    for (int attempt = 0; attempt < 2; ++attempt) {
        int r;
        do {
            r = real::connect(s, reinterpret_cast<const sockaddr*>(&t.sun), t.len);
        } while (r < 0 && errno == EINTR);
        if (r == 0) return 0;
        if (attempt == 0 && (errno == ECONNREFUSED || errno == ENOENT) && ctl::ensure_node()) continue;
        break;
    }
    return ENETUNREACH;
}

// Established or failed (or still pending); updates the entry on the way. Returns 0, -1+errno.
int finish(int fd, Progress p) {
    if (p == Progress::established) {
        g_fds.update(fd, [](FdEntry& x) { x.state = ConnState::connected; });
        return 0;
    }
    return fail(take_connect_error(fd));
}

int wait_connect(int fd) {
    const int timeout = sndtimeo_ms(fd);
    const int64_t deadline = timeout < 0 ? 0 : mono_ms() + timeout;
    for (;;) {
        int left = -1;
        if (timeout >= 0) {
            const int64_t l = deadline - mono_ms();
            left = l < 0 ? 0 : int(l);
        }
        pollfd p{fd, POLLOUT, 0};
        const int r = poll(&p, 1, left);
        if (r < 0) {
            if (errno == EINTR && all_handlers_restart()) continue;
            return fail(errno);
        }
        if (r == 0) return fail(EINPROGRESS);  // SO_SNDTIMEO expired, as the kernel reports it
        const Progress pr = probe_connect(fd);
        if (pr != Progress::pending) return finish(fd, pr);
    }
}

// Starts a virtual TCP connection from `fd` (a kernel socket, a bound one, or a failed carrier).
int start_tcp(int fd, const FdEntry& e, const ztctl::NameAddr& dst) {
    const uint64_t conn_id = ctl::random_id();
    const int s = real::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    const UnixName cn = client_name(g_cfg.home_hash, dst, conn_id);
    if (real::bind(s, reinterpret_cast<const sockaddr*>(&cn.sun), cn.len) != 0)
        ZTI_DEBUG("connect fd %d: bind of the client name failed: %s", fd, strerror(errno));
    apply_carrier_options(s, e);
    int err = connect_carrier(s);
    if (err == 0 && !ctl::peer_is_us(s)) err = ECONNREFUSED;
    if (err) {
        real::close(s);
        return fail(err);
    }
    int sndbuf = 0;
    socklen_t l = sizeof sndbuf;
    real::getsockopt(s, SOL_SOCKET, SO_SNDBUF, &sndbuf, &l);
    const uint32_t total = preamble_len(sndbuf);
    ztctl::PreambleHeader h = make_preamble(total, conn_id, dst, preamble_options(e));
    access_key(h.key);  // the node checks it when our uid is not its own
    if (!write_preamble(s, h, total)) {
        if (errno != EPIPE && errno != ECONNRESET) {
            ZTI_DEBUG("connect fd %d: preamble write failed: %s", fd, strerror(errno));
            real::close(s);
            return fail(ENETUNREACH);
        }
        // The node read the header and closed the carrier before the rest arrived: the
        // connection failed at once (one of our own addresses, no listener on the port). The
        // carrier shows OUT|ERR|HUP, and the usual path reports the node's reason.
        ZTI_DEBUG("connect fd %d: the node closed the carrier during the preamble", fd);
    }
    pollfd p{s, POLLOUT, 0};
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLOUT))
        ZTI_DEBUG("connect fd %d: POLLOUT still set after a %u byte preamble (SO_SNDBUF %d)", fd, total, sndbuf);
    const int fl = real::fcntl(fd, F_GETFL, nullptr);
    err = swap_in(fd, s, e);
    if (err) return fail(err);
    g_fds.update(fd, [&](FdEntry& x) {
        if (x.kind == Kind::tcp_bound) {
            x.flags = uint8_t(kFromBound | kLocalKnown);
            x.bound_sock_id = x.id;
        } else {
            x.flags = 0;
        }
        x.kind = Kind::tcp_client;
        x.state = ConnState::connecting;
        x.id = conn_id;
        x.peer = dst;
        x.flags |= kPeerKnown;
        x.nepoll = 0;
    });
    ZTI_DEBUG("connect fd %d: conn %016llx, preamble %u", fd, (unsigned long long)conn_id, total);
    if (fl >= 0 && (fl & O_NONBLOCK)) return fail(EINPROGRESS);
    return wait_connect(fd);
}

// A failed virtual client reconnecting to a kernel destination gets a kernel socket back.
int back_to_kernel(int fd, const FdEntry& e, const sockaddr* sa, socklen_t len) {
    const int s = real::socket(e.domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    for (int i = 0; i < e.nopts; ++i)
        real::setsockopt(s, e.opts[i].level, e.opts[i].name, e.opts[i].value, e.opts[i].len);
    const int err = swap_in(fd, s, e);
    if (err) return fail(err);
    g_fds.update(fd, [](FdEntry& x) {
        x.kind = Kind::inet;
        x.state = ConnState::idle;
        x.flags = 0;
        x.nepoll = 0;
    });
    return real::connect(fd, sa, len);
}

int connect_udp(int fd, FdEntry e, const sockaddr* sa, socklen_t len) {
    ztctl::NameAddr dst;
    bool unspec = false;
    const int perr = parse_inet(e.domain, sa, len, dst, &unspec);
    if (perr && !unspec) return fail(perr);
    ztctl::UdpConnect req{};
    req.h.op = ztctl::Op::udp_connect;
    req.sock_id = e.id;
    if (!unspec) req.peer = dst;  // family 0 = disconnect
    ztctl::BindReply rep{};
    size_t n = 0;
    const int err = ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
    if (err) return fail(ENETUNREACH);
    if (n != sizeof rep) return fail(EPROTO);
    if (rep.r.err) return fail(rep.r.err);
    g_fds.update(fd, [&](FdEntry& x) {
        if (unspec) {
            x.flags &= uint8_t(~(kUdpConnected | kPeerKnown));
        } else {
            x.peer = dst;
            x.flags |= kUdpConnected | kPeerKnown;
        }
        if (rep.local.family == 4 || rep.local.family == 6) {
            x.local = rep.local;
            x.flags |= kLocalKnown;
        }
    });
    return 0;
}

}  // namespace

Progress probe_connect(int fd) noexcept {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, 0) == 1) {
        if (p.revents & POLLERR) return Progress::failed;
        if (p.revents & POLLOUT) {
            g_fds.update(fd, [](FdEntry& x) { x.state = ConnState::connected; });
            return Progress::established;
        }
    }
    // No POLLOUT: still connecting, or established with the carrier's send buffer full of the
    // app's data (an app that never calls connect() again after a non-blocking connect, like
    // nc, then writes until it blocks and calls shutdown()). Only the node knows which.
    FdEntry e;
    if (!g_fds.get(fd, e)) return Progress::pending;
    ztctl::ConnRef req{};
    req.h.op = ztctl::Op::conn_status;
    req.conn_id = e.id;
    ztctl::ConnStatusReply rep{};
    size_t n = 0;
    if (ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr) != 0 || n != sizeof rep || rep.r.err != 0)
        return Progress::pending;
    if (rep.state != ztctl::ConnState::established && rep.state != ztctl::ConnState::closed) return Progress::pending;
    g_fds.update(fd, [](FdEntry& x) { x.state = ConnState::connected; });
    return Progress::established;
}

int take_connect_error(int fd) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e)) return ECONNREFUSED;
    int so = 0;
    socklen_t l = sizeof so;
    real::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &l);  // clears the carrier's ECONNRESET
    int reason = ECONNREFUSED;
    ztctl::ConnRef req{};
    req.h.op = ztctl::Op::conn_status;
    req.conn_id = e.id;
    ztctl::ConnStatusReply rep{};
    size_t n = 0;
    if (ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr) == 0 && n == sizeof rep && rep.r.err == 0) {
        if (rep.state == ztctl::ConnState::failed && rep.conn_err > 0) {
            reason = rep.conn_err;
        } else if (rep.state == ztctl::ConnState::established || rep.state == ztctl::ConnState::closed) {
            reason = ECONNRESET;
        }
    }
    g_fds.update(fd, [](FdEntry& x) { x.state = ConnState::failed; });
    ZTI_DEBUG("connect fd %d: failed, %s", fd, strerror(reason));
    return reason;
}

int send_option(uint64_t id, int option, int value) noexcept {
    ztctl::SetOption req{};
    req.h.op = ztctl::Op::set_option;
    req.id = id;
    req.option = ztctl::OptionId(option);
    req.value = value;
    ztctl::ReplyHeader rep{};
    size_t n = 0;
    const int err = ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
    return err ? err : rep.err;
}

int on_connect(int fd, const sockaddr* sa, socklen_t len) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::none || k == Kind::inet) {
        if (!sa || len < sizeof(sa_family_t) || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
            return real::connect(fd, sa, len);
        if (k == Kind::inet && bound_to_device(fd)) return real::connect(fd, sa, len);
        ztctl::NameAddr probe;
        if (parse_inet(sa->sa_family, sa, len, probe) != 0) return real::connect(fd, sa, len);
        const DestRoute r = dest_route(probe);
        if (r == DestRoute::refused) return fail(ENETUNREACH);
        if (r == DestRoute::kernel) return real::connect(fd, sa, len);
        if (k == Kind::none && (k = adopt(fd)) == Kind::none) return real::connect(fd, sa, len);
    }
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::connect(fd, sa, len);
    switch (e.kind) {
    case Kind::ours:
        return fail(EBADF);
    case Kind::inet:
    case Kind::tcp_bound: {
        ztctl::NameAddr dst;
        if (parse_inet(e.domain, sa, len, dst) != 0) return real::connect(fd, sa, len);
        const DestRoute r = dest_route(dst);
        if (r == DestRoute::refused) return fail(ENETUNREACH);
        if (r == DestRoute::kernel) return real::connect(fd, sa, len);
        // A v6-only socket cannot reach a v4-mapped address (the kernel: ENETUNREACH).
        if (e.domain == AF_INET6 && dst.family == 4 && e.opt_int(IPPROTO_IPV6, IPV6_V6ONLY, 0)) return fail(ENETUNREACH);
        if (e.type == SOCK_STREAM) return start_tcp(fd, e, dst);
        FdEntry u = e;
        const int err = open_udp(fd, u, wildcard_for(e.domain));
        if (err) return fail(err == ENETUNREACH ? ENETUNREACH : err);
        g_fds.get(fd, u);
        return connect_udp(fd, u, sa, len);
    }
    case Kind::tcp_client: {
        if (e.state == ConnState::connected) return fail(EISCONN);
        if (e.state == ConnState::connecting) {
            const Progress p = probe_connect(fd);
            if (p != Progress::pending) return finish(fd, p);
            const int fl = real::fcntl(fd, F_GETFL, nullptr);
            if (fl >= 0 && (fl & O_NONBLOCK)) return fail(EALREADY);
            return wait_connect(fd);
        }
        // failed earlier: a new attempt, like the kernel allows
        ztctl::NameAddr dst;
        const int perr = parse_inet(e.domain, sa, len, dst);
        if (perr) return fail(perr);
        const DestRoute r = dest_route(dst);
        if (r == DestRoute::refused) return fail(ENETUNREACH);
        if (r == DestRoute::kernel) return back_to_kernel(fd, e, sa, len);
        return start_tcp(fd, e, dst);
    }
    case Kind::tcp_listener:
    case Kind::tcp_accepted:
        return fail(EISCONN);
    case Kind::udp:
        return connect_udp(fd, e, sa, len);
    case Kind::none:
        break;
    }
    return real::connect(fd, sa, len);
}

}  // namespace zti

// bind() and listen(): reserving virtual TCP ports (TcpBind), turning a bound socket into a
// unix listener on its 'L' name (TcpListen), and opening virtual UDP sockets (UdpOpen).
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstring>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/names.hpp"
#include "intercept/ops.hpp"
#include "intercept/own_fds.hpp"
#include "intercept/real.hpp"
#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

uint8_t reuse_of(const FdEntry& e) {
    return uint8_t(e.opt_int(SOL_SOCKET, SO_REUSEADDR, 0) != 0 || e.opt_int(SOL_SOCKET, SO_REUSEPORT, 0) != 0);
}

uint8_t freebind_of(const FdEntry& e) {
    return uint8_t(e.opt_int(IPPROTO_IP, IP_FREEBIND, 0) != 0 || e.opt_int(IPPROTO_IPV6, IPV6_FREEBIND, 0) != 0);
}

uint8_t reuseport_of(const FdEntry& e) { return uint8_t(e.opt_int(SOL_SOCKET, SO_REUSEPORT, 0) != 0); }

uint8_t v6only_of(const FdEntry& e) {
    return uint8_t(e.domain == AF_INET6 && e.opt_int(IPPROTO_IPV6, IPV6_V6ONLY, 0) != 0);
}

// TcpBind: reserve `local` in the node. Returns 0 (entry updated to tcp_bound) or an errno.
int reserve_tcp(int fd, const FdEntry& e, const ztctl::NameAddr& local) {
    ztctl::TcpBind req{};
    req.h.op = ztctl::Op::tcp_bind;
    req.sock_id = ctl::random_id();
    req.local = local;
    req.reuseaddr = reuse_of(e);
    req.v6only = v6only_of(e);
    req.reuseport = reuseport_of(e);
    req.freebind = freebind_of(e);
    ztctl::BindReply rep{};
    size_t n = 0;
    const int err = ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
    if (err) return EADDRNOTAVAIL;
    if (n != sizeof rep) return EPROTO;
    if (rep.r.err) return rep.r.err;
    g_fds.update(fd, [&](FdEntry& x) {
        x.kind = Kind::tcp_bound;
        x.id = req.sock_id;
        x.local = rep.local;
        x.flags |= kLocalKnown;
    });
    ZTI_DEBUG("bind fd %d: tcp sock %016llx port %u", fd, (unsigned long long)req.sock_id,
              unsigned(ntohs(rep.local.port_be)));
    return 0;
}

// Where a bind of `local` goes (asks the node for its networks only when it matters).
bool bind_is_virtual(const ztctl::NameAddr& local) {
    if (is_loopback(local)) return false;
    if (is_wildcard(local) && g_cfg.wildcard == WildcardPolicy::kernel) return false;
    const RouteTable* t = ctl::routes();
    if (!t) {
        // No node: a wrapped server still works on the kernel, except in strict mode, where the
        // bind goes the virtual way and fails (EADDRNOTAVAIL) rather than listen on the host.
        if (g_cfg.strict && !ctl::start_failure_reported())
            log_problem("bind refused: the node of %s cannot be reached (strict mode)", g_cfg.home);
        return g_cfg.strict;
    }
    return classify_bind(*t, local, g_cfg.wildcard) == Route::virtual_net;
}

int make_listener(int fd, const FdEntry& e, int backlog) {
    const int s = real::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    const UnixName ln = listener_name(g_cfg.home_hash, e.local, e.id);
    if (real::bind(s, reinterpret_cast<const sockaddr*>(&ln.sun), ln.len) != 0 || real::listen(s, backlog) != 0) {
        real::close(s);
        return fail(EADDRINUSE);
    }
    ztctl::TcpListen req{};
    req.h.op = ztctl::Op::tcp_listen;
    req.sock_id = e.id;
    req.backlog = backlog;
    ztctl::ReplyHeader rep{};
    size_t n = 0;
    int err = ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
    if (!err && n != sizeof rep) err = EPROTO;
    if (!err) err = rep.err;
    if (err) {
        real::close(s);
        return fail(err == ENETUNREACH ? ENETDOWN : err);
    }
    err = swap_in(fd, s, e);
    if (err) return fail(err);
    g_fds.update(fd, [](FdEntry& x) {
        x.kind = Kind::tcp_listener;
        x.nepoll = 0;
    });
    if (e.opt_int(SOL_SOCKET, SO_KEEPALIVE, 0)) send_option(e.id, int(ztctl::OptionId::keepalive), 1);
    ZTI_DEBUG("listen fd %d: sock %016llx backlog %d", fd, (unsigned long long)e.id, backlog);
    return 0;
}

}  // namespace

int open_udp(int fd, FdEntry& e, const ztctl::NameAddr& local) noexcept {
    ztctl::UdpOpen req{};
    req.h.op = ztctl::Op::udp_open;
    req.sock_id = ctl::random_id();
    req.local = local;
    req.reuseaddr = reuse_of(e);
    req.v6only = v6only_of(e);
    req.freebind = freebind_of(e);
    req.reuseport = reuseport_of(e);
    ztctl::BindReply rep{};
    size_t n = 0;
    int pair = -1;
    const int err = ctl::call(&req, sizeof req, &rep, sizeof rep, &n, &pair);
    if (err) return ENETUNREACH;
    if (n != sizeof rep || (rep.r.err == 0 && pair < 0)) {
        if (pair >= 0) real::close(pair);
        return EPROTO;
    }
    if (rep.r.err) {
        if (pair >= 0) real::close(pair);
        return rep.r.err;
    }
    const UnixName un = udp_name(g_cfg.home_hash, rep.local, req.sock_id);
    real::bind(pair, reinterpret_cast<const sockaddr*>(&un.sun), un.len);  // best effort: for exec
    apply_carrier_options(pair, e);
    const int serr = swap_in(fd, pair, e);
    if (serr) return serr;
    g_fds.update(fd, [&](FdEntry& x) {
        x.kind = Kind::udp;
        x.id = req.sock_id;
        x.local = rep.local;
        x.flags = kLocalKnown;
        x.nepoll = 0;
    });
    g_fds.get(fd, e);
    ZTI_DEBUG("udp fd %d: sock %016llx port %u", fd, (unsigned long long)req.sock_id, unsigned(ntohs(rep.local.port_be)));
    return 0;
}

void release_sock(uint64_t sock_id) noexcept {
    if (own_fd(OwnFd::control) < 0) return;  // never start a node just to say goodbye
    ztctl::SockRef req{};
    req.h.op = ztctl::Op::tcp_release;
    req.sock_id = sock_id;
    ztctl::ReplyHeader rep{};
    size_t n = 0;
    ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
}

int on_bind(int fd, const sockaddr* sa, socklen_t len) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::bind(fd, sa, len);
    switch (e.kind) {
    case Kind::inet: {
        ztctl::NameAddr local;
        bool unspec = false;
        const int perr = parse_inet(e.domain, sa, len, local, &unspec);
        if ((perr && !(unspec && local.family == 4)) || bound_to_device(fd) || !bind_is_virtual(local))
            return real::bind(fd, sa, len);
        const int err = e.type == SOCK_STREAM ? reserve_tcp(fd, e, local) : open_udp(fd, e, local);
        if (err) return fail(err == ENETUNREACH ? EADDRNOTAVAIL : err);
        return 0;
    }
    case Kind::ours:
        return fail(EBADF);
    case Kind::none:
        return real::bind(fd, sa, len);
    default:
        return fail(EINVAL);  // already bound
    }
}

int on_listen(int fd, int backlog) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::listen(fd, backlog);
    switch (e.kind) {
    case Kind::inet: {
        // listen() without bind() binds the wildcard with an ephemeral port, by policy.
        if (e.type != SOCK_STREAM || g_cfg.wildcard != WildcardPolicy::virtual_net) break;
        sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        if (real::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &sl) != 0) break;
        const uint16_t port = ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                                       : reinterpret_cast<sockaddr_in*>(&ss)->sin_port;
        if (port != 0 || !bind_is_virtual(wildcard_for(e.domain))) break;
        if (reserve_tcp(fd, e, wildcard_for(e.domain)) != 0) break;
        g_fds.get(fd, e);
        return make_listener(fd, e, backlog);
    }
    case Kind::tcp_bound:
        return make_listener(fd, e, backlog);
    case Kind::tcp_listener:
        return real::listen(fd, backlog);
    case Kind::tcp_client:
    case Kind::tcp_accepted:
        return fail(EINVAL);
    case Kind::udp:
        return fail(EOPNOTSUPP);
    case Kind::ours:
        return fail(EBADF);
    case Kind::none:
        break;
    }
    return real::listen(fd, backlog);
}

}  // namespace zti

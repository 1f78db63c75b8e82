// getsockname()/getpeername(): virtual sockets report their virtual addresses (v4-mapped on
// AF_INET6 sockets), from the fd table, from the node (a client's local address, once), or from
// the 'A'/'L'/'C'/'U' names of fds we did not create.
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/control_client.hpp"
#include "intercept/names.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"
#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

using RealName = int (*)(int, sockaddr*, socklen_t*) noexcept;

// Untracked fd: do the real call into our buffer; if the name is one of ours, adopt the fd.
// Returns 1 if the fd is now tracked (emulate), else the real call's result (already copied out).
int untracked(int fd, sockaddr* sa, socklen_t* len, RealName call) {
    sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    const int r = call(fd, reinterpret_cast<sockaddr*>(&ss), &sl);
    if (r == 0 && ss.ss_family == AF_UNIX && sl > 2 + 4 &&
        std::memcmp(reinterpret_cast<sockaddr_un*>(&ss)->sun_path, ztctl::kNamePrefix, 4) == 0 &&
        adopt_unix(fd) != Kind::none)
        return 1;
    if (r != 0) return r;
    if (!len) return fail(EFAULT);
    copy_out(ss, sl, sa, len);
    return 0;
}

int output(const FdEntry& e, const ztctl::NameAddr& a, sockaddr* sa, socklen_t* len) {
    if (!sa || !len) return fail(EFAULT);
    if (int(*len) < 0) return fail(EINVAL);
    sockaddr_storage ss;
    copy_out(ss, to_sockaddr(a, e.domain, ss), sa, len);
    return 0;
}

// A client's local address: asked from the node once, then cached.
ztctl::NameAddr client_local(int fd, const FdEntry& e) {
    if (e.flags & kLocalKnown) return e.local;
    ztctl::ConnRef req{};
    req.h.op = ztctl::Op::conn_status;
    req.conn_id = e.id;
    ztctl::ConnStatusReply rep{};
    size_t n = 0;
    if (ctl::call(&req, sizeof req, &rep, sizeof rep, &n, nullptr) == 0 && n == sizeof rep && rep.r.err == 0 &&
        (rep.local.family == 4 || rep.local.family == 6)) {
        g_fds.update(fd, [&](FdEntry& x) {
            x.local = rep.local;
            x.flags |= kLocalKnown;
        });
        return rep.local;
    }
    return wildcard_for(e.domain);
}

}  // namespace

int on_getsockname(int fd, sockaddr* sa, socklen_t* len) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::none) {
        const int r = untracked(fd, sa, len, real::getsockname);
        if (r != 1) return r;
        k = g_fds.kind(fd);
    }
    if (k == Kind::inet) return real::getsockname(fd, sa, len);
    if (k == Kind::ours) return fail(EBADF);
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::getsockname(fd, sa, len);
    if (e.kind == Kind::tcp_client) return output(e, client_local(fd, e), sa, len);
    return output(e, (e.flags & kLocalKnown) ? e.local : wildcard_for(e.domain), sa, len);
}

int on_getpeername(int fd, sockaddr* sa, socklen_t* len) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::none) {
        const int r = untracked(fd, sa, len, real::getpeername);
        if (r != 1) return r;
        k = g_fds.kind(fd);
    }
    if (k == Kind::inet) return real::getpeername(fd, sa, len);
    if (k == Kind::ours) return fail(EBADF);
    FdEntry e;
    if (!g_fds.get(fd, e)) return real::getpeername(fd, sa, len);
    switch (e.kind) {
    case Kind::tcp_accepted:
        return output(e, e.peer, sa, len);
    case Kind::tcp_client:
        if (e.state == ConnState::connected ||
            (e.state == ConnState::connecting && probe_connect(fd) == Progress::established))
            return output(e, e.peer, sa, len);
        return fail(ENOTCONN);
    case Kind::udp:
        if (e.flags & kUdpConnected && e.flags & kPeerKnown) return output(e, e.peer, sa, len);
        return fail(ENOTCONN);
    default:
        return fail(ENOTCONN);
    }
}

}  // namespace zti

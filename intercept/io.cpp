// Data calls. The cost for every fd that is not ours is one atomic load (the fd's kind).
//   udp carrier:  UdpHeader framing (udp_io.cpp), for every read/write/send/recv variant
//   tcp carrier:  addresses hidden like TCP does (recvfrom reports addrlen 0, sendto ignores the
//                 address), and a connecting client's ECONNRESET mapped to the node's reason
//   kernel UDP socket sending to a virtual address: swapped for a virtual UDP socket first
#include <netinet/in.h>

#include <cstring>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"
#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

bool tcp_carrier(Kind k) { return k == Kind::tcp_client || k == Kind::tcp_accepted; }

// A read on a connecting client failed with the carrier's ECONNRESET: report the node's reason.
ssize_t map_reset(int fd, Kind k) {
    if (k == Kind::tcp_client && errno == ECONNRESET) {
        FdEntry e;
        if (g_fds.get(fd, e) && e.state == ConnState::connecting) return fail_l(take_connect_error(fd));
        errno = ECONNRESET;
    }
    return -1;
}

// A kernel UDP socket about to send to `sa`: if that is virtual, make the socket virtual.
// Returns 1 (now virtual), 0 (the kernel's), or -1 with errno: meant for the virtual network but
// it cannot be carried (never sent through the kernel then).
int udp_goes_virtual(int fd, Kind k, const sockaddr* sa, socklen_t len) {
    if (k != Kind::inet || !sa || len < sizeof(sa_family_t) ||
        (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
        return 0;
    FdEntry e;
    if (!g_fds.get(fd, e) || e.type != SOCK_DGRAM || bound_to_device(fd)) return 0;
    ztctl::NameAddr dst;
    if (parse_inet(e.domain, sa, len, dst) != 0) return 0;
    const DestRoute r = dest_route(dst);
    if (r == DestRoute::refused) return fail(ENETUNREACH);
    if (r == DestRoute::kernel) return 0;
    if (e.domain == AF_INET6 && dst.family == 4 && e.opt_int(IPPROTO_IPV6, IPV6_V6ONLY, 0)) return fail(ENETUNREACH);
    const int err = open_udp(fd, e, wildcard_for(e.domain));
    if (err) return fail(err);
    return 1;
}

bool fastopen_virtual(int fd, Kind k, int flags, const sockaddr* sa, socklen_t len) {
    if (k != Kind::inet || !(flags & MSG_FASTOPEN) || !sa) return false;
    FdEntry e;
    if (!g_fds.get(fd, e) || e.type != SOCK_STREAM) return false;
    ztctl::NameAddr dst;
    return parse_inet(e.domain, sa, len, dst) == 0 && dest_route(dst) != DestRoute::kernel;
}

}  // namespace

ssize_t on_read(int fd, void* buf, size_t n) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::udp) {
        iovec v{buf, n};
        const ssize_t r = udp_recv(fd, &v, 1, 0, nullptr, nullptr, nullptr);
        if (r != -2) return r;
    }
    const ssize_t r = real::read(fd, buf, n);
    return r < 0 ? map_reset(fd, k) : r;
}

ssize_t on_write(int fd, const void* buf, size_t n) noexcept {
    if (g_fds.kind(fd) == Kind::udp) {
        iovec v{const_cast<void*>(buf), n};
        const ssize_t r = udp_send(fd, &v, 1, 0, nullptr, 0);
        if (r != -2) return r;
    }
    return real::write(fd, buf, n);
}

ssize_t on_readv(int fd, const iovec* iov, int cnt) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::udp) {
        if (cnt < 0) return fail_l(EINVAL);
        const ssize_t r = udp_recv(fd, iov, size_t(cnt), 0, nullptr, nullptr, nullptr);
        if (r != -2) return r;
    }
    const ssize_t r = real::readv(fd, iov, cnt);
    return r < 0 ? map_reset(fd, k) : r;
}

ssize_t on_writev(int fd, const iovec* iov, int cnt) noexcept {
    if (g_fds.kind(fd) == Kind::udp) {
        if (cnt < 0) return fail_l(EINVAL);
        const ssize_t r = udp_send(fd, iov, size_t(cnt), 0, nullptr, 0);
        if (r != -2) return r;
    }
    return real::writev(fd, iov, cnt);
}

ssize_t on_recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* sa, socklen_t* len) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::udp) {
        iovec v{buf, n};
        const ssize_t r = udp_recv(fd, &v, 1, flags, sa, len, nullptr);
        if (r != -2) return r;
    } else if (tcp_carrier(k)) {
        const ssize_t r = real::recv(fd, buf, n, flags);
        if (r < 0) return map_reset(fd, k);
        if (sa && len) *len = 0;
        return r;
    }
    return real::recvfrom(fd, buf, n, flags, sa, len);
}

ssize_t on_sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* sa, socklen_t len) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::inet) {
        if (fastopen_virtual(fd, k, flags, sa, len)) {
            if (on_connect(fd, sa, len) != 0) return -1;  // EINPROGRESS: the app sends again later
            return real::send(fd, buf, n, (flags & ~MSG_FASTOPEN));
        }
        const int g = udp_goes_virtual(fd, k, sa, len);
        if (g < 0) return -1;
        if (g > 0) k = Kind::udp;
    }
    if (k == Kind::udp) {
        iovec v{const_cast<void*>(buf), n};
        const ssize_t r = udp_send(fd, &v, 1, flags, sa, len);
        if (r != -2) return r;
    } else if (tcp_carrier(k)) {
        return real::send(fd, buf, n, flags & ~MSG_FASTOPEN);  // TCP ignores the address
    }
    return real::sendto(fd, buf, n, flags, sa, len);
}

ssize_t on_recvmsg(int fd, msghdr* msg, int flags) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::udp && msg) {
        if (msg->msg_iovlen > 1024) return fail_l(EMSGSIZE);
        int mf = 0;
        const ssize_t r = udp_recv(fd, msg->msg_iov, msg->msg_iovlen, flags, static_cast<sockaddr*>(msg->msg_name),
                                   &msg->msg_namelen, &mf);
        if (r != -2) {
            if (r >= 0) {
                msg->msg_flags = mf;
                msg->msg_controllen = 0;  // no IP_PKTINFO & co. on virtual sockets
            }
            return r;
        }
    } else if (tcp_carrier(k) && msg) {
        const ssize_t r = real::recvmsg(fd, msg, flags);
        if (r < 0) return map_reset(fd, k);
        if (msg->msg_name) msg->msg_namelen = 0;
        return r;
    }
    return real::recvmsg(fd, msg, flags);
}

ssize_t on_sendmsg(int fd, const msghdr* msg, int flags) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::inet && msg) {
        const int g = udp_goes_virtual(fd, k, static_cast<const sockaddr*>(msg->msg_name), msg->msg_namelen);
        if (g < 0) return -1;
        if (g > 0) k = Kind::udp;
    }
    if (k == Kind::udp && msg) {
        const ssize_t r = udp_send(fd, msg->msg_iov, msg->msg_iovlen, flags, static_cast<const sockaddr*>(msg->msg_name),
                                   msg->msg_namelen);
        if (r != -2) return r;
    } else if (tcp_carrier(k) && msg && msg->msg_name) {
        msghdr m = *msg;
        m.msg_name = nullptr;
        m.msg_namelen = 0;
        return real::sendmsg(fd, &m, flags & ~MSG_FASTOPEN);
    }
    return real::sendmsg(fd, msg, flags);
}

int on_recvmmsg(int fd, mmsghdr* v, unsigned n, int flags, timespec* timeout) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k != Kind::udp && !tcp_carrier(k)) return real::recvmmsg(fd, v, n, flags, timeout);
    if (!v) return fail(EFAULT);
    unsigned i = 0;
    for (; i < n; ++i) {
        const ssize_t r = on_recvmsg(fd, &v[i].msg_hdr, flags & ~MSG_WAITFORONE);
        if (r < 0) {
            if (i == 0) return -1;
            break;
        }
        v[i].msg_len = unsigned(r);
        if (flags & MSG_WAITFORONE) flags |= MSG_DONTWAIT;
    }
    return int(i);
}

int on_sendmmsg(int fd, mmsghdr* v, unsigned n, int flags) noexcept {
    Kind k = g_fds.kind(fd);
    if (k == Kind::inet && v && n > 0) {
        const int g = udp_goes_virtual(fd, k, static_cast<const sockaddr*>(v[0].msg_hdr.msg_name), v[0].msg_hdr.msg_namelen);
        if (g < 0) return -1;
        if (g > 0) k = Kind::udp;
    }
    if (k != Kind::udp && !tcp_carrier(k)) return real::sendmmsg(fd, v, n, flags);
    if (!v) return fail(EFAULT);
    unsigned i = 0;
    for (; i < n; ++i) {
        const ssize_t r = on_sendmsg(fd, &v[i].msg_hdr, flags);
        if (r < 0) {
            if (i == 0) return -1;
            break;
        }
        v[i].msg_len = unsigned(r);
    }
    return int(i);
}

}  // namespace zti

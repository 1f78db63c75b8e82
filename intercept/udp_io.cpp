// Virtual UDP on the node's SOCK_SEQPACKET pair: every message is a ztctl::UdpHeader (the
// destination on send, family 0 = the connected peer; the source on receive) + the payload.
#include <netinet/in.h>
#include <stdlib.h>

#include <cstring>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"
#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

constexpr size_t kInlineIov = 64;
constexpr size_t kMaxIov = 1024;  // UIO_MAXIOV

// iovec array with the header in front: inline for the usual counts, malloc beyond.
struct FramedIov {
    iovec inline_[kInlineIov + 1];
    iovec* v = inline_;
    bool ok = true;

    FramedIov(void* hdr, size_t hdr_len, const iovec* iov, size_t cnt) {
        if (cnt > kInlineIov) {
            v = static_cast<iovec*>(malloc((cnt + 1) * sizeof(iovec)));
            if (!v) {
                v = inline_;
                ok = false;
                return;
            }
        }
        v[0] = {hdr, hdr_len};
        if (cnt) std::memcpy(v + 1, iov, cnt * sizeof(iovec));
    }
    ~FramedIov() {
        if (v != inline_) free(v);
    }
    FramedIov(const FramedIov&) = delete;
    FramedIov& operator=(const FramedIov&) = delete;
};

int stale(int fd) {
    g_fds.clear(fd);
    return -2;
}

}  // namespace

ssize_t udp_send(int fd, const iovec* iov, size_t cnt, int flags, const sockaddr* dst, socklen_t dlen) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e) || e.kind != Kind::udp) return -2;
    if (cnt > kMaxIov) return fail_l(EMSGSIZE);
    ztctl::UdpHeader h;
    std::memset(&h, 0, sizeof h);
    const bool connected = e.flags & kUdpConnected;
    if (dst) {
        bool unspec = false;
        const int perr = parse_inet(e.domain, dst, dlen, h.addr, &unspec);
        if (perr && !unspec) return fail_l(perr);
        if (unspec) {
            std::memset(&h.addr, 0, sizeof h.addr);
            if (!connected) return fail_l(EDESTADDRREQ);
        } else if (h.addr.port_be == 0) {
            return fail_l(EINVAL);
        }
    } else if (!connected) {
        return fail_l(EDESTADDRREQ);
    }
    size_t total = 0;
    for (size_t i = 0; i < cnt; ++i) total += iov[i].iov_len;
    const int fam = h.addr.family ? h.addr.family : e.peer.family;
    if (total > (fam == 6 ? 65527u : 65507u)) return fail_l(EMSGSIZE);
    if (e.flags & kUdpShutWr) return fail_l(EPIPE);  // the kernel's UDP raises no SIGPIPE here
    FramedIov f(&h, sizeof h, iov, cnt);
    if (!f.ok) return fail_l(ENOBUFS);
    msghdr m{};
    m.msg_iov = f.v;
    m.msg_iovlen = cnt + 1;
    const ssize_t r = real::sendmsg(fd, &m, (flags & MSG_DONTWAIT) | MSG_NOSIGNAL);
    if (r < 0) {
        if (errno == ENOTSOCK || errno == EBADF) return errno == ENOTSOCK ? stale(fd) : -1;
        if (errno == EPIPE || errno == ECONNRESET) errno = ENETDOWN;  // the node went away
        return -1;
    }
    return r >= ssize_t(sizeof h) ? r - ssize_t(sizeof h) : 0;
}

ssize_t udp_recv(int fd, const iovec* iov, size_t cnt, int flags, sockaddr* src, socklen_t* slen,
                 int* msg_flags) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e) || e.kind != Kind::udp) return -2;
    if (flags & MSG_ERRQUEUE) return fail_l(EAGAIN);
    if (cnt > kMaxIov) return fail_l(EMSGSIZE);
    ztctl::UdpHeader h;
    FramedIov f(&h, sizeof h, iov, cnt);
    if (!f.ok) return fail_l(ENOBUFS);
    const int pass = flags & (MSG_DONTWAIT | MSG_PEEK | MSG_TRUNC);
    for (;;) {
        std::memset(&h, 0, sizeof h);
        msghdr m{};
        m.msg_iov = f.v;
        m.msg_iovlen = cnt + 1;
        const ssize_t r = real::recvmsg(fd, &m, pass);
        if (r < 0) return errno == ENOTSOCK ? stale(fd) : -1;
        if (r == 0) return 0;  // the node closed the pair
        if (size_t(r) < sizeof h) {  // malformed: drop it and take the next
            if (flags & MSG_PEEK) real::recv(fd, &h, sizeof h, MSG_DONTWAIT);
            continue;
        }
        if (src && slen) {
            sockaddr_storage ss;
            copy_out(ss, to_sockaddr(h.addr, e.domain, ss), src, slen);
        }
        if (msg_flags) *msg_flags = m.msg_flags;
        return r - ssize_t(sizeof h);
    }
}

int udp_fionread(int fd, int* out) noexcept {
    const ssize_t r = real::recv(fd, nullptr, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
    if (r < 0) {
        if (errno == EAGAIN) {
            *out = 0;
            return 0;
        }
        return errno == ENOTSOCK ? stale(fd) : -1;
    }
    *out = r >= ssize_t(sizeof(ztctl::UdpHeader)) ? int(r - ssize_t(sizeof(ztctl::UdpHeader))) : 0;
    return 0;
}

}  // namespace zti

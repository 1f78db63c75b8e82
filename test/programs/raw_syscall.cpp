// Socket calls made only through libc's syscall(), as libuv 1.44 makes some of them: UDP (bind,
// sendto/recvfrom with source addresses, sendmmsg/recvmmsg batches, FIONREAD, connect, write/
// writev/read/readv/sendmsg/recvmsg, fcntl, dup/dup3, an epoll registration made before the
// socket turned virtual) and TCP (listen, connect, accept4, data both ways, SO_ERROR, shutdown).
// Run over kernel loopback, then under the shim with the node's own virtual address: both runs
// must pass every check (one "ok"/"FAIL" line each; exit 1 on a failure).
//
//   raw_syscall ADDR      (an IPv4 address of this host: 127.0.0.1, or the virtual one)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <type_traits>

namespace {

int g_failures = 0;
in_addr g_addr{};

void check(bool ok, const char* name, const char* fmt = "", ...) {
    if (ok) {
        std::printf("ok   %s\n", name);
    } else {
        ++g_failures;
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        std::printf("FAIL %s: %s (errno %d %s)\n", name, buf, errno, std::strerror(errno));
    }
    std::fflush(stdout);
}

template <class T>
long as_arg(T v) {
    if constexpr (std::is_null_pointer_v<T>) {
        return 0;
    } else if constexpr (std::is_pointer_v<T>) {
        return reinterpret_cast<long>(v);
    } else {
        return long(v);
    }
}

// Every socket call below goes through this: libc's syscall(), never the named function.
template <class... A>
long sys(long nr, A... args) {
    return syscall(nr, as_arg(args)...);
}

sockaddr_in addr_port(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr = g_addr;
    a.sin_port = htons(port);
    return a;
}

sockaddr_in name_of(int fd, long nr) {
    sockaddr_in a{};
    socklen_t l = sizeof a;
    if (sys(nr, fd, &a, &l) != 0) a.sin_family = AF_UNSPEC;
    return a;
}

bool same(const sockaddr_in& a, const sockaddr_in& b) {
    return a.sin_family == b.sin_family && a.sin_addr.s_addr == b.sin_addr.s_addr && a.sin_port == b.sin_port;
}

bool readable(int fd, int ms = 3000) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

int udp_socket() {
    const int fd = int(sys(SYS_socket, AF_INET, SOCK_DGRAM, 0));
    sockaddr_in b = addr_port(0);
    if (fd < 0 || sys(SYS_bind, fd, &b, sizeof b) != 0) return -1;
    return fd;
}

void udp_checks() {
    const int u1 = udp_socket(), u2 = udp_socket();
    check(u1 >= 0 && u2 >= 0, "udp: socket + bind");
    const sockaddr_in n1 = name_of(u1, SYS_getsockname), n2 = name_of(u2, SYS_getsockname);
    check(n1.sin_family == AF_INET && n1.sin_port != 0 && n1.sin_addr.s_addr == g_addr.s_addr, "udp: getsockname");
    int type = -1;
    socklen_t tl = sizeof type;
    check(sys(SYS_getsockopt, u1, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_DGRAM, "udp: SO_TYPE");

    char buf[256];
    check(sys(SYS_sendto, u1, "ping", 4, 0, &n2, sizeof n2) == 4, "udp: sendto");
    sockaddr_in src{};
    socklen_t sl = sizeof src;
    readable(u2);
    long n = sys(SYS_recvfrom, u2, buf, sizeof buf, 0, &src, &sl);
    check(n == 4 && std::memcmp(buf, "ping", 4) == 0, "udp: recvfrom payload", "n %ld", n);
    check(sl == sizeof src && same(src, n1), "udp: recvfrom source address");

    sys(SYS_sendto, u1, "12345", 5, 0, &n2, sizeof n2);
    readable(u2);
    int avail = -1;
    check(sys(SYS_ioctl, u2, FIONREAD, &avail) == 0 && avail == 5, "udp: FIONREAD = next datagram size", "got %d", avail);
    n = sys(SYS_recvfrom, u2, buf, sizeof buf, 0, nullptr, nullptr);
    check(n == 5, "udp: recv of that datagram", "n %ld", n);

    // sendmmsg: three datagrams with a destination each; recvmmsg collects them with sources.
    const char* payload[3] = {"one", "two!", "three"};
    iovec out_iov[3];
    mmsghdr out[3]{};
    for (int i = 0; i < 3; ++i) {
        out_iov[i] = {const_cast<char*>(payload[i]), std::strlen(payload[i])};
        out[i].msg_hdr.msg_name = const_cast<sockaddr_in*>(&n2);
        out[i].msg_hdr.msg_namelen = sizeof n2;
        out[i].msg_hdr.msg_iov = &out_iov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    n = sys(SYS_sendmmsg, u1, out, 3, 0);
    check(n == 3 && out[0].msg_len == 3 && out[1].msg_len == 4 && out[2].msg_len == 5, "udp: sendmmsg", "n %ld", n);
    char in_buf[3][64];
    iovec in_iov[3];
    mmsghdr in[3]{};
    sockaddr_in in_src[3]{};
    int got = 0;
    bool sources_ok = true, payload_ok = true;
    while (got < 3 && readable(u2)) {
        for (int i = got; i < 3; ++i) {
            in_iov[i] = {in_buf[i], sizeof in_buf[i]};
            in[i].msg_hdr = {};
            in[i].msg_hdr.msg_name = &in_src[i];
            in[i].msg_hdr.msg_namelen = sizeof in_src[i];
            in[i].msg_hdr.msg_iov = &in_iov[i];
            in[i].msg_hdr.msg_iovlen = 1;
        }
        const long r = sys(SYS_recvmmsg, u2, &in[got], 3 - got, MSG_DONTWAIT, nullptr);
        if (r <= 0) break;
        for (long i = got; i < got + r; ++i) {
            sources_ok = sources_ok && in[i].msg_hdr.msg_namelen == sizeof(sockaddr_in) && same(in_src[i], n1);
            payload_ok = payload_ok && in[i].msg_len == std::strlen(payload[i]) &&
                         std::memcmp(in_buf[i], payload[i], in[i].msg_len) == 0;
        }
        got += int(r);
    }
    check(got == 3 && payload_ok, "udp: recvmmsg payloads", "got %d", got);
    check(got == 3 && sources_ok, "udp: recvmmsg source addresses");

    check(sys(SYS_connect, u1, &n2, sizeof n2) == 0, "udp: connect");
    check(same(name_of(u1, SYS_getpeername), n2), "udp: getpeername");
    check(sys(SYS_write, u1, "w1", 2) == 2, "udp: write connected");
    iovec two[2] = {{const_cast<char*>("ab"), 2}, {const_cast<char*>("cd"), 2}};
    check(sys(SYS_writev, u1, two, 2) == 4, "udp: writev connected");
    msghdr m{};
    m.msg_iov = two;
    m.msg_iovlen = 1;
    check(sys(SYS_sendmsg, u1, &m, 0) == 2, "udp: sendmsg connected");
    readable(u2);
    n = sys(SYS_read, u2, buf, sizeof buf);
    check(n == 2 && std::memcmp(buf, "w1", 2) == 0, "udp: read", "n %ld", n);
    readable(u2);
    char r1[3], r2[8];
    iovec rv[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    n = sys(SYS_readv, u2, rv, 2);
    check(n == 4 && std::memcmp(r1, "abc", 3) == 0 && r2[0] == 'd', "udp: readv of one datagram", "n %ld", n);
    readable(u2);
    iovec iv{buf, sizeof buf};
    msghdr rm{};
    rm.msg_name = &src;
    rm.msg_namelen = sizeof src;
    rm.msg_iov = &iv;
    rm.msg_iovlen = 1;
    n = sys(SYS_recvmsg, u2, &rm, 0);
    check(n == 2 && std::memcmp(buf, "ab", 2) == 0 && same(src, n1), "udp: recvmsg with source", "n %ld", n);

    const long fl = sys(SYS_fcntl, u2, F_GETFL);
    check(fl >= 0 && sys(SYS_fcntl, u2, F_SETFL, fl | O_NONBLOCK) == 0, "udp: fcntl O_NONBLOCK");
    errno = 0;
    check(sys(SYS_recvfrom, u2, buf, sizeof buf, 0, nullptr, nullptr) == -1 && errno == EAGAIN,
          "udp: non-blocking empty -> -1 EAGAIN");

    const int d = int(sys(SYS_dup, u2));
    const int d3 = int(sys(SYS_dup3, u2, d + 1, O_CLOEXEC));
    check(d >= 0 && d3 == d + 1, "udp: dup, dup3");
    check(sys(SYS_close, u2) == 0, "udp: close the original");
    sys(SYS_write, u1, "dup", 3);
    readable(d);
    n = sys(SYS_recvfrom, d, buf, sizeof buf, 0, &src, &sl);
    check(n == 3 && std::memcmp(buf, "dup", 3) == 0 && same(src, n1), "udp: recvfrom on the dup", "n %ld", n);
    sys(SYS_write, u1, "dup3", 4);
    readable(d3);
    n = sys(SYS_read, d3, buf, sizeof buf);
    check(n == 4 && std::memcmp(buf, "dup3", 4) == 0, "udp: read on the dup3", "n %ld", n);
    check(sys(SYS_close, d) == 0 && sys(SYS_close, d3) == 0 && sys(SYS_close, u1) == 0, "udp: close");
}

// An epoll registration made (through syscall) while the socket is still a kernel socket must
// survive the socket turning virtual at bind.
void epoll_checks() {
    const int ep = epoll_create1(EPOLL_CLOEXEC);
    const int u = int(sys(SYS_socket, AF_INET, SOCK_DGRAM, 0));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = u;
    check(sys(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, u, &ev) == 0, "epoll: register before bind");
    sockaddr_in b = addr_port(0);
    check(sys(SYS_bind, u, &b, sizeof b) == 0, "epoll: bind");
    const sockaddr_in nu = name_of(u, SYS_getsockname);
    const int s = udp_socket();
    sys(SYS_sendto, s, "ev", 2, 0, &nu, sizeof nu);
    epoll_event out{};
    const int r = epoll_wait(ep, &out, 1, 3000);
    check(r == 1 && out.data.fd == u && (out.events & EPOLLIN), "epoll: readable after bind", "r %d", r);
    sys(SYS_close, s);
    sys(SYS_close, u);
    close(ep);
}

void tcp_checks() {
    const int l = int(sys(SYS_socket, AF_INET, SOCK_STREAM, 0));
    int one = 1;
    sockaddr_in b = addr_port(0);
    check(l >= 0 && sys(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0 &&
              sys(SYS_bind, l, &b, sizeof b) == 0 && sys(SYS_listen, l, 8) == 0,
          "tcp: socket, setsockopt, bind, listen");
    const sockaddr_in ln = name_of(l, SYS_getsockname);
    check(ln.sin_port != 0 && ln.sin_addr.s_addr == g_addr.s_addr, "tcp: listener getsockname");
    const int c = int(sys(SYS_socket, AF_INET, SOCK_STREAM, 0));
    check(sys(SYS_connect, c, &ln, sizeof ln) == 0, "tcp: connect");
    sockaddr_in peer{};
    socklen_t pl = sizeof peer;
    readable(l);
    const int a = int(sys(SYS_accept4, l, &peer, &pl, SOCK_CLOEXEC));
    check(a >= 0 && peer.sin_family == AF_INET && peer.sin_addr.s_addr == g_addr.s_addr, "tcp: accept4 with peer");
    check(same(name_of(c, SYS_getpeername), ln), "tcp: getpeername");
    int err = -1;
    socklen_t el = sizeof err;
    check(sys(SYS_getsockopt, c, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err == 0, "tcp: SO_ERROR 0");
    char buf[64];
    check(sys(SYS_write, c, "hello", 5) == 5, "tcp: write");
    readable(a);
    long n = sys(SYS_read, a, buf, sizeof buf);
    check(n == 5 && std::memcmp(buf, "hello", 5) == 0, "tcp: read", "n %ld", n);
    check(sys(SYS_sendto, a, "back", 4, 0, nullptr, 0) == 4, "tcp: send");
    readable(c);
    n = sys(SYS_recvfrom, c, buf, sizeof buf, 0, nullptr, nullptr);
    check(n == 4 && std::memcmp(buf, "back", 4) == 0, "tcp: recv", "n %ld", n);
    check(sys(SYS_shutdown, c, SHUT_WR) == 0, "tcp: shutdown(SHUT_WR)");
    readable(a);
    check(sys(SYS_read, a, buf, sizeof buf) == 0, "tcp: EOF after the peer's shutdown");
    check(sys(SYS_close, a) == 0 && sys(SYS_close, c) == 0 && sys(SYS_close, l) == 0, "tcp: close");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || inet_pton(AF_INET, argv[1], &g_addr) != 1) {
        std::fprintf(stderr, "usage: raw_syscall IPV4_ADDR\n");
        return 2;
    }
    udp_checks();
    epoll_checks();
    tcp_checks();
    return g_failures ? 1 : 0;
}

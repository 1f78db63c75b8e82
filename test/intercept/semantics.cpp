// Differential socket-semantics check: run it plain against kernel loopback, then under
// LD_PRELOAD=libztintercept.so against a virtual address; both runs must print the same "ok"
// lines. One line per check; exit status 1 if any check failed.
//
//   semantics [--target ADDR] [--bind ADDR] [--foreign ADDR] [--no-v6]
//     --target  address the clients connect/send to (default 127.0.0.1); a local address: the
//               program runs its own listeners and UDP peers
//     --bind    address the listeners and UDP sockets bind to (default: the target)
//     --no-v6   skip the AF_INET6 / v4-mapped checks
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <string>

namespace {

int g_failures = 0;
sockaddr_storage g_target{}, g_bind{};
int g_family = AF_INET;
sockaddr_storage g_foreign{};  // --foreign: an address of the target's network that is not ours
bool g_have_foreign = false;

void check(bool ok, const char* name, const char* fmt = "", ...) {
    if (ok) {
        std::printf("ok   %s\n", name);
    } else {
        ++g_failures;
        char buf[512];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        std::printf("FAIL %s: %s (errno %d %s)\n", name, buf, errno, std::strerror(errno));
    }
    std::fflush(stdout);
}

bool parse(const char* s, sockaddr_storage& out) {
    std::memset(&out, 0, sizeof out);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
    if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

uint16_t port_of(const sockaddr_storage& s) {
    return ntohs(s.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(s).sin6_port
                                         : reinterpret_cast<const sockaddr_in&>(s).sin_port);
}

void set_port(sockaddr_storage& s, uint16_t p) {
    if (s.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6&>(s).sin6_port = htons(p);
    } else {
        reinterpret_cast<sockaddr_in&>(s).sin_port = htons(p);
    }
}

std::string str(const sockaddr_storage& s) {
    char b[INET6_ADDRSTRLEN] = "?";
    if (s.ss_family == AF_INET) inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(s).sin_addr, b, sizeof b);
    if (s.ss_family == AF_INET6) inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(s).sin6_addr, b, sizeof b);
    return std::string(s.ss_family == AF_INET6 ? "[" : "") + b + (s.ss_family == AF_INET6 ? "]" : "") + ":" +
           std::to_string(port_of(s));
}

bool same_ip(const sockaddr_storage& a, const sockaddr_storage& b) {
    if (a.ss_family != b.ss_family) return false;
    if (a.ss_family == AF_INET)
        return std::memcmp(&reinterpret_cast<const sockaddr_in&>(a).sin_addr,
                           &reinterpret_cast<const sockaddr_in&>(b).sin_addr, 4) == 0;
    return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr,
                       &reinterpret_cast<const sockaddr_in6&>(b).sin6_addr, 16) == 0;
}

bool same(const sockaddr_storage& a, const sockaddr_storage& b) { return same_ip(a, b) && port_of(a) == port_of(b); }

socklen_t len_of(const sockaddr_storage& s) { return s.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in); }

sockaddr_storage name_of(int fd, bool peer) {
    sockaddr_storage s{};
    socklen_t l = sizeof s;
    if ((peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&s), &l) : getsockname(fd, reinterpret_cast<sockaddr*>(&s), &l)) != 0)
        s.ss_family = AF_UNSPEC;
    return s;
}

int opt_int(int fd, int level, int name) {
    int v = -12345;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) != 0) return -12345;
    return v;
}

short wait_for(int fd, short events, int ms = 5000) {
    pollfd p{fd, events, 0};
    if (poll(&p, 1, ms) != 1) return 0;
    return p.revents;
}

bool read_exact(int fd, char* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        if (!(wait_for(fd, POLLIN) & (POLLIN | POLLHUP))) return false;
        const ssize_t r = read(fd, buf + got, n - got);
        if (r <= 0) return false;
        got += size_t(r);
    }
    return true;
}

sockaddr_storage with_port(const sockaddr_storage& base, uint16_t port) {
    sockaddr_storage s = base;
    set_port(s, port);
    return s;
}

int make_listener(int family, const sockaddr_storage& addr, uint16_t& port) {
    const int l = socket(family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage a = with_port(addr, 0);
    if (bind(l, reinterpret_cast<sockaddr*>(&a), len_of(a)) != 0 || listen(l, 16) != 0) return -1;
    port = port_of(name_of(l, false));
    return l;
}

// A port nobody listens on: bind one, note it, close it.
uint16_t closed_port() {
    const int s = socket(g_family, SOCK_STREAM, 0);
    sockaddr_storage a = with_port(g_bind, 0);
    bind(s, reinterpret_cast<sockaddr*>(&a), len_of(a));
    const uint16_t p = port_of(name_of(s, false));
    close(s);
    return p;
}

void tcp_checks() {
    const int fam = g_family;
    {
        const int s = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        check((fcntl(s, F_GETFL) & O_NONBLOCK) && (fcntl(s, F_GETFD) & FD_CLOEXEC), "socket: SOCK_NONBLOCK|SOCK_CLOEXEC");
        errno = 0;
        sockaddr_storage p{};
        socklen_t l = sizeof p;
        check(getpeername(s, reinterpret_cast<sockaddr*>(&p), &l) == -1 && errno == ENOTCONN,
              "getpeername: unconnected -> ENOTCONN");
        close(s);
    }
    uint16_t port = 0;
    const int L = make_listener(fam, g_bind, port);
    check(L >= 0 && port != 0, "listener: bind port 0 + listen", "port %u", port);
    if (L < 0) return;
    check(opt_int(L, SOL_SOCKET, SO_ACCEPTCONN) == 1, "listener: SO_ACCEPTCONN 1");
    check(opt_int(L, SOL_SOCKET, SO_TYPE) == SOCK_STREAM && opt_int(L, SOL_SOCKET, SO_DOMAIN) == fam &&
              opt_int(L, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP,
          "listener: SO_TYPE/SO_DOMAIN/SO_PROTOCOL");
    {
        const int d = socket(fam, SOCK_STREAM, 0);
        sockaddr_storage a = with_port(g_bind, port);
        errno = 0;
        check(bind(d, reinterpret_cast<sockaddr*>(&a), len_of(a)) == -1 && errno == EADDRINUSE,
              "bind: port in use -> EADDRINUSE");
        close(d);
    }
    const sockaddr_storage dst = with_port(g_target, port);

    // Blocking connect, addresses, accept4 flags, options.
    const int c = socket(fam, SOCK_STREAM, 0);
    check(connect(c, reinterpret_cast<const sockaddr*>(&dst), len_of(dst)) == 0, "connect: blocking to an open port");
    const sockaddr_storage cpeer = name_of(c, true), cname = name_of(c, false);
    check(same(cpeer, dst), "getpeername: client", "got %s want %s", str(cpeer).c_str(), str(dst).c_str());
    check(cname.ss_family == fam && port_of(cname) != 0, "getsockname: client", "got %s", str(cname).c_str());
    check(opt_int(c, SOL_SOCKET, SO_TYPE) == SOCK_STREAM && opt_int(c, SOL_SOCKET, SO_DOMAIN) == fam &&
              opt_int(c, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP,
          "client: SO_TYPE/SO_DOMAIN/SO_PROTOCOL");
    check(opt_int(c, SOL_SOCKET, SO_ERROR) == 0, "client: SO_ERROR 0 when connected");
    {
        int one = 1;
        setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        check(opt_int(c, IPPROTO_TCP, TCP_NODELAY) == 1 && opt_int(c, SOL_SOCKET, SO_KEEPALIVE) == 1,
              "client: TCP_NODELAY / SO_KEEPALIVE read back");
    }
    errno = 0;
    check(connect(c, reinterpret_cast<const sockaddr*>(&dst), len_of(dst)) == -1 && errno == EISCONN,
          "connect: again when connected -> EISCONN");

    sockaddr_storage from{};
    socklen_t fl = sizeof from;
    wait_for(L, POLLIN);
    const int a = accept4(L, reinterpret_cast<sockaddr*>(&from), &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    check(a >= 0, "accept4: returns a connection");
    if (a < 0) return;
    check((fcntl(a, F_GETFL) & O_NONBLOCK) && (fcntl(a, F_GETFD) & FD_CLOEXEC), "accept4: flags on the new fd");
    check(!(fcntl(L, F_GETFL) & O_NONBLOCK), "accept4: listener flags untouched");
    check(fl == len_of(cname) && same(from, cname), "accept4: peer address = client's getsockname", "got %s want %s",
          str(from).c_str(), str(cname).c_str());
    check(same(name_of(a, true), from), "getpeername: accepted");
    const sockaddr_storage aname = name_of(a, false);
    check(port_of(aname) == port && aname.ss_family == fam, "getsockname: accepted = listener port", "got %s",
          str(aname).c_str());
    check(opt_int(a, SOL_SOCKET, SO_TYPE) == SOCK_STREAM && opt_int(a, SOL_SOCKET, SO_DOMAIN) == fam &&
              opt_int(a, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_TCP,
          "accepted: SO_TYPE/SO_DOMAIN/SO_PROTOCOL");

    // Data, sendto/recvfrom on TCP, half close.
    char buf[64];
    check(write(c, "hello", 5) == 5 && read_exact(a, buf, 5) && std::memcmp(buf, "hello", 5) == 0, "data: client -> server");
    check(write(a, "world", 5) == 5 && read_exact(c, buf, 5) && std::memcmp(buf, "world", 5) == 0, "data: server -> client");
    {
        sockaddr_storage other = with_port(g_target, 9);
        check(sendto(c, "x", 1, 0, reinterpret_cast<sockaddr*>(&other), len_of(other)) == 1 && read_exact(a, buf, 1) &&
                  buf[0] == 'x',
              "sendto: connected TCP ignores the address");
        check(write(a, "y", 1) == 1 && wait_for(c, POLLIN), "data: y");
        sockaddr_storage src{};
        socklen_t sl = sizeof src;
        const ssize_t n = recvfrom(c, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &sl);
        check(n == 1 && sl == 0, "recvfrom: TCP sets addrlen 0", "n %zd addrlen %u", n, sl);
    }
    check(shutdown(c, SHUT_WR) == 0, "shutdown: SHUT_WR");
    check((wait_for(a, POLLIN) & POLLIN) && read(a, buf, sizeof buf) == 0, "shutdown: peer reads EOF");
    check(write(a, "z", 1) == 1 && read_exact(c, buf, 1) && buf[0] == 'z', "shutdown: other direction still open");
    close(a);
    check((wait_for(c, POLLIN) & POLLIN) && read(c, buf, sizeof buf) == 0, "close: client reads EOF");
    close(c);

    // Non-blocking connect, registered in epoll before connect (the shim must move the registration).
    {
        const int ep = epoll_create1(EPOLL_CLOEXEC);
        const int n = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLET;
        ev.data.fd = n;
        epoll_ctl(ep, EPOLL_CTL_ADD, n, &ev);
        errno = 0;
        const int r = connect(n, reinterpret_cast<const sockaddr*>(&dst), len_of(dst));
        check(r == 0 || errno == EINPROGRESS, "connect: non-blocking -> EINPROGRESS", "r %d", r);
        bool out = false;
        for (int i = 0; i < 10 && !out; ++i) {
            epoll_event got{};
            if (epoll_wait(ep, &got, 1, 500) == 1 && got.data.fd == n && (got.events & EPOLLOUT) &&
                !(got.events & (EPOLLERR | EPOLLHUP)))
                out = true;
        }
        check(out, "connect: EPOLLOUT (registered before connect) once established");
        check(wait_for(n, POLLOUT) == POLLOUT, "connect: non-blocking then POLLOUT only");
        check(opt_int(n, SOL_SOCKET, SO_ERROR) == 0, "connect: non-blocking SO_ERROR 0");
        check(same(name_of(n, true), dst), "getpeername: after non-blocking connect");
        errno = 0;
        const int r2 = connect(n, reinterpret_cast<const sockaddr*>(&dst), len_of(dst));
        const int e2 = errno;
        errno = 0;
        const int r3 = connect(n, reinterpret_cast<const sockaddr*>(&dst), len_of(dst));
        check(((r2 == 0) || (r2 == -1 && e2 == EISCONN)) && r3 == -1 && errno == EISCONN,
              "connect: repeated after establishment -> 0/EISCONN then EISCONN", "r2 %d/%d r3 %d", r2, e2, r3);
        wait_for(L, POLLIN);
        const int a2 = accept(L, nullptr, nullptr);
        check(a2 >= 0, "accept: with NULL address");
        close(a2);
        close(n);
        close(ep);
    }

    // Refused, blocking and non-blocking.
    const sockaddr_storage closed = with_port(g_target, closed_port());
    {
        const int s = socket(fam, SOCK_STREAM, 0);
        errno = 0;
        check(connect(s, reinterpret_cast<const sockaddr*>(&closed), len_of(closed)) == -1 && errno == ECONNREFUSED,
              "connect: blocking to a closed port -> ECONNREFUSED");
        check(opt_int(s, SOL_SOCKET, SO_ERROR) == 0, "connect: SO_ERROR 0 after a reported refusal");
        close(s);
    }
    {
        const int s = socket(fam, SOCK_STREAM | SOCK_NONBLOCK, 0);
        errno = 0;
        const int r = connect(s, reinterpret_cast<const sockaddr*>(&closed), len_of(closed));
        if (r == -1 && errno == ECONNREFUSED) {
            check(true, "connect: non-blocking to a closed port -> EINPROGRESS (or ECONNREFUSED at once)");
        } else {
            check(r == -1 && errno == EINPROGRESS, "connect: non-blocking to a closed port -> EINPROGRESS (or ECONNREFUSED at once)");
            const short ev = wait_for(s, POLLOUT);
            check((ev & POLLOUT) && (ev & POLLERR), "connect: refused -> POLLOUT|POLLERR", "revents 0x%x", ev);
            check(opt_int(s, SOL_SOCKET, SO_ERROR) == ECONNREFUSED, "connect: refused -> SO_ERROR ECONNREFUSED");
            check(opt_int(s, SOL_SOCKET, SO_ERROR) == 0, "connect: refused -> then SO_ERROR 0");
            errno = 0;
            sockaddr_storage p{};
            socklen_t l = sizeof p;
            check(getpeername(s, reinterpret_cast<sockaddr*>(&p), &l) == -1 && errno == ENOTCONN,
                  "getpeername: refused -> ENOTCONN");
        }
        close(s);
    }
    close(L);
}

void udp_checks() {
    const int fam = g_family;
    const int u1 = socket(fam, SOCK_DGRAM, 0), u2 = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_storage b = with_port(g_bind, 0);
    check(bind(u1, reinterpret_cast<sockaddr*>(&b), len_of(b)) == 0 && bind(u2, reinterpret_cast<sockaddr*>(&b), len_of(b)) == 0,
          "udp: bind port 0");
    check(opt_int(u1, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM && opt_int(u1, SOL_SOCKET, SO_DOMAIN) == fam &&
              opt_int(u1, SOL_SOCKET, SO_PROTOCOL) == IPPROTO_UDP,
          "udp: SO_TYPE/SO_DOMAIN/SO_PROTOCOL");
    const sockaddr_storage n1 = name_of(u1, false), n2 = name_of(u2, false);
    const sockaddr_storage d2 = with_port(g_target, port_of(n2)), d1 = with_port(g_target, port_of(n1));
    check(port_of(n1) != 0 && n1.ss_family == fam, "udp: getsockname", "got %s", str(n1).c_str());
    errno = 0;
    sockaddr_storage p{};
    socklen_t pl = sizeof p;
    check(getpeername(u1, reinterpret_cast<sockaddr*>(&p), &pl) == -1 && errno == ENOTCONN, "udp: getpeername unconnected -> ENOTCONN");
    errno = 0;
    check(send(u2, "q", 1, 0) == -1 && errno == EDESTADDRREQ, "udp: send unconnected -> EDESTADDRREQ");

    char buf[256];
    check(sendto(u1, "ping", 4, 0, reinterpret_cast<const sockaddr*>(&d2), len_of(d2)) == 4, "udp: sendto");
    sockaddr_storage src{};
    socklen_t sl = sizeof src;
    wait_for(u2, POLLIN);
    ssize_t n = recvfrom(u2, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&src), &sl);
    check(n == 4 && std::memcmp(buf, "ping", 4) == 0, "udp: recvfrom payload", "n %zd", n);
    check(sl == len_of(n1) && port_of(src) == port_of(n1) && src.ss_family == fam, "udp: recvfrom source address",
          "got %s want port %u", str(src).c_str(), port_of(n1));

    char big[100];
    std::memset(big, 'b', sizeof big);
    sendto(u1, big, 100, 0, reinterpret_cast<const sockaddr*>(&d2), len_of(d2));
    wait_for(u2, POLLIN);
    int avail = -1;
    check(ioctl(u2, FIONREAD, &avail) == 0 && avail == 100, "udp: FIONREAD = next datagram size", "got %d", avail);
    n = recv(u2, buf, 10, MSG_PEEK);
    check(n == 10, "udp: MSG_PEEK", "n %zd", n);
    n = recv(u2, buf, 10, MSG_TRUNC);
    check(n == 100, "udp: recv(MSG_TRUNC) returns the full length", "n %zd", n);
    sendto(u1, big, 100, 0, reinterpret_cast<const sockaddr*>(&d2), len_of(d2));
    wait_for(u2, POLLIN);
    iovec iov{buf, 10};
    msghdr m{};
    m.msg_name = &src;
    m.msg_namelen = sizeof src;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    n = recvmsg(u2, &m, 0);
    check(n == 10 && (m.msg_flags & MSG_TRUNC) && port_of(src) == port_of(n1), "udp: recvmsg truncation sets MSG_TRUNC",
          "n %zd flags 0x%x", n, m.msg_flags);
    errno = 0;
    check(recv(u2, buf, sizeof buf, 0) == -1 && errno == EAGAIN, "udp: non-blocking empty -> EAGAIN");

    check(connect(u1, reinterpret_cast<const sockaddr*>(&d2), len_of(d2)) == 0, "udp: connect");
    check(same_ip(name_of(u1, true), d2) && port_of(name_of(u1, true)) == port_of(d2), "udp: getpeername connected");
    check(send(u1, "c1", 2, 0) == 2 && write(u1, "c2", 2) == 2, "udp: send/write connected");
    wait_for(u2, POLLIN);
    n = read(u2, buf, sizeof buf);
    check(n == 2 && std::memcmp(buf, "c1", 2) == 0, "udp: read", "n %zd", n);
    wait_for(u2, POLLIN);
    n = recv(u2, buf, sizeof buf, 0);
    check(n == 2 && std::memcmp(buf, "c2", 2) == 0, "udp: recv", "n %zd", n);
    sendto(u2, "back", 4, 0, reinterpret_cast<const sockaddr*>(&d1), len_of(d1));
    wait_for(u1, POLLIN);
    n = recv(u1, buf, sizeof buf, 0);
    check(n == 4, "udp: reply to a connected socket", "n %zd", n);
    close(u1);
    close(u2);
}

// SO_REUSEPORT for UDP: two sockets share a port, a third without the option cannot; every
// datagram reaches the group, all of one source's datagrams reach the same member, and with 16
// sources both members get some (the kernel hashes the source; all on one: p = 2^-15).
void udp_reuseport_checks() {
    int one = 1;
    int R[2];
    uint16_t port = 0;
    bool shared = true;
    for (int i = 0; i < 2; ++i) {
        R[i] = socket(g_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        setsockopt(R[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        const sockaddr_storage a = with_port(g_bind, port);
        shared = shared && bind(R[i], reinterpret_cast<const sockaddr*>(&a), len_of(a)) == 0;
        if (i == 0) port = port_of(name_of(R[0], false));
    }
    check(shared, "udp: two SO_REUSEPORT sockets on one port", "errno %d", errno);
    const int X = socket(g_family, SOCK_DGRAM, 0);
    const sockaddr_storage xa = with_port(g_bind, port);
    check(bind(X, reinterpret_cast<const sockaddr*>(&xa), len_of(xa)) < 0 && errno == EADDRINUSE,
          "udp: a third without SO_REUSEPORT: EADDRINUSE", "errno %d", errno);
    close(X);
    constexpr int kSources = 16, kEach = 3;
    int clients[kSources];
    const sockaddr_storage d = with_port(g_target, port);
    for (int i = 0; i < kSources; ++i) {
        clients[i] = socket(g_family, SOCK_DGRAM, 0);
        for (int k = 0; k < kEach; ++k) {
            char msg[16];
            const int len = std::snprintf(msg, sizeof msg, "s%d.%d", i, k);
            sendto(clients[i], msg, size_t(len), 0, reinterpret_cast<const sockaddr*>(&d), len_of(d));
        }
    }
    int member_of[kSources], got[2] = {0, 0}, total = 0;
    bool sticky = true;
    std::fill(std::begin(member_of), std::end(member_of), -1);
    for (int round = 0; round < 100 && total < kSources * kEach; ++round)
        for (int m = 0; m < 2; ++m) {
            if (!(wait_for(R[m], POLLIN, 20) & POLLIN)) continue;
            char buf[32];
            ssize_t n;
            while ((n = recv(R[m], buf, sizeof buf - 1, 0)) > 0) {
                buf[n] = 0;
                int i = -1, k = -1;
                if (std::sscanf(buf, "s%d.%d", &i, &k) != 2 || i < 0 || i >= kSources) continue;
                ++total;
                ++got[m];
                if (member_of[i] < 0) member_of[i] = m;
                sticky = sticky && member_of[i] == m;
            }
        }
    check(total == kSources * kEach, "udp: the SO_REUSEPORT group gets every datagram", "got %d of %d", total,
          kSources * kEach);
    check(sticky, "udp: one source's datagrams all reach the same member");
    check(got[0] > 0 && got[1] > 0, "udp: both members of the group get datagrams", "%d and %d", got[0], got[1]);
    for (int c : clients) close(c);
    for (int fd : R) close(fd);
}

// AF_INET6 sockets talking to an IPv4 target through v4-mapped addresses.
void mapped_checks() {
    if (g_family != AF_INET) return;
    const int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) {
        std::printf("skip v4-mapped checks: no IPv6\n");
        return;
    }
    close(probe);
    sockaddr_storage any6{};
    any6.ss_family = AF_INET6;  // in6addr_any
    uint16_t port = 0;
    const int L = make_listener(AF_INET6, any6, port);
    check(L >= 0, "v6: listener on [::]");
    if (L < 0) return;
    sockaddr_storage mapped{};
    auto& m6 = reinterpret_cast<sockaddr_in6&>(mapped);
    m6.sin6_family = AF_INET6;
    m6.sin6_port = htons(port);
    m6.sin6_addr.s6_addr[10] = m6.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&m6.sin6_addr.s6_addr[12], &reinterpret_cast<sockaddr_in&>(g_target).sin_addr, 4);

    const int c4 = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_storage d4 = with_port(g_target, port);
    check(connect(c4, reinterpret_cast<const sockaddr*>(&d4), len_of(d4)) == 0, "v6: AF_INET client to [::] listener");
    sockaddr_storage from{};
    socklen_t fl = sizeof from;
    wait_for(L, POLLIN);
    const int a = accept(L, reinterpret_cast<sockaddr*>(&from), &fl);
    const sockaddr_storage c4name = name_of(c4, false);
    const auto& f6 = reinterpret_cast<const sockaddr_in6&>(from);
    check(a >= 0 && from.ss_family == AF_INET6 && fl == sizeof(sockaddr_in6) && IN6_IS_ADDR_V4MAPPED(&f6.sin6_addr) &&
              std::memcmp(&f6.sin6_addr.s6_addr[12], &reinterpret_cast<const sockaddr_in&>(c4name).sin_addr, 4) == 0 &&
              ntohs(f6.sin6_port) == port_of(c4name),
          "v6: accept reports the v4-mapped peer", "got %s client %s", str(from).c_str(), str(c4name).c_str());
    const sockaddr_storage an = name_of(a, false);
    check(an.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6&>(an).sin6_addr) &&
              port_of(an) == port,
          "v6: accepted getsockname v4-mapped", "got %s", str(an).c_str());
    close(a);
    close(c4);

    const int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    check(connect(c6, reinterpret_cast<const sockaddr*>(&mapped), sizeof(sockaddr_in6)) == 0, "v6: AF_INET6 client to a v4-mapped address");
    const sockaddr_storage pn = name_of(c6, true), sn = name_of(c6, false);
    check(same(pn, mapped), "v6: getpeername v4-mapped", "got %s", str(pn).c_str());
    check(sn.ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&reinterpret_cast<const sockaddr_in6&>(sn).sin6_addr),
          "v6: getsockname v4-mapped", "got %s", str(sn).c_str());
    check(opt_int(c6, SOL_SOCKET, SO_DOMAIN) == AF_INET6, "v6: SO_DOMAIN AF_INET6");
    wait_for(L, POLLIN);
    close(accept(L, nullptr, nullptr));
    close(c6);
    close(L);
}

// Dual stack and port sharing, as the kernel does them: IPV6_V6ONLY both ways, an IPv4 and a
// v6-only listener on one port, v4-mapped destinations on a v6-only socket, SO_REUSEPORT groups.
void dualstack_checks() {
    if (g_family != AF_INET) return;
    const int probe = socket(AF_INET6, SOCK_STREAM, 0);
    if (probe < 0) {
        std::printf("skip dual-stack checks: no IPv6\n");
        return;
    }
    close(probe);
    int one = 1;
    sockaddr_storage any6{};
    any6.ss_family = AF_INET6;

    // A v6-only listener on [::]:P and an IPv4 one on P live side by side; IPv4 clients reach the
    // IPv4 one.
    const int L6 = socket(AF_INET6, SOCK_STREAM, 0);
    setsockopt(L6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    check(opt_int(L6, IPPROTO_IPV6, IPV6_V6ONLY) == 1, "dual: IPV6_V6ONLY reads back 1");
    const bool b6 = bind(L6, reinterpret_cast<const sockaddr*>(&any6), sizeof(sockaddr_in6)) == 0 && listen(L6, 8) == 0;
    check(b6, "dual: v6-only listener on [::]");
    const uint16_t port = port_of(name_of(L6, false));
    const int L4 = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_storage a4 = with_port(g_bind, port);
    check(bind(L4, reinterpret_cast<const sockaddr*>(&a4), len_of(a4)) == 0 && listen(L4, 8) == 0,
          "dual: IPv4 listener on the port of a v6-only one", "errno %d", errno);
    const int c4 = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_storage d4 = with_port(g_target, port);
    check(connect(c4, reinterpret_cast<const sockaddr*>(&d4), len_of(d4)) == 0, "dual: IPv4 client connects");
    check(wait_for(L4, POLLIN, 3000) & POLLIN, "dual: the IPv4 listener gets it");
    check(!(wait_for(L6, POLLIN, 200) & POLLIN), "dual: the v6-only listener does not");
    close(accept(L4, nullptr, nullptr));
    close(c4);
    close(L4);

    // A v6-only socket cannot reach a v4-mapped address.
    const int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    setsockopt(c6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    sockaddr_in6 m{};
    m.sin6_family = AF_INET6;
    m.sin6_port = htons(port);
    m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&m.sin6_addr.s6_addr[12], &reinterpret_cast<sockaddr_in&>(g_target).sin_addr, 4);
    const int r = connect(c6, reinterpret_cast<const sockaddr*>(&m), sizeof m);
    check(r < 0 && errno == ENETUNREACH, "dual: v6-only socket to a v4-mapped address: ENETUNREACH", "r %d errno %d", r, errno);
    close(c6);
    close(L6);

    // A dual-stack [::] listener holds the IPv4 port too.
    const int D = socket(AF_INET6, SOCK_STREAM, 0);
    int zero = 0;
    setsockopt(D, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    check(bind(D, reinterpret_cast<const sockaddr*>(&any6), sizeof(sockaddr_in6)) == 0 && listen(D, 8) == 0,
          "dual: dual-stack listener on [::]");
    const int B4 = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_storage a4d = with_port(g_bind, port_of(name_of(D, false)));
    check(bind(B4, reinterpret_cast<const sockaddr*>(&a4d), len_of(a4d)) < 0 && errno == EADDRINUSE,
          "dual: IPv4 bind on a dual-stack listener's port: EADDRINUSE", "errno %d", errno);
    close(B4);
    close(D);

    // SO_REUSEPORT: two listeners share a port and both take connections; without it, EADDRINUSE.
    int R[2];
    uint16_t rport = 0;
    bool shared = true;
    for (int i = 0; i < 2; ++i) {
        R[i] = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(R[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
        const sockaddr_storage ra = with_port(g_bind, rport);
        shared = shared && bind(R[i], reinterpret_cast<const sockaddr*>(&ra), len_of(ra)) == 0 && listen(R[i], 64) == 0;
        if (i == 0) rport = port_of(name_of(R[0], false));
    }
    check(shared, "dual: two SO_REUSEPORT listeners on one port", "errno %d", errno);
    const int X = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_storage xa = with_port(g_bind, rport);
    check(bind(X, reinterpret_cast<const sockaddr*>(&xa), len_of(xa)) < 0 && errno == EADDRINUSE,
          "dual: a third without SO_REUSEPORT: EADDRINUSE", "errno %d", errno);
    close(X);
    int got = 0, clients[16];
    for (int& c : clients) {
        c = socket(AF_INET, SOCK_STREAM, 0);
        const sockaddr_storage rd = with_port(g_target, rport);
        if (connect(c, reinterpret_cast<const sockaddr*>(&rd), len_of(rd)) != 0) std::printf("# reuseport connect: %d\n", errno);
    }
    for (int round = 0; round < 50 && got < 16; ++round)
        for (int fd : R)
            if (wait_for(fd, POLLIN, 20) & POLLIN) {
                const int a = accept(fd, nullptr, nullptr);
                if (a >= 0) {
                    ++got;
                    close(a);
                }
            }
    check(got == 16, "dual: SO_REUSEPORT group accepts every connection", "accepted %d of 16", got);
    for (int c : clients) close(c);
    for (int fd : R) close(fd);
}

// IP_FREEBIND: a bind to an address that is not ours fails, unless the option is set.
void freebind_checks() {
    if (!g_have_foreign) return;
    for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
        const char* t = type == SOCK_STREAM ? "tcp" : "udp";
        char name[96];
        const int s = socket(g_foreign.ss_family, type, 0);
        const sockaddr_storage a = with_port(g_foreign, 0);
        const int r = bind(s, reinterpret_cast<const sockaddr*>(&a), len_of(a));
        std::snprintf(name, sizeof name, "freebind: %s bind to a foreign address: EADDRNOTAVAIL", t);
        check(r < 0 && errno == EADDRNOTAVAIL, name, "r %d errno %d", r, errno);
        close(s);
        const int f = socket(g_foreign.ss_family, type, 0);
        int one = 1;
        setsockopt(f, g_foreign.ss_family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP,
                   g_foreign.ss_family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND, &one, sizeof one);
        const int r2 = bind(f, reinterpret_cast<const sockaddr*>(&a), len_of(a));
        std::snprintf(name, sizeof name, "freebind: %s bind with IP_FREEBIND succeeds", t);
        check(r2 == 0, name, "errno %d", errno);
        std::snprintf(name, sizeof name, "freebind: %s getsockname is the foreign address", t);
        check(r2 == 0 && same_ip(name_of(f, false), g_foreign) && port_of(name_of(f, false)) != 0, name, "got %s",
              str(name_of(f, false)).c_str());
        if (type == SOCK_STREAM) {
            std::snprintf(name, sizeof name, "freebind: %s listen on it", t);
            check(r2 == 0 && listen(f, 4) == 0, name, "errno %d", errno);
        }
        close(f);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const char* target = "127.0.0.1";
    const char* bindaddr = nullptr;
    bool v6 = true;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--target") && i + 1 < argc) {
            target = argv[++i];
        } else if (!std::strcmp(argv[i], "--bind") && i + 1 < argc) {
            bindaddr = argv[++i];
        } else if (!std::strcmp(argv[i], "--foreign") && i + 1 < argc) {
            g_have_foreign = parse(argv[++i], g_foreign);
        } else if (!std::strcmp(argv[i], "--no-v6")) {
            v6 = false;
        } else {
            std::fprintf(stderr, "usage: %s [--target ADDR] [--bind ADDR] [--foreign ADDR] [--no-v6]\n", argv[0]);
            return 2;
        }
    }
    if (!parse(target, g_target) || !parse(bindaddr ? bindaddr : target, g_bind)) {
        std::fprintf(stderr, "bad address\n");
        return 2;
    }
    g_family = g_target.ss_family;
    tcp_checks();
    udp_checks();
    udp_reuseport_checks();
    if (v6) mapped_checks();
    if (v6) dualstack_checks();
    freebind_checks();
    std::printf("%s: %d failure(s)\n", g_failures ? "FAILED" : "PASSED", g_failures);
    return g_failures ? 1 : 0;
}

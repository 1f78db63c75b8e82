// socket()/socketpair(), recognising fds we did not create (inherited across exec, received by
// SCM_RIGHTS, created by raw syscalls), and the swap of a carrier in behind an app fd.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>

#include <cstring>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/names.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

namespace zti {
namespace {

constexpr int kTypeMask = 0xf;  // SOCK_TYPE_MASK

int domain_of(const ztctl::NameAddr& a) { return a.family == 6 ? AF_INET6 : AF_INET; }

int sockopt_int(int fd, int name) {
    int v = -1;
    socklen_t l = sizeof v;
    if (real::getsockopt(fd, SOL_SOCKET, name, &v, &l) != 0) return -1;
    return v;
}

}  // namespace

void record_socket(int fd, int domain, int type, int protocol) noexcept {
    const int base = type & kTypeMask;
    const bool inet = domain == AF_INET || domain == AF_INET6;
    if (inet && base == SOCK_STREAM && (protocol == 0 || protocol == IPPROTO_TCP)) {
        g_fds.set(fd, make_entry(Kind::inet, domain, SOCK_STREAM, IPPROTO_TCP));
    } else if (inet && base == SOCK_DGRAM && (protocol == 0 || protocol == IPPROTO_UDP)) {
        g_fds.set(fd, make_entry(Kind::inet, domain, SOCK_DGRAM, IPPROTO_UDP));
    } else if (g_fds.kind(fd) != Kind::none) {
        g_fds.clear(fd);  // a stale entry (the fd was closed behind our back)
    }
}

int on_socket(int domain, int type, int protocol) noexcept {
    const int fd = real::socket(domain, type, protocol);
    if (fd >= 0) record_socket(fd, domain, type, protocol);
    return fd;
}

int on_socketpair(int domain, int type, int protocol, int sv[2]) noexcept {
    const int r = real::socketpair(domain, type, protocol, sv);
    if (r == 0) {
        if (g_fds.kind(sv[0]) != Kind::none) g_fds.clear(sv[0]);
        if (g_fds.kind(sv[1]) != Kind::none) g_fds.clear(sv[1]);
    }
    return r;
}

Kind adopt_unix(int fd) noexcept {
    sockaddr_storage ss;
    socklen_t len = sizeof ss;
    DecodedName self;
    if (real::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 ||
        !decode_name(reinterpret_cast<sockaddr*>(&ss), len, self) || self.home_hash != g_cfg.home_hash)
        return Kind::none;
    FdEntry e;
    switch (self.kind) {
    case ztctl::NameKind::listener:
        if (sockopt_int(fd, SO_ACCEPTCONN) == 1) {
            e = make_entry(Kind::tcp_listener, domain_of(self.addr1), SOCK_STREAM, IPPROTO_TCP);
            e.id = self.id;
            e.local = self.addr1;
            e.flags = kLocalKnown;
        } else {  // an accepted connection reports its listener's name; the peer has the 'A' name
            DecodedName peer;
            len = sizeof ss;
            if (real::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0 ||
                !decode_name(reinterpret_cast<sockaddr*>(&ss), len, peer) ||
                peer.kind != ztctl::NameKind::accepted || peer.home_hash != g_cfg.home_hash)
                return Kind::none;
            e = make_entry(Kind::tcp_accepted, domain_of(self.addr1), SOCK_STREAM, IPPROTO_TCP);
            e.id = peer.id;
            e.peer = peer.addr1;
            e.local = peer.addr2;
            e.state = ConnState::connected;
            e.flags = kLocalKnown | kPeerKnown;
        }
        break;
    case ztctl::NameKind::client:
        e = make_entry(Kind::tcp_client, domain_of(self.addr1), SOCK_STREAM, IPPROTO_TCP);
        e.id = self.id;
        e.peer = self.addr1;
        e.flags = kPeerKnown;
        e.state = ConnState::connecting;  // the next probe tells established from pending
        break;
    case ztctl::NameKind::udp:
        e = make_entry(Kind::udp, domain_of(self.addr1), SOCK_DGRAM, IPPROTO_UDP);
        e.id = self.id;
        e.local = self.addr1;
        e.flags = kLocalKnown | kUdpConnected;  // unknown after exec: let the node decide
        break;
    default:
        return Kind::none;
    }
    g_fds.set(fd, e);
    ZTI_DEBUG("adopted fd %d as kind %d", fd, int(e.kind));
    return e.kind;
}

Kind adopt(int fd) noexcept {
    const int domain = sockopt_int(fd, SO_DOMAIN);
    if (domain == AF_UNIX) return adopt_unix(fd);
    if (domain != AF_INET && domain != AF_INET6) return Kind::none;
    record_socket(fd, domain, sockopt_int(fd, SO_TYPE), sockopt_int(fd, SO_PROTOCOL));
    return g_fds.kind(fd);
}

void adopt_inherited() noexcept {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return;
    const int self = dirfd(d);
    while (dirent* de = readdir(d)) {
        char* end = nullptr;
        const long fd = strtol(de->d_name, &end, 10);
        if (!end || *end || fd < 0 || fd == self) continue;
        if (g_fds.kind(int(fd)) != Kind::none) continue;
        adopt(int(fd));
    }
    closedir(d);
}

namespace {
// `node_down`: refused only because no node answers; when the reason it cannot start was already
// said (node_spawn.cpp), that line stands for this one too.
DestRoute refuse(const ztctl::NameAddr& dst, const char* why, bool node_down = false) {
    char ip[INET6_ADDRSTRLEN] = "?";
    inet_ntop(dst.family == 6 ? AF_INET6 : AF_INET, dst.ip, ip, sizeof ip);
    if (node_down && ctl::start_failure_reported()) {
        ZTI_DEBUG("%s refused: %s", ip, why);
        return DestRoute::refused;
    }
    // Once per destination and reason in a row: a client that retries in a loop says it once.
    static thread_local char last[INET6_ADDRSTRLEN + 64];
    char key[sizeof last];
    snprintf(key, sizeof key, "%s %s", ip, why);
    if (strcmp(key, last) == 0) return DestRoute::refused;
    snprintf(last, sizeof last, "%s", key);
    log_problem("%s is on the virtual network, but %s (home %s, see ztnode.log there): refused, not sent to the "
                "physical network",
                ip, why, g_cfg.home);
    return DestRoute::refused;
}
}  // namespace

ztctl::NameAddr wildcard_for(int domain) noexcept {
    ztctl::NameAddr a;
    std::memset(&a, 0, sizeof a);
    a.family = domain == AF_INET6 ? 6 : 4;
    return a;
}

bool bound_to_device(int fd) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e)) return false;
    const StoredOption* o = e.find_opt(SOL_SOCKET, SO_BINDTODEVICE);
    return o && o->len > 0 && o->value[0] != 0;
}

DestRoute dest_route(const ztctl::NameAddr& dst) noexcept {
    if (!dest_needs_table(dst)) return DestRoute::kernel;
    const RouteTable* t = ctl::routes();
    if (t) {
        if (classify_dest(*t, dst) == Route::virtual_net) return DestRoute::virtual_net;
        // Strict: while a network has no address yet, its range is unknown; nothing leaves.
        if (g_cfg.strict && t->incomplete) return refuse(dst, "a network has no address yet (strict mode)");
        if (classify_dest(g_cfg.known, dst) == Route::virtual_net) return refuse(dst, "its network is not up");
        return DestRoute::kernel;
    }
    if (g_cfg.strict) return refuse(dst, "the node cannot be reached (strict mode)", true);
    if (classify_dest(g_cfg.known, dst) == Route::virtual_net) return refuse(dst, "the node cannot be reached", true);
    return DestRoute::kernel;
}

void apply_carrier_options(int s, const FdEntry& e) noexcept {
    static const int kCarried[] = {SO_SNDBUF, SO_RCVBUF, SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_RCVLOWAT,
                                   SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, SO_RCVTIMEO_NEW, SO_SNDTIMEO_NEW};
    for (int name : kCarried) {
        const StoredOption* o = e.find_opt(SOL_SOCKET, name);
        if (o) real::setsockopt(s, SOL_SOCKET, name, o->value, o->len);
    }
}

int swap_in(int fd, int carrier, const FdEntry& e) noexcept {
    const int fl = real::fcntl(fd, F_GETFL, nullptr);
    const int fdfl = real::fcntl(fd, F_GETFD, nullptr);
    if (fl < 0 || fdfl < 0) {
        real::close(carrier);
        return EBADF;
    }
    for (int i = 0; i < e.nepoll; ++i) real::epoll_ctl(e.epoll[i].epfd, EPOLL_CTL_DEL, fd, nullptr);
    int r;
    do {
        r = real::dup3(carrier, fd, (fdfl & FD_CLOEXEC) ? O_CLOEXEC : 0);
    } while (r < 0 && errno == EINTR);
    const int err = errno;
    real::close(carrier);
    if (r < 0) return err;
    if (fl & O_NONBLOCK) {
        const int cur = real::fcntl(fd, F_GETFL, nullptr);
        real::fcntl(fd, F_SETFL, reinterpret_cast<void*>(intptr_t(cur | O_NONBLOCK)));
    }
    for (int i = 0; i < e.nepoll; ++i) {
        epoll_event ev{};
        ev.events = e.epoll[i].events;
        ev.data.u64 = e.epoll[i].data;
        real::epoll_ctl(e.epoll[i].epfd, EPOLL_CTL_ADD, fd, &ev);
    }
    return 0;
}

}  // namespace zti

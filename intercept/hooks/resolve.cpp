// Names under the domains the networks push (spec §8.5 DNS; the node lists them in
// $ZT_HOME/dns): getaddrinfo(), gethostbyname() and gethostbyname2() ask the pushed servers,
// over the virtual network, with a virtual UDP socket of this program like any other. Every
// other name, numeric hosts, and everything while the shim is inactive go to libc untouched.
//
// The addrinfo list is built by libc's own getaddrinfo from the numeric addresses we found, so
// that services, socktypes, flags and freeaddrinfo() behave exactly as for any other name.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/log.hpp"
#include "intercept/real.hpp"
#include "ipc/dns_message.hpp"

namespace {

constexpr int kMaxZones = 8;
constexpr int kMaxServers = 4;
constexpr int kMaxAddrs = 16;
constexpr int kWaitMs = 1500;  // per server and attempt
constexpr int kAttempts = 2;

std::atomic<void*> p_getaddrinfo{nullptr}, p_gethostbyname{nullptr}, p_gethostbyname2{nullptr};

struct Server {
    sockaddr_storage sa;
    socklen_t len;
};
struct Zone {
    char domain[256];
    Server servers[kMaxServers];
    int server_count;
};

// "ip:port" or "[ip6]:port".
bool parse_server(const char* s, Server& out) {
    char host[64];
    const char* colon = std::strrchr(s, ':');
    if (!colon) return false;
    size_t hl = size_t(colon - s);
    if (s[0] == '[') {
        if (hl < 2 || s[hl - 1] != ']' || hl - 2 >= sizeof host) return false;
        std::memcpy(host, s + 1, hl - 2);
        host[hl - 2] = 0;
    } else {
        if (hl >= sizeof host) return false;
        std::memcpy(host, s, hl);
        host[hl] = 0;
    }
    const long port = std::strtol(colon + 1, nullptr, 10);
    if (port <= 0 || port > 65535) return false;
    std::memset(&out.sa, 0, sizeof out.sa);
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.sa);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.sa);
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(uint16_t(port));
        out.len = sizeof *v4;
        return true;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(uint16_t(port));
        out.len = sizeof *v6;
        return true;
    }
    return false;
}

// The zone `name` belongs to, from $ZT_HOME/dns (read at each lookup: it is small, and the node
// rewrites it when a network's settings change). False when the name is not one of ours.
bool zone_of(const char* name, Zone& out) {
    char path[PATH_MAX + 8];
    std::snprintf(path, sizeof path, "%s/dns", zti::g_cfg.home);
    int fd;
    {
        zti::Guard guard;
        fd = ::open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) return false;
    char text[4096];
    ssize_t n;
    {
        zti::Guard guard;
        n = zti::real::read(fd, text, sizeof text - 1);
        zti::real::close(fd);
    }
    if (n <= 0) return false;
    text[n] = 0;
    char* save = nullptr;
    for (char* line = strtok_r(text, "\n", &save); line; line = strtok_r(nullptr, "\n", &save)) {
        char* f = nullptr;
        char* domain = strtok_r(line, " ", &f);
        if (!domain || std::strlen(domain) >= sizeof out.domain || !ztdns::in_domain(name, domain)) continue;
        std::strcpy(out.domain, domain);
        out.server_count = 0;
        for (char* s = strtok_r(nullptr, " ", &f); s && out.server_count < kMaxServers; s = strtok_r(nullptr, " ", &f))
            if (parse_server(s, out.servers[out.server_count])) ++out.server_count;
        return out.server_count > 0;
    }
    return false;
}

enum class Outcome { found, none, unavailable };

// Asks the zone's servers for `name`'s addresses of `family` (AF_INET or AF_INET6).
Outcome query(const Zone& z, const char* name, int family, ztdns::Addr* out, int cap, int* count) {
    *count = 0;
    unsigned char q[ztdns::kMaxQuery], r[ztdns::kMaxAnswer];
    uint16_t id = 0;
    const int qlen = ztdns::make_query(name, family, q, sizeof q, &id);
    if (qlen < 0) return Outcome::none;
    for (int attempt = 0; attempt < kAttempts; ++attempt)
        for (int i = 0; i < z.server_count; ++i) {
            const Server& s = z.servers[i];
            // Our own hooks: a virtual UDP socket, as the program's own would be.
            const int fd = ::socket(s.sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) continue;
            if (::sendto(fd, q, size_t(qlen), 0, reinterpret_cast<const sockaddr*>(&s.sa), s.len) != qlen) {
                ::close(fd);
                continue;
            }
            Outcome got = Outcome::unavailable;
            for (bool waiting = true; waiting;) {
                pollfd p{fd, POLLIN, 0};
                if (::poll(&p, 1, kWaitMs) <= 0) break;
                const ssize_t n = ::recv(fd, r, sizeof r, MSG_DONTWAIT);
                if (n < 0) break;
                switch (ztdns::parse_response(r, int(n), id, family, out, cap, count)) {
                case ztdns::Result::mismatch: continue;
                case ztdns::Result::answer: got = Outcome::found; break;
                case ztdns::Result::nxdomain:
                case ztdns::Result::nodata: got = Outcome::none; break;
                case ztdns::Result::servfail: got = Outcome::unavailable; break;
                }
                waiting = false;
            }
            ::close(fd);
            if (got != Outcome::unavailable) return got;
        }
    return Outcome::unavailable;
}

bool is_numeric(const char* name) {
    unsigned char buf[16];
    return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

// Whether this lookup is ours: the shim active, not inside the shim, a name under a pushed domain.
bool ours(const char* name, Zone& z) {
    if (!zti::g_active || zti::in_shim() || zti::foreign_process() || !name || !*name || is_numeric(name)) return false;
    return zone_of(name, z);
}

// Both families for AF_UNSPEC (IPv4 first).
Outcome lookup(const Zone& z, const char* name, int family, ztdns::Addr* out, int* count) {
    *count = 0;
    Outcome result = Outcome::none;
    for (int f : {AF_INET, AF_INET6}) {
        if (family != AF_UNSPEC && family != f) continue;
        int n = 0;
        Outcome o = query(z, name, f, out + *count, kMaxAddrs - *count, &n);
        *count += n;
        if (o == Outcome::found) result = Outcome::found;
        else if (o == Outcome::unavailable && result != Outcome::found) result = Outcome::unavailable;
    }
    return result;
}

using GaiFn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

// A hostent for gethostbyname*, per thread as libc's own.
struct HostBuf {
    hostent h;
    char name[256];
    char* aliases[1];
    char* addr_list[kMaxAddrs + 1];
    uint8_t addrs[kMaxAddrs][16];
};
thread_local HostBuf t_host;

// gethostbyname2(name, family) for a name of ours: nullptr with h_errno set when not found.
hostent* host_result(const Zone& z, const char* name, int family) {
    ztdns::Addr found[kMaxAddrs];
    int count = 0;
    const Outcome o = lookup(z, name, family, found, &count);
    if (o != Outcome::found) {
        h_errno = o == Outcome::none ? HOST_NOT_FOUND : TRY_AGAIN;
        zti::log_line("resolve %s: %s", name, o == Outcome::none ? "not found" : "no server answered");
        return nullptr;
    }
    HostBuf& b = t_host;
    std::snprintf(b.name, sizeof b.name, "%s", name);
    b.aliases[0] = nullptr;
    const int size = family == AF_INET6 ? 16 : 4;
    for (int i = 0; i < count; ++i) {
        std::memcpy(b.addrs[i], found[i].ip, size_t(size));
        b.addr_list[i] = reinterpret_cast<char*>(b.addrs[i]);
    }
    b.addr_list[count] = nullptr;
    b.h.h_name = b.name;
    b.h.h_aliases = b.aliases;
    b.h.h_addrtype = family;
    b.h.h_length = size;
    b.h.h_addr_list = b.addr_list;
    return &b.h;
}

}  // namespace

ZTI_HOOK(int, getaddrinfo, const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
    auto real_gai = zti::real::next_symbol<GaiFn>(p_getaddrinfo, "getaddrinfo");
    Zone z;
    if (!ours(node, z) || (hints && (hints->ai_flags & AI_NUMERICHOST))) return real_gai(node, service, hints, res);
    const int family = hints ? hints->ai_family : AF_UNSPEC;
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) return EAI_FAMILY;
    ztdns::Addr found[kMaxAddrs];
    int count = 0;
    const Outcome o = lookup(z, node, family, found, &count);
    zti::log_line("getaddrinfo %s: %d address(es) from the servers of %s", node, count, z.domain);
    if (o == Outcome::unavailable) return EAI_AGAIN;
    if (o == Outcome::none) return EAI_NONAME;
    // libc builds the list from each address as a numeric host, then the lists are joined.
    addrinfo h{};
    if (hints) h = *hints;
    h.ai_flags = (h.ai_flags | AI_NUMERICHOST) & ~(AI_CANONNAME | AI_ADDRCONFIG);
    h.ai_canonname = nullptr;
    h.ai_addr = nullptr;
    h.ai_next = nullptr;
    addrinfo* head = nullptr;
    addrinfo** tail = &head;
    int last_err = EAI_NONAME;
    for (int i = 0; i < count; ++i) {
        char text[INET6_ADDRSTRLEN];
        inet_ntop(found[i].family, found[i].ip, text, sizeof text);
        h.ai_family = found[i].family;
        addrinfo* part = nullptr;
        last_err = real_gai(text, service, &h, &part);
        if (last_err != 0 || !part) continue;
        *tail = part;
        while (*tail) tail = &(*tail)->ai_next;
    }
    if (!head) return last_err;
    if (hints && (hints->ai_flags & AI_CANONNAME)) head->ai_canonname = strdup(node);  // freed by freeaddrinfo
    *res = head;
    return 0;
}

ZTI_HOOK(hostent*, gethostbyname2, const char* name, int af) {
    using Fn = hostent* (*)(const char*, int);
    Zone z;
    if (!ours(name, z)) return zti::real::next_symbol<Fn>(p_gethostbyname2, "gethostbyname2")(name, af);
    if (af != AF_INET && af != AF_INET6) {
        h_errno = NO_RECOVERY;
        return nullptr;
    }
    return host_result(z, name, af);
}

ZTI_HOOK(hostent*, gethostbyname, const char* name) {
    using Fn = hostent* (*)(const char*);
    Zone z;
    if (!ours(name, z)) return zti::real::next_symbol<Fn>(p_gethostbyname, "gethostbyname")(name);
    return host_result(z, name, AF_INET);
}

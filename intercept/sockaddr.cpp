// sockaddr <-> NameAddr.
#include "intercept/sockaddr.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zti {
namespace {

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

int parse_inet(int domain, const sockaddr* sa, socklen_t len, ztctl::NameAddr& out, bool* unspec) {
    if (unspec) *unspec = false;
    std::memset(&out, 0, sizeof out);
    if (!sa) return EFAULT;
    if (len >= sizeof(sa_family_t) && sa->sa_family == AF_UNSPEC) {
        if (unspec) *unspec = true;
        // bind() accepts AF_UNSPEC + INADDR_ANY on an AF_INET socket as AF_INET.
        if (domain == AF_INET && len >= sizeof(sockaddr_in) &&
            reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr == htonl(INADDR_ANY)) {
            out.family = 4;
            out.port_be = reinterpret_cast<const sockaddr_in*>(sa)->sin_port;
        }
        return EAFNOSUPPORT;
    }
    if (domain == AF_INET) {
        if (len < sizeof(sockaddr_in)) return EINVAL;
        if (sa->sa_family != AF_INET) return EAFNOSUPPORT;
        sockaddr_in sin;
        std::memcpy(&sin, sa, sizeof sin);
        out.family = 4;
        std::memcpy(out.ip, &sin.sin_addr, 4);
        out.port_be = sin.sin_port;
        return 0;
    }
    if (domain == AF_INET6) {
        if (len < 24) return EINVAL;  // SIN6_LEN_RFC2133
        if (sa->sa_family != AF_INET6) return EAFNOSUPPORT;
        sockaddr_in6 sin6;
        std::memset(&sin6, 0, sizeof sin6);
        std::memcpy(&sin6, sa, std::min<size_t>(len, sizeof sin6));
        if (std::memcmp(sin6.sin6_addr.s6_addr, kMappedPrefix, 12) == 0) {
            out.family = 4;
            std::memcpy(out.ip, sin6.sin6_addr.s6_addr + 12, 4);
        } else {
            out.family = 6;
            std::memcpy(out.ip, sin6.sin6_addr.s6_addr, 16);
        }
        out.port_be = sin6.sin6_port;
        return 0;
    }
    return EAFNOSUPPORT;
}

socklen_t to_sockaddr(const ztctl::NameAddr& a, int domain, sockaddr_storage& out) {
    std::memset(&out, 0, sizeof out);
    if (domain == AF_INET6) {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(&out);
        s6->sin6_family = AF_INET6;
        s6->sin6_port = a.port_be;
        if (a.family == 4) {
            std::memcpy(s6->sin6_addr.s6_addr, kMappedPrefix, 12);
            std::memcpy(s6->sin6_addr.s6_addr + 12, a.ip, 4);
        } else {
            std::memcpy(s6->sin6_addr.s6_addr, a.ip, 16);
        }
        return sizeof(sockaddr_in6);
    }
    auto* s4 = reinterpret_cast<sockaddr_in*>(&out);
    s4->sin_family = AF_INET;
    s4->sin_port = a.port_be;
    std::memcpy(&s4->sin_addr, a.ip, 4);
    return sizeof(sockaddr_in);
}

void copy_out(const sockaddr_storage& src, socklen_t slen, sockaddr* dst, socklen_t* dlen) {
    if (!dst || !dlen) return;
    socklen_t n = std::min(*dlen, slen);
    if (n > 0) std::memcpy(dst, &src, n);
    *dlen = slen;
}

bool is_wildcard(const ztctl::NameAddr& a) {
    const int n = a.family == 4 ? 4 : 16;
    for (int i = 0; i < n; ++i)
        if (a.ip[i]) return false;
    return true;
}

bool is_loopback(const ztctl::NameAddr& a) {
    if (a.family == 4) return a.ip[0] == 127;
    static const uint8_t kLoop6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(a.ip, kLoop6, 16) == 0;
}

ztctl::NameAddr make_addr4(uint32_t ip_be, uint16_t port_be) {
    ztctl::NameAddr a;
    std::memset(&a, 0, sizeof a);
    a.family = 4;
    std::memcpy(a.ip, &ip_be, 4);
    a.port_be = port_be;
    return a;
}

}  // namespace zti

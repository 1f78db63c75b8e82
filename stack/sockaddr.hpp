// InetAddr <-> kernel sockaddr, for the node's own kernel sockets (exposes in the stack; the
// proxy, forwards and the controller's DNS port in tools/). Kept apart from inet.hpp, which
// stays free of socket headers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "stack/inet.hpp"

namespace zt::stack {

inline socklen_t to_sockaddr(const InetAddr& a, sockaddr_storage& ss) {
    ss = {};
    if (a.is_v4()) {
        auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
        sa->sin_family = AF_INET;
        sa->sin_port = htons(a.port);
        std::memcpy(&sa->sin_addr, a.ip.data(), 4);
        return sizeof *sa;
    }
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(a.port);
    std::memcpy(&sa->sin6_addr, a.ip.data(), 16);
    return sizeof *sa;
}

// IPv4-mapped IPv6 addresses come back as IPv4.
inline InetAddr from_sockaddr(const sockaddr_storage& ss) {
    InetAddr a;
    if (ss.ss_family == AF_INET) {
        const auto* sa = reinterpret_cast<const sockaddr_in*>(&ss);
        a.family = 4;
        std::memcpy(a.ip.data(), &sa->sin_addr, 4);
        a.port = ntohs(sa->sin_port);
    } else if (ss.ss_family == AF_INET6) {
        const auto* sa = reinterpret_cast<const sockaddr_in6*>(&ss);
        a.family = 6;
        std::memcpy(a.ip.data(), &sa->sin6_addr, 16);
        a.port = ntohs(sa->sin6_port);
        a = a.unmapped();
    }
    return a;
}

}  // namespace zt::stack

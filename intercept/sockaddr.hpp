// Conversions between the app's sockaddr_in/sockaddr_in6 and ztctl::NameAddr, with the kernel's
// validation rules and output truncation semantics. Pure functions.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include "ipc/control_protocol.hpp"

namespace zti {

// Parses an address the app passed for a socket of `domain` (AF_INET or AF_INET6), checking it as
// the kernel's inet connect/bind would. v4-mapped IPv6 addresses become family 4. Returns 0, or the
// errno the kernel gives (EINVAL for a short length, EAFNOSUPPORT for a wrong family, EFAULT).
// An AF_UNSPEC address returns EAFNOSUPPORT with `unspec` set (connect uses it to disconnect).
int parse_inet(int domain, const sockaddr* sa, socklen_t len, ztctl::NameAddr& out, bool* unspec = nullptr);

// Builds the sockaddr for `a` as seen by a socket of `domain`: sockaddr_in for AF_INET, sockaddr_in6
// (v4-mapped for a family 4 address) for AF_INET6. Returns its length.
socklen_t to_sockaddr(const ztctl::NameAddr& a, int domain, sockaddr_storage& out);

// Copies a result address out like the kernel: min(*dlen, slen) bytes, then *dlen = slen.
void copy_out(const sockaddr_storage& src, socklen_t slen, sockaddr* dst, socklen_t* dlen);

bool is_wildcard(const ztctl::NameAddr& a);
bool is_loopback(const ztctl::NameAddr& a);
ztctl::NameAddr make_addr4(uint32_t ip_be, uint16_t port_be);

}  // namespace zti

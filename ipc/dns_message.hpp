// DNS queries for A/AAAA records and their answers, for the names the networks push (spec §8.5
// DNS): built with glibc's res_mkquery and read with libresolv's ns_initparse/ns_parserr. Shared
// by the shim (intercept/resolve.cpp) and the node's proxy (tools/ztnode/proxy/): header-only,
// no allocation, no libstdc++.
#pragma once

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <sys/socket.h>

#include <cstdint>
#include <cstring>
#include <strings.h>

namespace ztdns {

constexpr int kMaxQuery = 512;
constexpr int kMaxAnswer = 4096;

struct Addr {
    int family;  // AF_INET or AF_INET6
    uint8_t ip[16];
};

// A query for `name`'s A (AF_INET) or AAAA (AF_INET6) records into `buf`; its length and id, or -1.
inline int make_query(const char* name, int family, unsigned char* buf, int cap, uint16_t* id) {
    const int n = res_mkquery(ns_o_query, name, ns_c_in, family == AF_INET6 ? ns_t_aaaa : ns_t_a, nullptr, 0, nullptr,
                              buf, cap);
    if (n < NS_HFIXEDSZ) return -1;
    *id = uint16_t(buf[0] << 8 | buf[1]);
    return n;
}

enum class Result { answer, nxdomain, nodata, servfail, mismatch };

// Reads a response to the query with `id`: addresses of `family` go to out[0..cap) and *count.
// mismatch: not a response to that query (ignore it and keep waiting).
inline Result parse_response(const unsigned char* msg, int len, uint16_t id, int family, Addr* out, int cap, int* count) {
    *count = 0;
    if (len < NS_HFIXEDSZ || uint16_t(msg[0] << 8 | msg[1]) != id || !(msg[2] & 0x80)) return Result::mismatch;
    ns_msg h;
    if (ns_initparse(msg, len, &h) != 0) return Result::servfail;
    const int rcode = ns_msg_getflag(h, ns_f_rcode);
    if (rcode == ns_r_nxdomain) return Result::nxdomain;
    if (rcode != ns_r_noerror) return Result::servfail;
    const int want = family == AF_INET6 ? ns_t_aaaa : ns_t_a;
    const int size = family == AF_INET6 ? 16 : 4;
    for (int i = 0; i < ns_msg_count(h, ns_s_an) && *count < cap; ++i) {
        ns_rr rr;
        if (ns_parserr(&h, ns_s_an, i, &rr) != 0) break;
        if (ns_rr_type(rr) != want || ns_rr_class(rr) != ns_c_in || ns_rr_rdlen(rr) != size) continue;
        out[*count].family = family;
        std::memset(out[*count].ip, 0, sizeof out[*count].ip);
        std::memcpy(out[*count].ip, ns_rr_rdata(rr), size_t(size));
        ++*count;
    }
    return *count ? Result::answer : Result::nodata;
}

// True if `name` is `domain` or ends in "." + `domain` (no case; trailing dots ignored).
inline bool in_domain(const char* name, const char* domain) {
    size_t n = std::strlen(name), d = std::strlen(domain);
    while (n && name[n - 1] == '.') --n;
    while (d && domain[d - 1] == '.') --d;
    if (d == 0 || n < d) return false;
    if (strncasecmp(name + n - d, domain, d) != 0) return false;
    return n == d || name[n - d - 1] == '.';
}

}  // namespace ztdns

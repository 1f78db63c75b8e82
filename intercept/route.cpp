// Routing policy: prefix matching over the networks the node reported.
#include "intercept/route.hpp"

#include <algorithm>
#include <cstring>

#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

void add(Prefix* arr, int& n, int cap, const ztctl::NetworkInfo::Prefix& p, bool full) {
    if (n >= cap) return;
    if (p.addr.family != 4 && p.addr.family != 6) return;
    const int max = p.addr.family == 4 ? 32 : 128;
    Prefix& out = arr[n++];
    std::memset(&out, 0, sizeof out);
    out.family = p.addr.family;
    out.len = uint8_t(full ? max : std::min<int>(p.prefix_len, max));
    std::memcpy(out.ip, p.addr.ip, 16);
}

}  // namespace

void build_routes(RouteTable& t, const ztctl::NetworkInfo* nets, uint32_t count) {
    t.count = 0;
    t.own_count = 0;
    t.incomplete = count == 0;
    const int own_cap = int(sizeof t.own / sizeof t.own[0]);
    for (uint32_t i = 0; i < std::min<uint32_t>(count, ztctl::kMaxNetworks); ++i) {
        const auto& n = nets[i];
        const int na = std::min<int>(n.addr_count, 8), nr = std::min<int>(n.route_count, 16);
        if (na == 0) t.incomplete = true;
        for (int j = 0; j < na; ++j) {
            add(t.prefixes, t.count, kMaxPrefixes, n.addrs[j], false);
            add(t.own, t.own_count, own_cap, n.addrs[j], true);
        }
        for (int j = 0; j < nr; ++j) add(t.prefixes, t.count, kMaxPrefixes, n.routes[j], false);
    }
}

bool prefix_contains(const Prefix& p, const ztctl::NameAddr& a) {
    if (p.family != a.family) return false;
    const int bytes = p.len / 8, bits = p.len % 8;
    if (std::memcmp(p.ip, a.ip, bytes) != 0) return false;
    if (bits == 0) return true;
    const uint8_t mask = uint8_t(0xff << (8 - bits));
    return (p.ip[bytes] & mask) == (a.ip[bytes] & mask);
}

bool dest_needs_table(const ztctl::NameAddr& a) {
    return (a.family == 4 || a.family == 6) && !is_loopback(a) && !is_wildcard(a);
}

Route classify_dest(const RouteTable& t, const ztctl::NameAddr& dst) {
    if (!dest_needs_table(dst)) return Route::kernel;
    for (int i = 0; i < t.count; ++i)
        if (prefix_contains(t.prefixes[i], dst)) return Route::virtual_net;
    return Route::kernel;
}

Route classify_bind(const RouteTable& t, const ztctl::NameAddr& local, WildcardPolicy wildcard) {
    if (local.family != 4 && local.family != 6) return Route::kernel;
    if (is_wildcard(local)) return wildcard == WildcardPolicy::virtual_net ? Route::virtual_net : Route::kernel;
    if (is_loopback(local)) return Route::kernel;
    for (int i = 0; i < t.own_count; ++i)
        if (prefix_contains(t.own[i], local)) return Route::virtual_net;
    return classify_dest(t, local);
}

}  // namespace zti

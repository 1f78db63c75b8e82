// Routing policy: destinations inside a joined network's subnets or managed routes are virtual,
// everything else (loopback, the internet) goes to the kernel; bind by address and policy.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <cstring>
#include <memory>

#include "intercept/route.hpp"

using namespace zti;

namespace {

ztctl::NameAddr addr(const char* s) {
    ztctl::NameAddr a{};
    if (inet_pton(AF_INET, s, a.ip) == 1) {
        a.family = 4;
    } else {
        REQUIRE(inet_pton(AF_INET6, s, a.ip) == 1);
        a.family = 6;
    }
    return a;
}

ztctl::NetworkInfo::Prefix prefix(const char* s, uint8_t len) {
    ztctl::NetworkInfo::Prefix p{};
    p.addr = addr(s);
    p.prefix_len = len;
    return p;
}

std::unique_ptr<RouteTable> table() {
    ztctl::NetworkInfo n[2]{};
    n[0].nwid = 0xc41b8868ac000001ULL;
    n[0].addr_count = 2;
    n[0].addrs[0] = prefix("10.147.17.11", 24);
    n[0].addrs[1] = prefix("fd80:56c2:e21c::1", 88);
    n[0].route_count = 1;
    n[0].routes[0] = prefix("192.168.100.0", 22);
    n[1].nwid = 2;
    n[1].addr_count = 1;
    n[1].addrs[0] = prefix("172.27.0.9", 16);
    auto t = std::make_unique<RouteTable>();
    build_routes(*t, n, 2);
    return t;
}

}  // namespace

TEST_CASE("route: destinations inside subnets and routes are virtual", "[intercept]") {
    const auto t = table();
    CHECK_FALSE(t->incomplete);
    CHECK(t->count == 4);
    CHECK(t->own_count == 3);
    CHECK(classify_dest(*t, addr("10.147.17.5")) == Route::virtual_net);
    CHECK(classify_dest(*t, addr("10.147.17.255")) == Route::virtual_net);
    CHECK(classify_dest(*t, addr("10.147.18.1")) == Route::kernel);
    CHECK(classify_dest(*t, addr("192.168.103.200")) == Route::virtual_net);
    CHECK(classify_dest(*t, addr("192.168.104.1")) == Route::kernel);
    CHECK(classify_dest(*t, addr("172.27.200.1")) == Route::virtual_net);
    CHECK(classify_dest(*t, addr("fd80:56c2:e21c::99")) == Route::virtual_net);
    CHECK(classify_dest(*t, addr("fd80:56c2:e21d::1")) == Route::kernel);
    CHECK(classify_dest(*t, addr("8.8.8.8")) == Route::kernel);
    CHECK(classify_dest(*t, addr("127.0.0.1")) == Route::kernel);
    CHECK(classify_dest(*t, addr("::1")) == Route::kernel);
    CHECK(classify_dest(*t, addr("0.0.0.0")) == Route::kernel);
}

TEST_CASE("route: a default route through the network still leaves loopback alone", "[intercept]") {
    ztctl::NetworkInfo n{};
    n.addr_count = 1;
    n.addrs[0] = prefix("10.0.0.2", 8);
    n.route_count = 1;
    n.routes[0] = prefix("0.0.0.0", 0);
    RouteTable t;
    build_routes(t, &n, 1);
    CHECK(classify_dest(t, addr("1.1.1.1")) == Route::virtual_net);
    CHECK(classify_dest(t, addr("127.0.0.53")) == Route::kernel);
    CHECK(classify_dest(t, addr("2001:db8::1")) == Route::kernel);  // v4 route only
}

TEST_CASE("route: prefix lengths that are not byte multiples", "[intercept]") {
    Prefix p{};
    p.family = 4;
    p.ip[0] = 10, p.ip[1] = 0, p.ip[2] = 2;
    p.len = 23;
    CHECK(prefix_contains(p, addr("10.0.3.255")));
    CHECK_FALSE(prefix_contains(p, addr("10.0.4.0")));
    CHECK_FALSE(prefix_contains(p, addr("10.0.1.255")));
    p.len = 32;
    CHECK(prefix_contains(p, addr("10.0.2.0")));
    CHECK_FALSE(prefix_contains(p, addr("10.0.2.1")));
    p.len = 0;
    CHECK(prefix_contains(p, addr("200.1.1.1")));
    CHECK_FALSE(prefix_contains(p, addr("::2")));
}

TEST_CASE("route: bind goes virtual for our addresses and, by policy, the wildcard", "[intercept]") {
    const auto t = table();
    CHECK(classify_bind(*t, addr("10.147.17.11"), WildcardPolicy::kernel) == Route::virtual_net);
    CHECK(classify_bind(*t, addr("0.0.0.0"), WildcardPolicy::virtual_net) == Route::virtual_net);
    CHECK(classify_bind(*t, addr("0.0.0.0"), WildcardPolicy::kernel) == Route::kernel);
    CHECK(classify_bind(*t, addr("::"), WildcardPolicy::virtual_net) == Route::virtual_net);
    CHECK(classify_bind(*t, addr("127.0.0.1"), WildcardPolicy::virtual_net) == Route::kernel);
    CHECK(classify_bind(*t, addr("192.0.2.1"), WildcardPolicy::virtual_net) == Route::kernel);
}

TEST_CASE("route: a network without an address marks the table incomplete", "[intercept]") {
    ztctl::NetworkInfo n{};
    RouteTable t;
    build_routes(t, &n, 1);
    CHECK(t.incomplete);
    build_routes(t, nullptr, 0);
    CHECK(t.incomplete);
    CHECK(t.count == 0);
    CHECK(classify_dest(t, addr("10.1.1.1")) == Route::kernel);
}

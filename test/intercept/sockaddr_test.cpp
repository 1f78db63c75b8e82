// sockaddr <-> NameAddr: the kernel's validation order and results, v4-mapped handling,
// truncating copy-out.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <cstring>

#include "intercept/sockaddr.hpp"

using namespace zti;

TEST_CASE("sockaddr: AF_INET parse and rebuild", "[intercept]") {
    sockaddr_in s{};
    s.sin_family = AF_INET;
    s.sin_port = htons(443);
    inet_pton(AF_INET, "10.147.17.11", &s.sin_addr);
    ztctl::NameAddr a;
    REQUIRE(parse_inet(AF_INET, reinterpret_cast<sockaddr*>(&s), sizeof s, a) == 0);
    CHECK(a.family == 4);
    CHECK(a.port_be == htons(443));
    CHECK(std::memcmp(a.ip, &s.sin_addr, 4) == 0);
    sockaddr_storage out;
    REQUIRE(to_sockaddr(a, AF_INET, out) == sizeof(sockaddr_in));
    CHECK(std::memcmp(&out, &s, sizeof s) == 0);
    CHECK(parse_inet(AF_INET, reinterpret_cast<sockaddr*>(&s), sizeof s - 1, a) == EINVAL);
    CHECK(parse_inet(AF_INET, nullptr, sizeof s, a) == EFAULT);
    s.sin_family = AF_INET6;
    CHECK(parse_inet(AF_INET, reinterpret_cast<sockaddr*>(&s), sizeof s, a) == EAFNOSUPPORT);
}

TEST_CASE("sockaddr: AF_INET6, v4-mapped becomes family 4 and maps back", "[intercept]") {
    sockaddr_in6 s{};
    s.sin6_family = AF_INET6;
    s.sin6_port = htons(80);
    inet_pton(AF_INET6, "::ffff:10.1.2.3", &s.sin6_addr);
    ztctl::NameAddr a;
    REQUIRE(parse_inet(AF_INET6, reinterpret_cast<sockaddr*>(&s), sizeof s, a) == 0);
    CHECK(a.family == 4);
    CHECK(a.ip[0] == 10);
    CHECK(a.ip[3] == 3);
    sockaddr_storage out;
    REQUIRE(to_sockaddr(a, AF_INET6, out) == sizeof(sockaddr_in6));
    CHECK(std::memcmp(&reinterpret_cast<sockaddr_in6&>(out).sin6_addr, &s.sin6_addr, 16) == 0);
    CHECK(reinterpret_cast<sockaddr_in6&>(out).sin6_port == htons(80));
    inet_pton(AF_INET6, "fd00::5", &s.sin6_addr);
    REQUIRE(parse_inet(AF_INET6, reinterpret_cast<sockaddr*>(&s), sizeof s, a) == 0);
    CHECK(a.family == 6);
    CHECK(parse_inet(AF_INET6, reinterpret_cast<sockaddr*>(&s), 23, a) == EINVAL);
    CHECK(parse_inet(AF_INET6, reinterpret_cast<sockaddr*>(&s), 24, a) == 0);  // SIN6_LEN_RFC2133
}

TEST_CASE("sockaddr: AF_UNSPEC is reported, with INADDR_ANY accepted for AF_INET bind", "[intercept]") {
    sockaddr_in s{};
    s.sin_family = AF_UNSPEC;
    s.sin_port = htons(7);
    ztctl::NameAddr a;
    bool unspec = false;
    CHECK(parse_inet(AF_INET, reinterpret_cast<sockaddr*>(&s), sizeof s, a, &unspec) == EAFNOSUPPORT);
    CHECK(unspec);
    CHECK(a.family == 4);
    CHECK(a.port_be == htons(7));
}

TEST_CASE("sockaddr: copy_out truncates and reports the full length", "[intercept]") {
    sockaddr_storage src;
    std::memset(&src, 0xab, sizeof src);
    unsigned char dst[8];
    std::memset(dst, 0, sizeof dst);
    socklen_t len = 4;
    copy_out(src, sizeof(sockaddr_in6), reinterpret_cast<sockaddr*>(dst), &len);
    CHECK(len == sizeof(sockaddr_in6));
    CHECK(dst[3] == 0xab);
    CHECK(dst[4] == 0);
}

TEST_CASE("sockaddr: wildcard and loopback", "[intercept]") {
    ztctl::NameAddr a{};
    a.family = 4;
    CHECK(is_wildcard(a));
    a.ip[0] = 127;
    CHECK(is_loopback(a));
    CHECK_FALSE(is_wildcard(a));
    ztctl::NameAddr b{};
    b.family = 6;
    CHECK(is_wildcard(b));
    b.ip[15] = 1;
    CHECK(is_loopback(b));
}

// IP text of the controller's records (core/controller/ip_text.hpp), checked against the C
// library it stands in for: inet_pton accepts what we accept, inet_ntop prints what we print.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <random>
#include <string>

#include "core/controller/ip_text.hpp"

using namespace zt;
using namespace zt::controller;

namespace {

std::string ntop6(const std::array<uint8_t, 16>& b) {
    char buf[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, b.data(), buf, sizeof buf));
    return buf;
}

bool pton_accepts(const std::string& s) {
    unsigned char buf[16];
    return inet_pton(s.find(':') != std::string::npos ? AF_INET6 : AF_INET, s.c_str(), buf) == 1;
}

}  // namespace

TEST_CASE("ip text: printing matches inet_ntop", "[controller]") {
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; ++i) {
        std::array<uint8_t, 16> b{};
        // Mostly zero groups, so that runs of every length and position show up.
        for (size_t g = 0; g < 8; ++g) {
            const uint64_t r = rng();
            if (r % 3 == 0) continue;
            b[2 * g] = (r >> 8) % 4 == 0 ? uint8_t(r >> 16) : 0;
            b[2 * g + 1] = uint8_t(r >> 24);
        }
        if (i % 7 == 0) b[10] = b[11] = 0xff;  // IPv4-mapped candidates
        const Endpoint e = Endpoint::v6(b, 0);
        INFO(ntop6(b));
        CHECK(ip_to_text(e) == ntop6(b));
        CHECK(ip_from_text(ip_to_text(e)) == e);
    }
    CHECK(ip_to_text(Endpoint::v4({10, 147, 17, 0}, 9993)) == "10.147.17.0");
    CHECK(ip_to_text(*ip_from_text("::")) == "::");
    CHECK(ip_to_text(*ip_from_text("::1")) == "::1");
    CHECK(ip_to_text(*ip_from_text("::ffff:10.0.0.1")) == "::ffff:10.0.0.1");
    CHECK(ip_to_text(*ip_from_text("FD00:0:0:1:0:0:0:1")) == "fd00:0:0:1::1");
    CHECK(ip_to_text(Endpoint{}).empty());
}

TEST_CASE("ip text: reading accepts what inet_pton accepts", "[controller]") {
    for (const std::string s : {"10.147.17.11", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5",
                                "01.2.3.4", "1..2.3", "1.2.3.4 ", "", "::", "::1", "1::", "fd00::1:2", "1:2:3:4:5:6:7:8",
                                "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", ":::", "12345::", "::ffff:1.2.3.4",
                                "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4::", "fe80::%eth0",
                                "g::1", "::1:", ":1::"}) {
        INFO(s);
        CHECK(ip_from_text(s).has_value() == pton_accepts(s));
    }
}

TEST_CASE("ip text: prefixes and containment", "[controller]") {
    auto p = prefix_from_text("10.147.17.0/24");
    REQUIRE(p);
    CHECK(p->bits == 24);
    CHECK(prefix_contains(*p, *ip_from_text("10.147.17.255")));
    CHECK_FALSE(prefix_contains(*p, *ip_from_text("10.147.18.0")));
    CHECK_FALSE(prefix_contains(*p, *ip_from_text("fd00::1")));
    CHECK(prefix_contains(*prefix_from_text("0.0.0.0/0"), *ip_from_text("1.2.3.4")));
    CHECK(prefix_contains(*prefix_from_text("10.147.17.99/24"), *ip_from_text("10.147.17.1")));  // host bits ignored
    CHECK(prefix_contains(*prefix_from_text("10.147.16.0/23"), *ip_from_text("10.147.17.1")));
    CHECK(prefix_contains(*prefix_from_text("fd00::/8"), *ip_from_text("fdff::1")));
    CHECK_FALSE(prefix_contains(*prefix_from_text("fd00::/9"), *ip_from_text("fd80::1")));
    CHECK(prefix_contains(*prefix_from_text("fd00::1/128"), *ip_from_text("fd00::1")));
    CHECK(prefix_from_text("10.0.0.0")->bits == 0);
    CHECK_FALSE(prefix_from_text("10.0.0.0/33"));
    CHECK_FALSE(prefix_from_text("fd00::/129"));
    CHECK_FALSE(prefix_from_text("10.0.0.0/"));
    CHECK_FALSE(prefix_from_text("10.0.0.0/2x"));
}

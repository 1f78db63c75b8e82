// Abstract socket names (control_protocol.hpp): exact layout, round trips, rejection of
// anything that is not exactly one of ours.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstring>

#include "intercept/names.hpp"
#include "intercept/sockaddr.hpp"

using namespace zti;
using ztctl::NameAddr;
using ztctl::NameKind;

namespace {

constexpr uint64_t kHash = 0x0123456789abcdefULL;
constexpr size_t kBase = offsetof(sockaddr_un, sun_path);

NameAddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port) {
    NameAddr x{};
    x.family = 4;
    x.ip[0] = a, x.ip[1] = b, x.ip[2] = c, x.ip[3] = d;
    x.port_be = htons(port);
    return x;
}

NameAddr v6(uint8_t last, uint16_t port) {
    NameAddr x{};
    x.family = 6;
    x.ip[0] = 0xfd;
    x.ip[15] = last;
    x.port_be = htons(port);
    return x;
}

bool same(const NameAddr& a, const NameAddr& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

const sockaddr* sa(const UnixName& n) { return reinterpret_cast<const sockaddr*>(&n.sun); }

}  // namespace

TEST_CASE("names: node names are prefix, kind and little-endian hash", "[intercept]") {
    const UnixName k = node_name(NameKind::control, kHash);
    REQUIRE(k.len == kBase + 13);
    CHECK(k.sun.sun_family == AF_UNIX);
    CHECK(std::memcmp(k.sun.sun_path, "\0ztiK", 5) == 0);
    const uint8_t le[8] = {0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01};
    CHECK(std::memcmp(k.sun.sun_path + 5, le, 8) == 0);
    DecodedName d;
    REQUIRE(decode_name(sa(k), k.len, d));
    CHECK(d.kind == NameKind::control);
    CHECK(d.home_hash == kHash);
    const UnixName t = node_name(NameKind::tcp_connect, kHash);
    REQUIRE(decode_name(sa(t), t.len, d));
    CHECK(d.kind == NameKind::tcp_connect);
}

TEST_CASE("names: home_hash is FNV-1a 64", "[intercept]") {
    CHECK(ztctl::home_hash("") == 0xcbf29ce484222325ULL);
    CHECK(ztctl::home_hash("a") == 0xaf63dc4c8601ec8cULL);
}

TEST_CASE("names: listener, client and udp names round trip", "[intercept]") {
    const NameAddr a = v4(10, 147, 17, 11, 8080);
    const uint64_t id = 0x1122334455667788ULL;
    for (NameKind kind : {NameKind::listener, NameKind::client, NameKind::udp}) {
        const UnixName n = kind == NameKind::listener ? listener_name(kHash, a, id)
                           : kind == NameKind::client ? client_name(kHash, a, id)
                                                      : udp_name(kHash, a, id);
        REQUIRE(n.len == kBase + ztctl::kListenerNameLen);
        CHECK(n.sun.sun_path[4] == char(kind));
        DecodedName d;
        REQUIRE(decode_name(sa(n), n.len, d));
        CHECK(d.kind == kind);
        CHECK(d.home_hash == kHash);
        CHECK(same(d.addr1, a));
        CHECK(d.id == id);
    }
}

TEST_CASE("names: accepted names carry peer, local and uniq", "[intercept]") {
    const NameAddr peer = v6(7, 50000), local = v4(10, 0, 0, 1, 22);
    const UnixName n = accepted_name(kHash, peer, local, 42);
    REQUIRE(n.len == kBase + ztctl::kAcceptedNameLen);
    DecodedName d;
    REQUIRE(decode_name(sa(n), n.len, d));
    CHECK(d.kind == NameKind::accepted);
    CHECK(same(d.addr1, peer));
    CHECK(same(d.addr2, local));
    CHECK(d.id == 42);
}

TEST_CASE("names: decode rejects what is not exactly ours", "[intercept]") {
    const UnixName n = listener_name(kHash, v4(10, 0, 0, 1, 1), 9);
    DecodedName d;
    CHECK_FALSE(decode_name(sa(n), n.len - 1, d));           // truncated
    CHECK_FALSE(decode_name(sa(n), n.len + 1, d));           // trailing byte
    CHECK_FALSE(decode_name(nullptr, n.len, d));
    UnixName bad = n;
    bad.sun.sun_path[1] = 'Z';                                // prefix
    CHECK_FALSE(decode_name(sa(bad), bad.len, d));
    bad = n;
    bad.sun.sun_path[4] = 'Q';                                // unknown kind
    CHECK_FALSE(decode_name(sa(bad), bad.len, d));
    bad = n;
    bad.sun.sun_path[ztctl::kNameHeader] = 2;                 // family must be 4 or 6
    CHECK_FALSE(decode_name(sa(bad), bad.len, d));
    bad = n;
    bad.sun.sun_family = AF_INET;
    CHECK_FALSE(decode_name(sa(bad), bad.len, d));
    const UnixName k = node_name(NameKind::control, kHash);
    CHECK_FALSE(decode_name(sa(k), n.len, d));                // node name with a payload
    sockaddr_un unnamed{};
    unnamed.sun_family = AF_UNIX;
    CHECK_FALSE(decode_name(reinterpret_cast<sockaddr*>(&unnamed), 2, d));
}

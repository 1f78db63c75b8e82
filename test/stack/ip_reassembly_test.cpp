// IpReassembly (stack/ip_reassembly.hpp): IPv4 and IPv6 datagrams cut into fragments the way
// a sender does, fed in any order, come back as the packet the sender started from; the
// limits and every malformation are refused and counted.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>

#include "stack/ip_reassembly.hpp"

using zt::stack::IpReassembly;
using Bytes = std::vector<uint8_t>;
using V = IpReassembly::Verdict;

namespace {

void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

uint16_t checksum(const uint8_t* h, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(h[i] << 8 | h[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

Bytes random_bytes(size_t n, uint32_t seed) {
    std::mt19937 g(seed);
    Bytes b(n);
    for (auto& x : b) x = uint8_t(g());
    return b;
}

// A whole IPv4/UDP-ish packet: 20-byte header, protocol 17, checksum set.
Bytes ipv4_packet(const Bytes& payload, uint16_t id, uint8_t last_src = 1) {
    Bytes p(20);
    p[0] = 0x45;
    put16(&p[2], uint16_t(20 + payload.size()));
    put16(&p[4], id);
    p[8] = 64;
    p[9] = 17;
    const uint8_t src[4] = {10, 147, 17, last_src}, dst[4] = {10, 147, 17, 2};
    std::memcpy(&p[12], src, 4);
    std::memcpy(&p[16], dst, 4);
    put16(&p[10], checksum(p.data(), 20));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

// RFC 791 fragmentation of `whole` into pieces of at most `chunk` payload bytes (multiple of 8).
std::vector<Bytes> fragment_v4(const Bytes& whole, size_t chunk) {
    std::vector<Bytes> out;
    const size_t plen = whole.size() - 20;
    for (size_t off = 0; off < plen; off += chunk) {
        const size_t n = std::min(chunk, plen - off);
        Bytes f(whole.begin(), whole.begin() + 20);
        put16(&f[2], uint16_t(20 + n));
        put16(&f[6], uint16_t((off + n < plen ? 0x2000 : 0) | off / 8));
        put16(&f[10], 0);
        put16(&f[10], checksum(f.data(), 20));
        f.insert(f.end(), whole.begin() + 20 + std::ptrdiff_t(off), whole.begin() + 20 + std::ptrdiff_t(off + n));
        out.push_back(std::move(f));
    }
    return out;
}

Bytes ipv6_packet(const Bytes& payload) {
    Bytes p(40);
    p[0] = 0x60;
    put16(&p[4], uint16_t(payload.size()));
    p[6] = 17;
    p[7] = 64;
    p[8] = 0xfd;
    p[23] = 1;
    p[24] = 0xfd;
    p[39] = 2;
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

std::vector<Bytes> fragment_v6(const Bytes& whole, size_t chunk, uint32_t id) {
    std::vector<Bytes> out;
    const size_t plen = whole.size() - 40;
    for (size_t off = 0; off < plen; off += chunk) {
        const size_t n = std::min(chunk, plen - off);
        Bytes f(whole.begin(), whole.begin() + 40);
        f[6] = 44;
        put16(&f[4], uint16_t(8 + n));
        Bytes fh(8);
        fh[0] = whole[6];
        put16(&fh[2], uint16_t(off | (off + n < plen ? 1 : 0)));
        fh[4] = uint8_t(id >> 24), fh[5] = uint8_t(id >> 16), fh[6] = uint8_t(id >> 8), fh[7] = uint8_t(id);
        f.insert(f.end(), fh.begin(), fh.end());
        f.insert(f.end(), whole.begin() + 40 + std::ptrdiff_t(off), whole.begin() + 40 + std::ptrdiff_t(off + n));
        out.push_back(std::move(f));
    }
    return out;
}

Bytes packet_of(const IpReassembly& r) { return Bytes(r.packet().begin(), r.packet().end()); }

}  // namespace

TEST_CASE("ip reassembly: a whole packet passes untouched", "[stack][reassembly]") {
    IpReassembly r;
    CHECK(r.input(ipv4_packet(random_bytes(100, 1), 7), 0) == V::not_fragment);
    CHECK(r.input(ipv6_packet(random_bytes(100, 1)), 0) == V::not_fragment);
    CHECK(r.input(Bytes{0x45, 0, 0}, 0) == V::not_fragment);  // lwIP judges runts
    CHECK(r.stats().fragments == 0);
}

TEST_CASE("ip reassembly: IPv4 up to 65535 bytes, in any order, with duplicates", "[stack][reassembly]") {
    for (size_t size : {3000u, 20000u, 65515u}) {
        IpReassembly r;
        const Bytes whole = ipv4_packet(random_bytes(size, uint32_t(size)), 0x1234);
        auto frags = fragment_v4(whole, 1368);
        std::mt19937 g{uint32_t(size)};
        std::shuffle(frags.begin(), frags.end(), g);
        frags.insert(frags.begin() + 1, frags[0]);  // an exact duplicate
        for (size_t i = 0; i + 1 < frags.size(); ++i) REQUIRE(r.input(frags[i], 10) == V::held);
        REQUIRE(r.input(frags.back(), 10) == V::complete);
        CHECK(packet_of(r) == whole);  // total length, flags and checksum as the sender's
        CHECK(r.in_progress() == 0);
        CHECK(r.stats().completed == 1);
        CHECK(r.stats().dropped == 0);
    }
}

TEST_CASE("ip reassembly: IPv6 fragment headers, atomic fragments", "[stack][reassembly]") {
    IpReassembly r;
    const Bytes whole = ipv6_packet(random_bytes(50000, 6));
    auto frags = fragment_v6(whole, 1352, 0xdeadbeef);
    std::reverse(frags.begin(), frags.end());
    for (size_t i = 0; i + 1 < frags.size(); ++i) REQUIRE(r.input(frags[i], 0) == V::held);
    REQUIRE(r.input(frags.back(), 0) == V::complete);
    CHECK(packet_of(r) == whole);

    const Bytes small = ipv6_packet(random_bytes(300, 7));
    auto atomic = fragment_v6(small, 4096, 5);
    REQUIRE(atomic.size() == 1);
    REQUIRE(r.input(atomic[0], 0) == V::complete);
    CHECK(packet_of(r) == small);
}

TEST_CASE("ip reassembly: interleaved datagrams stay apart", "[stack][reassembly]") {
    IpReassembly r;
    const Bytes a = ipv4_packet(random_bytes(9000, 1), 1), b = ipv4_packet(random_bytes(9000, 2), 2);
    const Bytes c = ipv4_packet(random_bytes(9000, 3), 1, 9);  // same id, another source
    auto fa = fragment_v4(a, 1368), fb = fragment_v4(b, 1368), fc = fragment_v4(c, 1368);
    for (size_t i = 0; i + 1 < fa.size(); ++i) {
        REQUIRE(r.input(fa[i], 0) == V::held);
        REQUIRE(r.input(fb[i], 0) == V::held);
        REQUIRE(r.input(fc[i], 0) == V::held);
    }
    REQUIRE(r.input(fb.back(), 0) == V::complete);
    CHECK(packet_of(r) == b);
    REQUIRE(r.input(fc.back(), 0) == V::complete);
    CHECK(packet_of(r) == c);
    REQUIRE(r.input(fa.back(), 0) == V::complete);
    CHECK(packet_of(r) == a);
}

TEST_CASE("ip reassembly: overlaps, bad lengths and oversize datagrams are dropped", "[stack][reassembly]") {
    const Bytes whole = ipv4_packet(random_bytes(8000, 4), 77);
    auto frags = fragment_v4(whole, 1368);

    SECTION("an overlap that is not a duplicate gives the datagram up") {
        IpReassembly r;
        REQUIRE(r.input(frags[0], 0) == V::held);
        Bytes shifted = frags[1];
        put16(&shifted[6], uint16_t(0x2000 | (1368 - 8) / 8));  // starts inside fragment 0
        CHECK(r.input(shifted, 0) == V::dropped);
        CHECK(r.in_progress() == 0);
        for (size_t i = 1; i < frags.size(); ++i) CHECK(r.input(frags[i], 0) != V::complete);
    }
    SECTION("a middle fragment that is not a multiple of 8 bytes") {
        IpReassembly r;
        Bytes odd = frags[0];
        odd.pop_back();
        put16(&odd[2], uint16_t(odd.size()));
        CHECK(r.input(odd, 0) == V::dropped);
    }
    SECTION("a fragment ending past 65535 bytes (ping of death)") {
        IpReassembly r;
        Bytes last = frags.back();
        put16(&last[6], uint16_t(8189));  // offset 65512, last fragment
        CHECK(r.input(last, 0) == V::dropped);
    }
    SECTION("two different ends") {
        IpReassembly r;
        REQUIRE(r.input(frags.back(), 0) == V::held);
        Bytes early_end = frags[1];
        put16(&early_end[6], uint16_t(1368 / 8));  // no "more fragments"
        CHECK(r.input(early_end, 0) == V::dropped);
    }
    SECTION("total length longer than the bytes") {
        IpReassembly r;
        Bytes cut = frags[0];
        cut.resize(100);
        CHECK(r.input(cut, 0) == V::dropped);
    }
}

TEST_CASE("ip reassembly: stale datagrams expire; the number held is bounded", "[stack][reassembly]") {
    IpReassembly r;
    const Bytes whole = ipv4_packet(random_bytes(5000, 5), 9);
    auto frags = fragment_v4(whole, 1368);
    REQUIRE(r.input(frags[0], 1000) == V::held);
    // The rest arrives after the timeout: the first piece is gone, so no completion.
    for (size_t i = 1; i < frags.size(); ++i)
        CHECK(r.input(frags[i], 1000 + IpReassembly::kTimeoutMs) == V::held);
    CHECK(r.stats().timed_out == 1);
    CHECK(r.in_progress() == 1);

    IpReassembly many;
    for (uint16_t id = 0; id < 100; ++id)
        REQUIRE(many.input(fragment_v4(ipv4_packet(random_bytes(3000, id), id), 1368)[0], 0) == V::held);
    CHECK(many.in_progress() == IpReassembly::kMaxDatagrams);
    CHECK(many.stats().timed_out == 100 - IpReassembly::kMaxDatagrams);
}

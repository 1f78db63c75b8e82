// Fragmentation (spec §3.3) and reassembly (§3.4): cutting at the MTU, reassembly in any
// order, duplicates, bad counts, the 5 s timeout and eviction of the oldest of 32 slots.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "capture_vectors.hpp"
#include "core/rng.hpp"
#include "core/wire/fragment.hpp"

using namespace zt;
using namespace zt::wire;
using Status = Reassembler::Status;

namespace {

// A plausible head: random bytes with a real-looking source address, fragmented flag set.
Bytes make_packet(size_t len, uint64_t seed, uint64_t packet_id = 0) {
    Bytes p(len);
    SeededRng rng(seed);
    rng.fill(p);
    p[13] = 0x3c;  // source address must not start with 0xff
    p[kPacketIdxFlags] = uint8_t((p[kPacketIdxFlags] & ~kFlagHopsMask) | kFlagFragmented);
    if (packet_id)
        for (size_t i = 0; i < 8; ++i) p[i] = uint8_t(packet_id >> (56 - 8 * i));
    return p;
}

std::vector<Bytes> cut(const Bytes& pkt, size_t mtu = kDefaultPhysMtu) {
    FragmentCutter c{pkt, mtu};
    std::vector<Bytes> out;
    Bytes scratch(mtu);
    for (size_t i = 0; i < c.count(); ++i) {
        auto d = c.datagram(i, scratch);
        out.emplace_back(d.begin(), d.end());
    }
    return out;
}

Result<Status, Drop> feed(Reassembler& r, Ticks now, const Bytes& datagram, PacketBuf& out) {
    if (classify_datagram(datagram) == DatagramKind::fragment) return r.add_fragment(now, datagram, out);
    return r.add_head(now, datagram, out);
}

Bytes fragment(uint64_t id, uint8_t total, uint8_t number, size_t data_len = 10) {
    Bytes f(kFragmentHeaderLength + data_len, uint8_t(number));
    FragmentHeader h{id, Address(0x0eb8d1da54ULL), total, number, 0};
    Writer w{std::span<uint8_t>(f)};
    h.serialize(w);
    return f;
}

}  // namespace

TEST_CASE("fragment: fragment_count at the default MTU", "[wire]") {
    CHECK(fragment_count(27) == 0);
    CHECK(fragment_count(28) == 1);
    CHECK(fragment_count(1432) == 1);
    CHECK(fragment_count(1433) == 2);
    CHECK(fragment_count(1432 + 1416) == 2);
    CHECK(fragment_count(1432 + 1416 + 1) == 3);
    CHECK(fragment_count(1432 + 6 * 1416) == 7);  // 9928: the largest that fits 7 datagrams
    CHECK(fragment_count(1432 + 6 * 1416 + 1) == 0);
    CHECK(fragment_count(kMaxPacketLength) == 0);
    CHECK(fragment_count(kMaxPacketLength, 1500) == 7);
    CHECK(fragment_count(100, 1399) == 0);  // MTU out of range
    CHECK(fragment_count(100, 10325) == 0);
}

TEST_CASE("fragment: header layout and round trip", "[wire]") {
    Bytes f = fragment(0x0102030405060708ULL, 3, 2, 0);
    CHECK(to_hex(f) == "01020304050607080eb8d1da54ff3200");
    auto h = FragmentHeader::parse(f);
    REQUIRE(h);
    CHECK(h->packet_id == 0x0102030405060708ULL);
    CHECK(h->dest == Address(0x0eb8d1da54ULL));
    CHECK(h->total == 3);
    CHECK(h->number == 2);
    CHECK(h->counts_valid());
    for (size_t n = 0; n < 16; ++n) CHECK_FALSE(FragmentHeader::parse(std::span<const uint8_t>(f.data(), n)));
    f[13] = 0xfe;
    CHECK_FALSE(FragmentHeader::parse(f));
}

TEST_CASE("fragment: cutting a 9928-byte packet gives a head and 6 fragments", "[wire]") {
    Bytes pkt = make_packet(9928, 1);
    auto parts = cut(pkt);
    REQUIRE(parts.size() == 7);
    CHECK(parts[0] == Bytes(pkt.begin(), pkt.begin() + 1432));
    size_t at = 1432;
    for (size_t i = 1; i < 7; ++i) {
        INFO("fragment " << i);
        CHECK(parts[i].size() == 1432);
        auto h = FragmentHeader::parse(parts[i]);
        REQUIRE(h);
        CHECK(Bytes(parts[i].begin(), parts[i].begin() + 13) == Bytes(pkt.begin(), pkt.begin() + 13));
        CHECK(h->total == 7);
        CHECK(h->number == i);
        CHECK(h->hops == 0);
        CHECK(Bytes(parts[i].begin() + 16, parts[i].end()) == Bytes(pkt.begin() + at, pkt.begin() + at + 1416));
        at += 1416;
    }
    FragmentCutter c{pkt};
    Bytes small(100);
    CHECK(c.datagram(1, small).empty());  // scratch too small
    CHECK(c.datagram(7, small).empty());
}

TEST_CASE("fragment: a packet under the MTU is one datagram, the packet itself", "[wire]") {
    Bytes pkt = make_packet(500, 2);
    FragmentCutter c{pkt};
    REQUIRE(c.ok());
    REQUIRE(c.count() == 1);
    Bytes scratch(1432);
    auto d = c.datagram(0, scratch);
    CHECK(d.data() == pkt.data());
    CHECK(d.size() == pkt.size());
    CHECK_FALSE(FragmentCutter(make_packet(9929, 3)).ok());
}

TEST_CASE("fragment: reassembly in order, reversed and shuffled", "[wire]") {
    Bytes pkt = make_packet(9000, 4);
    auto parts = cut(pkt, 1500);
    REQUIRE(parts.size() == 7);
    std::vector<size_t> order{0, 1, 2, 3, 4, 5, 6};
    SeededRng rng(99);
    for (int round = 0; round < 20; ++round) {
        if (round == 1) std::reverse(order.begin(), order.end());
        if (round >= 2)
            for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.next_u64() % (i + 1)]);
        Reassembler r;
        PacketBuf out;
        for (size_t k = 0; k < order.size(); ++k) {
            auto s = feed(r, 1000, parts[order[k]], out);
            REQUIRE(s.ok());
            CHECK(s.value() == (k + 1 == order.size() ? Status::complete : Status::pending));
        }
        CHECK(Bytes(out.bytes().begin(), out.bytes().end()) == pkt);
        CHECK(r.in_progress() == 0);
    }
}

TEST_CASE("fragment: an armored packet survives cut + reassembly and dearmors", "[wire]") {
    const auto& p = ztest::captured("OK", "HELLO");
    SymmetricKey key = ztest::key_of(p);
    PacketBuf buf;
    Writer w = buf.writer();
    PacketHeader h;
    h.packet_id = 0x1122334455667788ULL;
    h.dest = Address(0xc41b8868acULL);
    h.source = Address(0x29399142c4ULL);
    h.verb_byte = uint8_t(Verb::echo);
    h.serialize(w);
    for (size_t i = 0; i < 4000; ++i) w.u8(uint8_t(i * 7));
    REQUIRE(buf.commit(w));
    const Bytes plain(buf.bytes().begin(), buf.bytes().end());
    REQUIRE(fragment_count(buf.len) == 3);
    h.set_fragmented(true);
    h.write_to(buf.bytes());
    REQUIRE(armor(buf.bytes(), key, Cipher::poly1305_salsa2012).ok());

    auto parts = cut(Bytes(buf.bytes().begin(), buf.bytes().end()));
    REQUIRE(parts.size() == 3);
    Reassembler r;
    PacketBuf out;
    CHECK(feed(r, 0, parts[2], out).value() == Status::pending);
    CHECK(feed(r, 1, parts[0], out).value() == Status::pending);
    REQUIRE(feed(r, 2, parts[1], out).value() == Status::complete);
    REQUIRE(dearmor(out.bytes(), key).ok());
    Bytes got(out.bytes().begin(), out.bytes().end());
    CHECK(Bytes(got.begin() + 27, got.end()) == Bytes(plain.begin() + 27, plain.end()));
}

TEST_CASE("fragment: duplicates are refused and do not disturb the slot", "[wire]") {
    Bytes pkt = make_packet(3000, 5);
    auto parts = cut(pkt);
    REQUIRE(parts.size() == 3);
    Reassembler r;
    PacketBuf out;
    CHECK(feed(r, 0, parts[1], out).value() == Status::pending);
    auto d = feed(r, 0, parts[1], out);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == Drop::duplicate_fragment);
    CHECK(feed(r, 0, parts[0], out).value() == Status::pending);
    CHECK(feed(r, 0, parts[0], out).error() == Drop::duplicate_fragment);
    CHECK(feed(r, 0, parts[2], out).value() == Status::complete);
    CHECK(Bytes(out.bytes().begin(), out.bytes().end()) == pkt);
}

TEST_CASE("fragment: counts out of range or inconsistent are dropped", "[wire]") {
    Reassembler r;
    PacketBuf out;
    const uint64_t id = 42;
    struct Bad {
        uint8_t total, number;
    };
    for (Bad b : {Bad{0, 1}, Bad{1, 1}, Bad{8, 1}, Bad{15, 3}, Bad{2, 0}, Bad{3, 3}, Bad{3, 5}, Bad{7, 7},
                  Bad{2, 15}}) {
        INFO(int(b.total) << "/" << int(b.number));
        auto s = r.add_fragment(0, fragment(id, b.total, b.number), out);
        REQUIRE_FALSE(s.ok());
        CHECK(s.error() == Drop::bad_fragment);
    }
    CHECK(r.in_progress() == 0);
    CHECK(r.add_fragment(0, fragment(id, 4, 1), out).value() == Status::pending);
    CHECK(r.add_fragment(0, fragment(id, 3, 2), out).error() == Drop::bad_fragment);
    CHECK(r.add_fragment(0, fragment(id, 4, 2), out).value() == Status::pending);

    Bytes not_fragmented = make_packet(100, 6, id);
    not_fragmented[kPacketIdxFlags] &= uint8_t(~kFlagFragmented);
    CHECK(r.add_head(0, not_fragmented, out).error() == Drop::bad_fragment);
    CHECK(r.add_head(0, Bytes(27, 1), out).error() == Drop::too_short);
    CHECK(r.add_fragment(0, Bytes(15, 0xff), out).error() == Drop::too_short);
}

TEST_CASE("fragment: head || fragments larger than 10024 bytes is dropped", "[wire]") {
    Reassembler r;
    PacketBuf out;
    const uint64_t id = 0x77;
    CHECK(r.add_head(0, make_packet(5000, 7, id), out).value() == Status::pending);
    auto s = r.add_fragment(0, fragment(id, 2, 1, 5025), out);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error() == Drop::too_long);
    CHECK(r.in_progress() == 0);
}

TEST_CASE("fragment: pieces older than 5 s are dropped", "[wire]") {
    Bytes pkt = make_packet(2000, 8);
    auto parts = cut(pkt);
    REQUIRE(parts.size() == 2);

    SECTION("at exactly 5 s the slot is alive") {
        Reassembler r;
        PacketBuf out;
        CHECK(feed(r, 10'000, parts[1], out).value() == Status::pending);
        CHECK(feed(r, 15'000, parts[0], out).value() == Status::complete);
    }
    SECTION("after 5 s the old piece is gone") {
        Reassembler r;
        PacketBuf out;
        CHECK(feed(r, 10'000, parts[1], out).value() == Status::pending);
        CHECK(feed(r, 15'001, parts[0], out).value() == Status::pending);
        CHECK(r.in_progress() == 1);  // a new slot with only the head
        CHECK(feed(r, 15'002, parts[1], out).value() == Status::complete);
    }
    SECTION("expire() frees stale slots") {
        Reassembler r;
        PacketBuf out;
        CHECK(feed(r, 0, parts[1], out).value() == Status::pending);
        r.expire(5'000);
        CHECK(r.in_progress() == 1);
        r.expire(5'001);
        CHECK(r.in_progress() == 0);
    }
}

TEST_CASE("fragment: a 33rd concurrent packet evicts the oldest slot", "[wire]") {
    Reassembler r;
    PacketBuf out;
    for (uint64_t id = 1; id <= 32; ++id)
        REQUIRE(r.add_fragment(Ticks(id), fragment(id, 2, 1), out).value() == Status::pending);
    CHECK(r.in_progress() == 32);
    REQUIRE(r.add_fragment(100, fragment(33, 2, 1), out).value() == Status::pending);
    CHECK(r.in_progress() == 32);
    // Packet 3 still completes, freeing its slot.
    auto s3 = r.add_head(101, make_packet(100, 9, 3), out);
    REQUIRE(s3.ok());
    CHECK(s3.value() == Status::complete);
    CHECK(out.len == 100 + 10);
    CHECK(r.in_progress() == 31);
    // Packet 1 (started first) lost its fragment: its head starts a new slot in the free one.
    CHECK(r.add_head(102, make_packet(100, 9, 1), out).value() == Status::pending);
    CHECK(r.in_progress() == 32);
    // Packet 2 was not evicted.
    auto s2 = r.add_head(103, make_packet(100, 9, 2), out);
    REQUIRE(s2.ok());
    CHECK(s2.value() == Status::complete);
    CHECK(out.len == 100 + 10);
}

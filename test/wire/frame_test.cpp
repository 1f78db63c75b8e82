// FRAME (spec §5.5), EXT_FRAME (§5.6) with the COM skipper (§8.6), MULTICAST_FRAME (§5.13).
// FRAME and MULTICAST_FRAME come from 02-ping.pcap; EXT_FRAME (not in the captures) is
// built around the COM of derived_examples.json.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/vl2/com_span.hpp"
#include "core/vl2/ext_frame.hpp"
#include "core/vl2/frame.hpp"
#include "core/vl2/multicast_frame.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

Bytes derived_com() { return ztest::hex(ztest::load_vectors("derived_examples.json")["com"]["serialized"].s()); }

}  // namespace

TEST_CASE("frame: captured ARP reply b -> a", "[wire]") {
    const auto& p = ztest::captured("FRAME");
    auto f = Frame::parse(p.payload_decompressed);
    REQUIRE(f);
    CHECK(f->nwid.value == 0xc41b8868ac000001ULL);
    CHECK(f->ether_type == 0x0806);
    CHECK(to_hex(f->payload) == "0001080006040002023cc9ac59280a93110c020eb87db2dc0a93110b");
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*f, 200, &tail_ok) == p.payload_decompressed);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<Frame>(p.payload_decompressed, Frame::kMandatoryLength));
    // The sender MAC in the ARP reply is MAC(b, nwid) (§6.2).
    CHECK(Mac::from_address(Address(0x3cc90031a0ULL), f->nwid) == Mac(0x023cc9ac5928ULL));
}

TEST_CASE("frame: captured MULTICAST_FRAME (ARP request a -> b, gather limit 33)", "[wire]") {
    const auto& p = ztest::captured("MULTICAST_FRAME");
    auto f = MulticastFrame::parse(p.payload_decompressed);
    REQUIRE(f);
    CHECK(f->nwid.value == 0xc41b8868ac000001ULL);
    CHECK(f->flags == MulticastFrame::kFlagGatherLimit);
    CHECK(f->com.empty());
    REQUIRE(f->gather_limit);
    CHECK(*f->gather_limit == 0x21);
    CHECK_FALSE(f->source);
    CHECK(f->group_mac.is_broadcast());
    CHECK(f->group_adi == 0x0a93110cU);
    CHECK(f->ether_type == 0x0806);
    CHECK(to_hex(f->payload) == "0001080006040001020eb87db2dc0a93110b0000000000000a93110c");
    bool tail_ok = false;
    CHECK(ztest::serialize_filled(*f, 200, &tail_ok) == p.payload_decompressed);
    CHECK(tail_ok);
    CHECK(ztest::short_prefixes_fail<MulticastFrame>(p.payload_decompressed, 8 + 1 + 4 + 6 + 4 + 2));
}

TEST_CASE("frame: MULTICAST_FRAME with COM and source MAC", "[wire]") {
    const Bytes com = derived_com();
    MulticastFrame f;
    f.nwid = NetworkId{0x8e4df28b72000001ULL};
    f.flags = MulticastFrame::kFlagReplicate;
    f.com = com;
    f.source = Mac(0x028e4dee69b0ULL);
    f.group_mac = Mac(0x333300000001ULL);
    f.ether_type = 0x86dd;
    const Bytes payload = ztest::hex("6000000000");
    f.payload = payload;
    Bytes b = ztest::serialize_filled(f);
    CHECK(b[8] == (MulticastFrame::kFlagReplicate | MulticastFrame::kFlagCom | MulticastFrame::kFlagSourceMac));
    auto back = MulticastFrame::parse(b);
    REQUIRE(back);
    CHECK(Bytes(back->com.begin(), back->com.end()) == com);
    CHECK(back->source == f.source);
    CHECK_FALSE(back->gather_limit);
    CHECK(back->group_mac == f.group_mac);
    CHECK(Bytes(back->payload.begin(), back->payload.end()) == payload);
    CHECK(ztest::serialize_filled(*back) == b);
    CHECK(ztest::short_prefixes_fail<MulticastFrame>(b, b.size() - payload.size()));
}

TEST_CASE("frame: EXT_FRAME without and with a COM", "[wire]") {
    const Bytes payload = ztest::hex("45000054");
    ExtFrame f;
    f.nwid = NetworkId{0xc41b8868ac000001ULL};
    f.flags = ExtFrame::kFlagAckRequested | (2 << 1);  // REDIRECT outbound, ACK requested
    f.dest = Mac(0x023cc9ac5928ULL);
    f.source = Mac(0x020eb87db2dcULL);
    f.ether_type = 0x0800;
    f.payload = payload;
    Bytes plain = ztest::serialize_filled(f);
    CHECK(to_hex(plain) == "c41b8868ac000001" "14" "023cc9ac5928" "020eb87db2dc" "0800" "45000054");
    auto p = ExtFrame::parse(plain);
    REQUIRE(p);
    CHECK(p->subtype() == 2);
    CHECK(p->ack_requested());
    CHECK(p->com.empty());
    CHECK(p->dest == f.dest);
    CHECK(p->source == f.source);
    CHECK(ztest::short_prefixes_fail<ExtFrame>(plain, ExtFrame::kMandatoryLength));

    const Bytes com = derived_com();
    f.com = com;
    Bytes with = ztest::serialize_filled(f);
    CHECK(with.size() == plain.size() + com.size());
    CHECK(with[8] == (0x14 | ExtFrame::kFlagCom));
    auto q = ExtFrame::parse(with);
    REQUIRE(q);
    CHECK(Bytes(q->com.begin(), q->com.end()) == com);
    CHECK(q->dest == f.dest);
    CHECK(Bytes(q->payload.begin(), q->payload.end()) == payload);
    CHECK(ztest::serialize_filled(*q) == with);
    CHECK(ztest::short_prefixes_fail<ExtFrame>(with, ExtFrame::kMandatoryLength + com.size()));
}

TEST_CASE("frame: COM skipper (§8.6)", "[wire]") {
    const Bytes com = derived_com();
    REQUIRE(com.size() == 1 + 2 + 7 * 24 + 5 + 96);
    Bytes b = com;
    b.push_back(0xee);
    Reader r{b};
    auto s = read_com(r);
    REQUIRE(r.ok());
    CHECK(s.size() == com.size());
    CHECK(r.remaining() == 1);

    // Unsigned: signer 0, no signature follows.
    Bytes unsigned_com = ztest::hex("010001" "000000000000000100000000000000020000000000000003" "0000000000" "ff");
    Reader u{unsigned_com};
    CHECK(read_com(u).size() == 3 + 24 + 5);
    CHECK(u.ok());

    for (const char* bad : {"020000" "0000000000", "010009", "0100"}) {
        Bytes x = ztest::hex(std::string(bad) + std::string(24 * 9 * 2 + 10, '0'));
        if (std::string(bad) == "0100") x = ztest::hex(bad);
        Reader rb{x};
        CHECK(read_com(rb).empty());
        CHECK_FALSE(rb.ok());
    }
    Bytes cut(com.begin(), com.end() - 1);
    Reader rc{cut};
    CHECK(read_com(rc).empty());
    CHECK_FALSE(rc.ok());
}

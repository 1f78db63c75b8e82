// Packet header, armor/dearmor (suites 0/1), cryptField and LZ4 against the captured
// packets of vectors/capture_packets.json (ZeroTier One 1.14.1), plus negative cases.
#include <catch2/catch.hpp>

#include "capture_vectors.hpp"
#include "core/rng.hpp"
#include "core/wire/packet.hpp"
#include "wire_test_util.hpp"

using namespace zt;
using namespace zt::wire;
using ztest::CapturedPacket;

namespace {

Bytes concat(const Bytes& a, uint8_t b, const Bytes& c) {
    Bytes out = a;
    out.push_back(b);
    out.insert(out.end(), c.begin(), c.end());
    return out;
}

}  // namespace

TEST_CASE("packet: every captured packet dearmors to the annotated plaintext", "[wire]") {
    size_t n = 0;
    for (const CapturedPacket& p : ztest::captured_packets()) {
        INFO(p.name());
        ++n;
        SymmetricKey key = ztest::key_of(p);
        auto aes = crypto::AesGmacSiv::from_peer_key(key);
        REQUIRE(aes);
        Bytes pkt = p.wire;
        auto d = dearmor(pkt, key, &*aes);
        REQUIRE(d.ok());
        CHECK(uint8_t(d.value()) == p.cipher);
        CHECK(Bytes(pkt.begin(), pkt.begin() + 27) == p.header_after_dearmor);
        CHECK(pkt[27] == p.verb_byte);
        CHECK(Bytes(pkt.begin() + 28, pkt.end()) == p.payload_as_sent);

        auto h = PacketHeader::parse(pkt);
        REQUIRE(h);
        CHECK(h->hops() == p.hops);
        CHECK(h->compressed() == p.lz4);
        CHECK(!h->fragmented());

        PacketBuf scratch;
        auto plain = decompress(pkt, scratch);
        REQUIRE(plain.ok());
        CHECK(Bytes(plain->begin() + 28, plain->end()) == p.payload_decompressed);
        CHECK(((*plain)[27] & kVerbFlagCompressed) == 0);
        CHECK(PacketHeader::parse(*plain)->verb() == h->verb());
    }
    CHECK(n == 39);
}

TEST_CASE("packet: re-armoring the plaintext reproduces the wire bytes bit-exactly", "[wire]") {
    for (const CapturedPacket& p : ztest::captured_packets()) {
        if (p.cipher > 1) continue;
        INFO(p.name());
        SymmetricKey key = ztest::key_of(p);
        Bytes pkt = concat(p.header_after_dearmor, p.verb_byte, p.payload_as_sent);
        pkt[kPacketIdxFlags] |= kFlagHopsMask;  // armor must clear them
        for (size_t i = kPacketIdxMac; i < kPacketIdxVerb; ++i) pkt[i] = 0xa5;
        REQUIRE(armor(pkt, key, Cipher(p.cipher)).ok());
        Bytes want = p.wire;
        want[kPacketIdxFlags] &= uint8_t(~kFlagHopsMask);
        CHECK(to_hex(pkt) == to_hex(want));
    }
}

TEST_CASE("packet: derived examples (fixed packet id) armor exactly", "[wire]") {
    ztest::Json j = ztest::load_vectors("derived_examples.json");
    SymmetricKey key = ztest::key48(j["shared_key"]["key48_hex"].s());

    SECTION("WHOIS, suite 1") {
        Bytes pkt = ztest::hex(j["whois_salsa2012"]["plaintext"].s());
        pkt[kPacketIdxFlags] = 0;  // armor sets the suite bits itself
        REQUIRE(armor(pkt, key, Cipher::poly1305_salsa2012).ok());
        CHECK(to_hex(pkt) == j["whois_salsa2012"]["wire"].s());
        auto d = dearmor(pkt, key);
        REQUIRE(d.ok());
        CHECK(d.value() == Cipher::poly1305_salsa2012);
        Bytes plain = ztest::hex(j["whois_salsa2012"]["plaintext"].s());
        CHECK(Bytes(pkt.begin() + 27, pkt.end()) == Bytes(plain.begin() + 27, plain.end()));
    }
    SECTION("HELLO, suite 0 with the cryptField") {
        Bytes pkt = ztest::hex(j["hello"]["plaintext_before_cryptfield_and_mac"].s());
        const size_t at = size_t(j["hello"]["crypt_field_starts_at"].u64());
        crypt_hello_field(pkt, at, key);
        REQUIRE(armor(pkt, key, Cipher::poly1305_none).ok());
        CHECK(to_hex(pkt) == j["hello"]["wire"].s());
        REQUIRE(dearmor(pkt, key).ok());
        crypt_hello_field(pkt, at, key);
        CHECK(to_hex(Bytes(pkt.begin() + 27, pkt.end())) ==
              j["hello"]["plaintext_before_cryptfield_and_mac"].s().substr(54));
    }
}

TEST_CASE("packet: the captured HELLO's moon count decrypts to zero (cryptField, §4.5)", "[wire]") {
    const CapturedPacket& p = ztest::captured("HELLO");
    SymmetricKey key = ztest::key_of(p);
    Bytes pkt = p.wire;
    REQUIRE(dearmor(pkt, key).ok());
    REQUIRE(pkt.size() == 137);
    CHECK(to_hex(Bytes(pkt.end() - 2, pkt.end())) == "1085");
    crypt_hello_field(pkt, 135, key);
    CHECK(to_hex(Bytes(pkt.end() - 2, pkt.end())) == "0000");
    crypt_hello_field(pkt, 137, key);  // at the end: no-op
    crypt_hello_field(pkt, 500, key);
    CHECK(to_hex(Bytes(pkt.end() - 2, pkt.end())) == "0000");
}

TEST_CASE("packet: header fields and flag helpers", "[wire]") {
    const CapturedPacket& p = ztest::captured_packets().at(7);  // NETWORK_CONFIG_REQUEST relayed once
    auto h = PacketHeader::parse(p.wire);
    REQUIRE(h);
    CHECK(h->packet_id == 0x8d6c913f0b265205ULL);
    CHECK(h->dest == Address(0xc41b8868acULL));
    CHECK(h->source == Address(0x0eb8d1da54ULL));
    CHECK(h->flags == 0x89);
    CHECK(h->cipher() == Cipher::poly1305_salsa2012);
    CHECK(h->hops() == 1);
    CHECK_FALSE(h->fragmented());

    PacketHeader x;
    x.set_cipher(Cipher::poly1305_salsa2012);
    CHECK(x.flags == 0x88);
    x.set_cipher(Cipher::aes_gmac_siv);
    CHECK(x.flags == 0x18);
    x.set_hops(9);
    CHECK(x.hops() == 1);
    x.set_fragmented(true);
    CHECK(x.flags == 0x59);
    x.set_fragmented(false);
    x.set_cipher(Cipher::poly1305_none);
    CHECK(x.flags == 0x01);

    Bytes b = ztest::serialize_filled(*h);
    CHECK(b == Bytes(p.wire.begin(), p.wire.begin() + 28));
    CHECK(ztest::short_prefixes_fail<PacketHeader>(p.wire, 28));
}

TEST_CASE("packet: classify_datagram by length and byte 13", "[wire]") {
    Bytes b(40, 0x11);
    CHECK(classify_datagram(b) == DatagramKind::head);
    CHECK(classify_datagram(std::span<const uint8_t>(b.data(), 28)) == DatagramKind::head);
    CHECK(classify_datagram(std::span<const uint8_t>(b.data(), 27)) == DatagramKind::bad_head);
    CHECK(classify_datagram(std::span<const uint8_t>(b.data(), 16)) == DatagramKind::runt);
    CHECK(classify_datagram(std::span<const uint8_t>(b.data(), 13)) == DatagramKind::runt);  // LAN beacon
    b[13] = 0xff;
    CHECK(classify_datagram(std::span<const uint8_t>(b.data(), 17)) == DatagramKind::fragment);
    CHECK(classify_datagram(b) == DatagramKind::fragment);
    CHECK_FALSE(PacketHeader::parse(b));  // a fragment is not a head
}

TEST_CASE("packet: any flipped authenticated bit fails with bad_mac, packet untouched", "[wire]") {
    for (size_t which : {size_t(0), size_t(1), size_t(26)}) {  // HELLO s0, OK(HELLO) s1, MULTICAST_FRAME s1
        const CapturedPacket& p = ztest::captured_packets().at(which);
        INFO(p.name());
        SymmetricKey key = ztest::key_of(p);
        for (size_t i = 0; i < p.wire.size(); ++i) {
            for (int bit = 0; bit < 8; ++bit) {
                Bytes pkt = p.wire;
                pkt[i] ^= uint8_t(1 << bit);
                const Bytes flipped = pkt;
                auto d = dearmor(pkt, key);
                if (i == kPacketIdxFlags && bit < 3) {  // hop bits are not authenticated
                    CHECK(d.ok());
                    continue;
                }
                INFO("byte " << i << " bit " << bit);
                REQUIRE_FALSE(d.ok());
                const bool cipher_bit = i == kPacketIdxFlags && bit >= 3 && bit <= 5;
                const bool to_other_01 = cipher_bit && (pkt[kPacketIdxFlags] & kFlagCipherMask) <= 0x08;
                if (!cipher_bit || to_other_01) CHECK(d.error() == Drop::bad_mac);
                else CHECK(d.error() == Drop::unsupported_cipher);
                CHECK(pkt == flipped);
            }
        }
    }
}

TEST_CASE("packet: wrong key -> bad_mac; truncated -> too_short or bad_mac", "[wire]") {
    const CapturedPacket& p = ztest::captured("OK", "HELLO");
    Bytes wrong = p.key;
    wrong[31] ^= 1;
    SymmetricKey bad = ztest::key48(to_hex(wrong));
    Bytes pkt = p.wire;
    auto d = dearmor(pkt, bad);
    REQUIRE_FALSE(d.ok());
    CHECK(d.error() == Drop::bad_mac);
    // Bytes 32..47 of the key are not used by suites 0/1.
    Bytes tail = p.key;
    tail[40] ^= 1;
    pkt = p.wire;
    CHECK(dearmor(pkt, ztest::key48(to_hex(tail))).ok());

    SymmetricKey key = ztest::key_of(p);
    for (size_t n = 0; n < p.wire.size(); ++n) {
        Bytes cut(p.wire.begin(), p.wire.begin() + n);
        auto r = dearmor(cut, key);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error() == (n < 28 ? Drop::too_short : Drop::bad_mac));
    }
    Bytes huge(kMaxPacketLength + 1, 0);
    CHECK(dearmor(huge, key).error() == Drop::too_long);
    CHECK(armor(huge, key, Cipher::poly1305_none).error() == Drop::too_long);
    Bytes tiny(27, 0);
    CHECK(armor(tiny, key, Cipher::poly1305_none).error() == Drop::too_short);
}

TEST_CASE("packet: captured suite 3 packets dearmor and re-armor through AES-GMAC-SIV", "[wire]") {
    size_t n = 0;
    for (const CapturedPacket& p : ztest::captured_packets()) {
        if (p.cipher != 3) continue;
        INFO(p.name());
        ++n;
        SymmetricKey key = ztest::key_of(p);
        auto aes = crypto::AesGmacSiv::from_peer_key(key);
        REQUIRE(aes);
        Bytes pkt = p.wire;
        auto d = dearmor(pkt, key);  // no AES keys given
        REQUIRE_FALSE(d.ok());
        CHECK(d.error() == Drop::unsupported_cipher);
        CHECK(pkt == p.wire);

        d = dearmor(pkt, key, &*aes);
        REQUIRE(d.ok());
        CHECK(d.value() == Cipher::aes_gmac_siv);
        CHECK(Bytes(pkt.begin(), pkt.begin() + 27) == p.header_after_dearmor);
        CHECK(pkt[27] == p.verb_byte);
        CHECK(Bytes(pkt.begin() + 28, pkt.end()) == p.payload_as_sent);

        // Re-armor from the original random IV (first half of ECB-decrypt(K1, tag)).
        Bytes again = p.wire;
        auto iv = aes->open_packet(again);
        REQUIRE(iv);
        Bytes plain = concat(p.header_after_dearmor, p.verb_byte, p.payload_as_sent);
        for (size_t i = 0; i < 8; ++i) plain[i] = (*iv)[i];
        REQUIRE(armor(plain, key, Cipher::aes_gmac_siv, &*aes).ok());
        Bytes want = p.wire;
        want[kPacketIdxFlags] &= uint8_t(~kFlagHopsMask);
        CHECK(to_hex(plain) == to_hex(want));

        Bytes flipped = p.wire;
        flipped.back() ^= 0x10;  // the verb byte or the last payload byte
        d = dearmor(flipped, key, &*aes);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error() == Drop::bad_mac);
    }
    CHECK(n == 23);
}

TEST_CASE("packet: suites 2 and 4..7 are refused; suite 3 needs the AES keys", "[wire]") {
    const CapturedPacket& p = ztest::captured("WHOIS");
    SymmetricKey key = ztest::key_of(p);
    auto aes = crypto::AesGmacSiv::from_peer_key(key);
    REQUIRE(aes);
    Bytes plain = concat(p.header_after_dearmor, p.verb_byte, p.payload_as_sent);
    CHECK(armor(plain, key, Cipher::aes_gmac_siv).error() == Drop::unsupported_cipher);
    for (uint8_t suite : {2, 4, 5, 6, 7}) {
        Bytes q = p.wire;
        q[kPacketIdxFlags] = uint8_t(suite << 3);
        CHECK(dearmor(q, key, &*aes).error() == Drop::unsupported_cipher);
        CHECK(armor(q, key, Cipher(suite), &*aes).error() == Drop::unsupported_cipher);
    }
}

TEST_CASE("packet: LZ4 compress reproduces the captured compressed payloads", "[wire]") {
    size_t n = 0;
    for (const CapturedPacket& p : ztest::captured_packets()) {
        if (!p.lz4) continue;
        INFO(p.name());
        ++n;
        PacketBuf buf;
        Bytes plain = concat(p.header_after_dearmor, uint8_t(p.verb_byte & ~kVerbFlagCompressed),
                             p.payload_decompressed);
        REQUIRE(buf.assign(plain));
        REQUIRE(compress(buf));
        CHECK(buf.b[27] == p.verb_byte);
        CHECK(Bytes(buf.b.begin() + 28, buf.b.begin() + buf.len) == p.payload_as_sent);
        CHECK_FALSE(compress(buf));  // already compressed
    }
    CHECK(n > 0);
}

TEST_CASE("packet: compress() keeps small or incompressible payloads as they are", "[wire]") {
    PacketBuf buf;
    Bytes pkt(28 + 64, 0);  // 64 bytes of zeros: at the threshold, not above
    REQUIRE(buf.assign(pkt));
    CHECK_FALSE(compress(buf));
    CHECK(buf.len == pkt.size());
    Bytes noise(28 + 500);
    SeededRng rng(7);
    rng.fill(noise);
    noise[13] = 0x11;
    noise[27] = 0x06;
    REQUIRE(buf.assign(noise));
    CHECK_FALSE(compress(buf));
    CHECK(buf.bytes().size() == noise.size());
    Bytes zeros(28 + 65, 0);
    REQUIRE(buf.assign(zeros));
    CHECK(compress(buf));
    CHECK(buf.len < zeros.size());
    PacketBuf out;
    auto d = decompress(buf.bytes(), out);
    REQUIRE(d.ok());
    CHECK(Bytes(d->begin(), d->end()) == zeros);
}

TEST_CASE("packet: corrupt or oversized LZ4 -> bad_compression", "[wire]") {
    const CapturedPacket& p = ztest::captured("NETWORK_CONFIG_REQUEST");
    REQUIRE(p.lz4);
    Bytes base = concat(p.header_after_dearmor, p.verb_byte, p.payload_as_sent);
    PacketBuf out;
    REQUIRE(decompress(base, out).ok());

    auto expect_drop = [&](const Bytes& pkt) {
        auto d = decompress(pkt, out);
        REQUIRE_FALSE(d.ok());
        CHECK(d.error() == Drop::bad_compression);
    };
    // A match with offset 0 is never valid.
    Bytes zero_offset = base;
    zero_offset.resize(28);
    for (uint8_t x : {0x1f, 0x41, 0x00, 0x00}) zero_offset.push_back(x);
    expect_drop(zero_offset);
    // Cut inside the block.
    Bytes cut = base;
    cut.resize(28 + p.payload_as_sent.size() / 2);
    expect_drop(cut);
    // Compressed, empty payload.
    Bytes empty = base;
    empty.resize(28);
    expect_drop(empty);
    // A compressed payload of exactly 10024 - 28 bytes is fine ...
    PacketBuf big;
    Bytes zeros(kMaxPacketLength, 0);
    zeros[13] = 0x11;
    REQUIRE(big.assign(zeros));
    REQUIRE(compress(big));
    Bytes exact(big.bytes().begin(), big.bytes().end());
    REQUIRE(decompress(exact, out).ok());
    CHECK(out.len == kMaxPacketLength);
    // ... one byte more is not. A hand-made block: one literal run of L bytes
    // (token 0xf0, then 255s and a remainder for L - 15, then the literals).
    auto literal_block = [](size_t L) {
        Bytes pkt(28, 0);
        pkt[13] = 0x11;
        pkt[27] = 0x80 | 0x06;
        pkt.push_back(0xf0);
        size_t rest = L - 15;
        for (; rest >= 255; rest -= 255) pkt.push_back(255);
        pkt.push_back(uint8_t(rest));
        pkt.insert(pkt.end(), L, 0x42);
        return pkt;
    };
    Bytes lit = literal_block(kMaxPayloadLength + 1);
    expect_drop(lit);
    Bytes ok_lit = literal_block(kMaxPayloadLength);
    auto good = decompress(ok_lit, out);
    REQUIRE(good.ok());
    CHECK(good->size() == kMaxPacketLength);
}

// Packet header codec, armor/dearmor (spec §4.2, §4.3; suite 3 §4.4 is delegated to
// core/crypto/aes_gmac_siv), the HELLO cryptField (§4.5) and LZ4 (§4.6). Layout and
// pipeline in packet.hpp. Salsa20/12 and Poly1305 sit behind cipher_suite01.hpp.
#include "core/wire/packet.hpp"

#include <lz4.h>

#include "core/wire/cipher_suite01.hpp"

namespace zt::wire {

namespace {

constexpr size_t kEncryptedFrom = kPacketIdxVerb;  // the verb byte and the payload (27..end)

// §4.2 per-packet key K': key[0..31] XOR the packet's first 18 bytes, its flags without the
// hop bits and its length (little-endian). pkt.size() >= 19.
void mangle_key(const SymmetricKey& key, std::span<const uint8_t> pkt, uint8_t out[32]) {
    Reader r{pkt};
    auto head = r.bytes(kPacketIdxMac);  // packet id, dest, source, flags
    const size_t len = pkt.size();
    const uint8_t* k = key.data();
    for (size_t i = 0; i < 32; ++i) out[i] = k[i];
    if (head.size() != kPacketIdxMac) return;  // precondition violated: plain key
    for (size_t i = 0; i < kPacketIdxFlags; ++i) out[i] ^= head[i];
    out[kPacketIdxFlags] ^= uint8_t(head[kPacketIdxFlags] & kFlagsAuthenticatedMask);
    out[19] ^= uint8_t(len & 0xff);  // length little-endian (§4.2)
    out[20] ^= uint8_t((len >> 8) & 0xff);
}

// Wipes its array when it goes out of scope (per-packet key, keystream block, tag).
template <size_t N>
struct Scrubbed {
    uint8_t b[N];
    ~Scrubbed() { detail::wipe(b, N); }
};

// §4.3 steps 2-4 (seal) and their inverse (open) for suites 0 and 1. pkt.size() >= 28.
// The MAC covers bytes 27..end as they are on the wire: after encryption when sealing,
// before decryption when opening.
struct Suite01 {
    std::span<uint8_t> pkt;
    Scrubbed<32> k;        // K' (§4.2)
    Scrubbed<64> block0;   // keystream block 0; bytes 0..31 are the Poly1305 key
    uint8_t nonce[8];

    Suite01(std::span<uint8_t> p, const SymmetricKey& key) : pkt(p) {
        mangle_key(key, pkt, k.b);
        Reader r{pkt};
        r.copy_to(nonce);
        detail::salsa2012_block0(block0.b, k.b, nonce);
    }
    void crypt_payload() {
        detail::salsa2012_xor(pkt.data() + kEncryptedFrom, pkt.size() - kEncryptedFrom, k.b, nonce, 1);
    }
    void tag(uint8_t out[kPolyTagLength]) const {
        detail::poly1305(out, pkt.data() + kEncryptedFrom, pkt.size() - kEncryptedFrom, block0.b);
    }
};

// liblz4 takes char pointers; these casts are its calling convention, not a packet view.
const char* lz4_in(const uint8_t* p) { return reinterpret_cast<const char*>(p); }
char* lz4_out(uint8_t* p) { return reinterpret_cast<char*>(p); }

}  // namespace

bool PacketBuf::assign(std::span<const uint8_t> in) {
    Writer w{std::span<uint8_t>(b)};
    w.bytes(in);
    len = w.ok() ? w.size() : 0;
    return w.ok();
}

DatagramKind classify_datagram(std::span<const uint8_t> datagram) {
    if (datagram.size() < kMinUdpDatagram) return DatagramKind::runt;
    Reader r{datagram};
    r.skip(kFragmentIdxIndicator);
    if (r.u8() == kFragmentIndicator) return DatagramKind::fragment;
    return datagram.size() < kPacketMinLength ? DatagramKind::bad_head : DatagramKind::head;
}

void PacketHeader::set_cipher(Cipher c) {
    uint8_t f = uint8_t(flags & ~(kFlagCipherMask | kFlagEncryptedLegacy));
    f |= uint8_t((uint8_t(c) << 3) & kFlagCipherMask);
    if (c == Cipher::poly1305_salsa2012) f |= kFlagEncryptedLegacy;
    flags = f;
}

std::optional<PacketHeader> PacketHeader::parse(std::span<const uint8_t> pkt) {
    Reader r{pkt};
    PacketHeader h;
    h.packet_id = r.u64be();
    h.dest = Address(r.u40be());
    h.source = Address(r.u40be());
    h.flags = r.u8();
    h.mac = r.u64be();
    h.verb_byte = r.u8();
    if (!r.ok()) return std::nullopt;
    if ((h.source.value() >> 32) == kFragmentIndicator) return std::nullopt;  // a fragment
    return h;
}

void PacketHeader::serialize(Writer& w) const {
    w.u64be(packet_id);
    w.u40be(dest.value());
    w.u40be(source.value());
    w.u8(flags);
    w.u64be(mac);
    w.u8(verb_byte);
}

void PacketHeader::write_to(std::span<uint8_t> pkt) const {
    Writer w{pkt.first(pkt.size() < kPacketMinLength ? pkt.size() : kPacketMinLength)};
    serialize(w);
}

Result<void, Drop> armor(std::span<uint8_t> pkt, const SymmetricKey& key, Cipher cipher, crypto::AesGmacSiv* aes) {
    if (pkt.size() > kMaxPacketLength) return Failure{Drop::too_long};
    auto h = PacketHeader::parse(pkt);
    if (!h) return Failure{Drop::too_short};
    h->set_cipher(cipher);
    h->set_hops(0);
    h->mac = 0;
    switch (cipher) {
    case Cipher::poly1305_none:
    case Cipher::poly1305_salsa2012: {
        h->write_to(pkt);
        Suite01 s{pkt, key};
        if (cipher == Cipher::poly1305_salsa2012) s.crypt_payload();
        Scrubbed<kPolyTagLength> tag;
        s.tag(tag.b);
        Writer w{pkt.subspan(kPacketIdxMac, kMacLength)};
        w.bytes(std::span<const uint8_t>(tag.b, kMacLength));
        return {};
    }
    case Cipher::aes_gmac_siv:
        if (!aes) return Failure{Drop::unsupported_cipher};
        h->write_to(pkt);
        if (!aes->seal_packet(pkt)) return Failure{Drop::crypto_failure};
        return {};
    case Cipher::none_trusted_path:
        break;
    }
    return Failure{Drop::unsupported_cipher};
}

Result<Cipher, Drop> dearmor(std::span<uint8_t> pkt, const SymmetricKey& key, crypto::AesGmacSiv* aes) {
    if (pkt.size() > kMaxPacketLength) return Failure{Drop::too_long};
    auto h = PacketHeader::parse(pkt);
    if (!h) return Failure{Drop::too_short};
    const Cipher cipher = h->cipher();
    switch (cipher) {
    case Cipher::poly1305_none:
    case Cipher::poly1305_salsa2012: {
        Suite01 s{pkt, key};
        Scrubbed<kPolyTagLength> tag;
        s.tag(tag.b);
        Reader r{pkt};
        r.skip(kPacketIdxMac);
        auto mac = r.bytes(kMacLength);
        if (!r.ok() || !detail::mac8_equal(tag.b, mac.data())) return Failure{Drop::bad_mac};
        if (cipher == Cipher::poly1305_salsa2012) s.crypt_payload();
        return cipher;
    }
    case Cipher::aes_gmac_siv:
        if (!aes) return Failure{Drop::unsupported_cipher};
        if (!aes->open_packet(pkt)) return Failure{Drop::bad_mac};
        return cipher;
    case Cipher::none_trusted_path:
        break;
    }
    return Failure{Drop::unsupported_cipher};  // suite 2 and 4..7
}

void crypt_hello_field(std::span<uint8_t> pkt, size_t offset, const SymmetricKey& key) {
    if (offset < kPacketMinLength || offset >= pkt.size()) return;
    Reader r{pkt};
    uint8_t nonce[8];
    r.copy_to(nonce);
    nonce[7] &= kCryptFieldNonceMask;
    detail::salsa2012_xor(pkt.data() + offset, pkt.size() - offset, key.data(), nonce, 0);
}

Result<std::span<const uint8_t>, Drop> decompress(std::span<const uint8_t> pkt, PacketBuf& scratch) {
    auto h = PacketHeader::parse(pkt);
    if (!h) return Failure{Drop::too_short};
    if (!h->compressed()) return pkt;
    Reader r{pkt};
    r.skip(kPacketIdxPayload);
    auto src = r.rest();
    const int n = LZ4_decompress_safe(lz4_in(src.data()), lz4_out(scratch.b.data() + kPacketIdxPayload),
                                      int(src.size()), int(kMaxPayloadLength));
    if (n < 0) return Failure{Drop::bad_compression};
    h->verb_byte &= uint8_t(~kVerbFlagCompressed);
    h->write_to(scratch.b);
    scratch.len = kPacketIdxPayload + size_t(n);
    return std::span<const uint8_t>(scratch.bytes());
}

bool compress(PacketBuf& pkt) {
    if (pkt.len <= kPacketIdxPayload + kCompressMinPayload || pkt.len > kMaxPacketLength) return false;
    auto h = PacketHeader::parse(pkt.bytes());
    if (!h || h->compressed()) return false;
    const size_t n = pkt.len - kPacketIdxPayload;
    uint8_t out[kMaxPayloadLength];
    // Capacity n - 1: LZ4 gives 0 unless the result is strictly smaller.
    const int m = LZ4_compress_default(lz4_in(pkt.b.data() + kPacketIdxPayload), lz4_out(out), int(n), int(n - 1));
    if (m <= 0) return false;
    Writer w{std::span<uint8_t>(pkt.b).subspan(kPacketIdxPayload)};
    w.bytes(std::span<const uint8_t>(out, size_t(m)));
    pkt.len = kPacketIdxPayload + size_t(m);
    h->verb_byte |= kVerbFlagCompressed;
    h->write_to(pkt.bytes());
    return true;
}

}  // namespace zt::wire

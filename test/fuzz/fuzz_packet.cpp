// libFuzzer target: the receive path of one datagram. Byte 0 picks the mode:
//   even: the rest is a wire packet: header, dearmor with each captured pair's key
//         (suites 0, 1, 3), cryptField for HELLO, LZ4, then every verb codec;
//   odd:  the rest is a plaintext packet: LZ4, every verb codec, and armor -> dearmor
//         must give the plaintext back.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "core/crypto/aes_gmac_siv.hpp"
#include "fuzz_common.hpp"

using namespace zt;
using namespace zt::wire;

namespace {

struct Keys {
    std::vector<SymmetricKey> k;
    std::vector<crypto::AesGmacSiv> aes;
    Keys() {
        for (size_t i = 0; i < zfuzz::kCaptureKeyCount; ++i) {
            k.push_back(zfuzz::key_from_hex(zfuzz::kCaptureKeys[i]));
            aes.push_back(*crypto::AesGmacSiv::from_peer_key(k.back()));
        }
    }
};

void after_dearmor(std::span<uint8_t> pkt, const SymmetricKey& key) {
    auto h = PacketHeader::parse(pkt);
    zfuzz::require(h.has_value());
    if (h->verb() == Verb::hello) (void)vl1::Hello::apply_crypt_field(pkt, key);
    static PacketBuf scratch;
    auto plain = decompress(pkt, scratch);
    if (!plain.ok()) return;
    zfuzz::require(plain->size() <= kMaxPacketLength);
    zfuzz::parse_payload_all(plain->subspan(kPacketIdxPayload));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static Keys keys;
    static PacketBuf buf, copy;
    if (size < 1 || size - 1 > kMaxPacketLength) return 0;
    const bool plaintext = data[0] & 1;
    buf.len = size - 1;
    if (buf.len) std::memcpy(buf.b.data(), data + 1, buf.len);

    if (!plaintext) {
        if (classify_datagram(buf.bytes()) != DatagramKind::head) return 0;
        for (size_t i = 0; i < keys.k.size(); ++i) {
            copy = buf;
            auto d = dearmor(copy.bytes(), keys.k[i], &keys.aes[i]);
            if (d.ok()) {
                after_dearmor(copy.bytes(), keys.k[i]);
                break;
            }
        }
        return 0;
    }

    auto h = PacketHeader::parse(buf.bytes());
    if (!h) return 0;
    static PacketBuf scratch;
    if (auto plain = decompress(buf.bytes(), scratch); plain.ok())
        zfuzz::parse_payload_all(plain->subspan(kPacketIdxPayload));
    // armor -> dearmor gives the payload back, for suites 0, 1 and 3.
    const Cipher suites[] = {Cipher::poly1305_none, Cipher::poly1305_salsa2012, Cipher::aes_gmac_siv};
    const Cipher c = suites[h->packet_id % 3];
    copy = buf;
    zfuzz::require(armor(copy.bytes(), keys.k[0], c, &keys.aes[0]).ok());
    auto d = dearmor(copy.bytes(), keys.k[0], &keys.aes[0]);
    zfuzz::require(d.ok() && d.value() == c);
    zfuzz::require(std::memcmp(copy.b.data() + 27, buf.b.data() + 27, buf.len - 27) == 0);
    return 0;
}

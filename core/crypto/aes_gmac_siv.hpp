// AES-GMAC-SIV, cipher suite 3 (spec §4.4), on OpenSSL's AES: GMAC (as AES-256-GCM over an
// empty message) with K0, one AES-256-ECB block and AES-256-CTR with K1. One object per
// peer key; its EVP contexts are created once and reused for every packet.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/crypto/secret.hpp"

struct evp_cipher_ctx_st;  // OpenSSL's EVP_CIPHER_CTX, kept out of this header

namespace zt::crypto {

inline constexpr size_t aes256_key_bytes = 32;
inline constexpr size_t siv_iv_bytes = 8;
inline constexpr size_t siv_tag_bytes = 16;
using SivIv = std::array<uint8_t, siv_iv_bytes>;
using SivTag = std::array<uint8_t, siv_tag_bytes>;

// Not thread-safe: one instance per peer, used under the caller's lock.
class AesGmacSiv {
public:
    // Spec §2.3: K0 = KBKDF(key, '0')[0..31], K1 = KBKDF(key, '1')[0..31].
    // nullopt only if OpenSSL cannot allocate or key its contexts.
    static std::optional<AesGmacSiv> from_peer_key(const SymmetricKey& key);
    static std::optional<AesGmacSiv> from_keys(std::span<const uint8_t, aes256_key_bytes> k0,
                                               std::span<const uint8_t, aes256_key_bytes> k1);

    // The generic construction: tag S from GMAC(K0, iv || 0^4, aad || zeros to a 16-byte
    // boundary || plaintext), folded and ECB-encrypted with iv; data encrypted in place with
    // AES-CTR(K1, S with S[12] &= 0x7f). nullopt only on an OpenSSL failure.
    std::optional<SivTag> seal(std::span<const uint8_t, siv_iv_bytes> iv, std::span<const uint8_t> aad,
                               std::span<uint8_t> data);
    // Decrypts data in place and authenticates it; returns the IV. On failure data is zeroed
    // (unauthenticated plaintext never leaves).
    std::optional<SivIv> open(const SivTag& tag, std::span<const uint8_t> aad, std::span<uint8_t> data);

    // On a whole packet (spec §4.4): IV = pkt[0..7], AAD = pkt[8..17] || pkt[18] & 0xf8,
    // payload = pkt[27..]. The caller has set the final flags (cipher bits = 3).
    // seal_packet writes S[0..7] to pkt[0..7] and S[8..15] to pkt[19..26]; false on a
    // packet shorter than 27 bytes or an OpenSSL failure.
    bool seal_packet(std::span<uint8_t> pkt);
    // Decrypts pkt[27..] in place, leaves the header as received (pkt[0..7] stays the
    // wire packet id S[0..7]) and returns the original IV.
    std::optional<SivIv> open_packet(std::span<uint8_t> pkt);

private:
    struct CtxFree {
        void operator()(evp_cipher_ctx_st* c) const;
    };
    using Ctx = std::unique_ptr<evp_cipher_ctx_st, CtxFree>;

    AesGmacSiv() = default;
    bool gmac_fold(std::span<const uint8_t, siv_iv_bytes> iv, std::span<const uint8_t> aad,
                   std::span<const uint8_t> data, uint8_t fold[8]);
    bool ctr_xor(const SivTag& s, std::span<uint8_t> data);

    Ctx gmac_;     // AES-256-GCM, key K0
    Ctx ecb_enc_;  // AES-256-ECB encrypt, key K1
    Ctx ecb_dec_;  // AES-256-ECB decrypt, key K1
    Ctx ctr_;      // AES-256-CTR, key K1
};

}  // namespace zt::crypto

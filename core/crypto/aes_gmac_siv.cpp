// AES-GMAC-SIV (spec §4.4) with OpenSSL EVP. Steps are numbered as in the spec.
#include "core/crypto/aes_gmac_siv.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <climits>
#include <cstring>

#include "core/crypto/sha.hpp"
#include "core/protocol.hpp"

namespace zt::crypto {
namespace {

constexpr size_t aes_block = 16;
constexpr size_t gcm_nonce_bytes = 12;
constexpr size_t packet_aad_bytes = 11;  // dest[5] source[5] flags & 0xf8
constexpr uint8_t flags_without_hops = 0xf8;

bool fits_int(size_t n) { return n <= size_t(INT_MAX); }

// One AES block through an ECB context (padding off, so the block comes out at once).
bool ecb_block(EVP_CIPHER_CTX* ctx, const uint8_t in[16], uint8_t out[16]) {
    int outl = 0;
    return EVP_CipherUpdate(ctx, out, &outl, in, int(aes_block)) == 1 && outl == int(aes_block);
}

}  // namespace

void AesGmacSiv::CtxFree::operator()(evp_cipher_ctx_st* c) const { EVP_CIPHER_CTX_free(c); }

std::optional<AesGmacSiv> AesGmacSiv::from_keys(std::span<const uint8_t, aes256_key_bytes> k0,
                                                std::span<const uint8_t, aes256_key_bytes> k1) {
    AesGmacSiv s;
    s.gmac_.reset(EVP_CIPHER_CTX_new());
    s.ecb_enc_.reset(EVP_CIPHER_CTX_new());
    s.ecb_dec_.reset(EVP_CIPHER_CTX_new());
    s.ctr_.reset(EVP_CIPHER_CTX_new());
    if (!s.gmac_ || !s.ecb_enc_ || !s.ecb_dec_ || !s.ctr_) return std::nullopt;
    const bool ok = EVP_EncryptInit_ex(s.gmac_.get(), EVP_aes_256_gcm(), nullptr, k0.data(), nullptr) == 1 &&
                    EVP_EncryptInit_ex(s.ecb_enc_.get(), EVP_aes_256_ecb(), nullptr, k1.data(), nullptr) == 1 &&
                    EVP_CIPHER_CTX_set_padding(s.ecb_enc_.get(), 0) == 1 &&
                    EVP_DecryptInit_ex(s.ecb_dec_.get(), EVP_aes_256_ecb(), nullptr, k1.data(), nullptr) == 1 &&
                    EVP_CIPHER_CTX_set_padding(s.ecb_dec_.get(), 0) == 1 &&
                    EVP_EncryptInit_ex(s.ctr_.get(), EVP_aes_256_ctr(), nullptr, k1.data(), nullptr) == 1;
    if (!ok) return std::nullopt;
    return s;
}

std::optional<AesGmacSiv> AesGmacSiv::from_peer_key(const SymmetricKey& key) {
    const auto k0 = kbkdf_sha384(key, '0');
    const auto k1 = kbkdf_sha384(key, '1');
    return from_keys(k0.span().first<aes256_key_bytes>(), k1.span().first<aes256_key_bytes>());
}

// Step 1 and 2: T = GMAC(K0, iv || 00000000, aad || pad16 || data); fold[i] = T[i] ^ T[8+i].
bool AesGmacSiv::gmac_fold(std::span<const uint8_t, siv_iv_bytes> iv, std::span<const uint8_t> aad,
                           std::span<const uint8_t> data, uint8_t fold[8]) {
    if (!fits_int(aad.size()) || !fits_int(data.size())) return false;
    EVP_CIPHER_CTX* ctx = gmac_.get();
    uint8_t nonce[gcm_nonce_bytes] = {};
    std::memcpy(nonce, iv.data(), siv_iv_bytes);
    if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) != 1) return false;

    // The whole string is GCM additional data over an empty message.
    static constexpr uint8_t zeros[aes_block] = {};
    const size_t pad = (aes_block - aad.size() % aes_block) % aes_block;
    int outl = 0;
    if (!aad.empty() && EVP_EncryptUpdate(ctx, nullptr, &outl, aad.data(), int(aad.size())) != 1) return false;
    if (pad && EVP_EncryptUpdate(ctx, nullptr, &outl, zeros, int(pad)) != 1) return false;
    if (!data.empty() && EVP_EncryptUpdate(ctx, nullptr, &outl, data.data(), int(data.size())) != 1) return false;
    uint8_t none[aes_block];
    uint8_t t[aes_block];
    if (EVP_EncryptFinal_ex(ctx, none, &outl) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, int(aes_block), t) != 1)
        return false;
    for (size_t i = 0; i < 8; ++i) fold[i] = t[i] ^ t[8 + i];
    return true;
}

// Step 4: AES-256-CTR(K1) with the counter block S, S[12] &= 0x7f; the last 4 bytes
// count up big-endian and cannot carry into byte 11 (at most 2^31 + 2^28 blocks).
bool AesGmacSiv::ctr_xor(const SivTag& s, std::span<uint8_t> data) {
    if (data.empty()) return true;
    if (!fits_int(data.size())) return false;
    uint8_t ctr[aes_block];
    std::memcpy(ctr, s.data(), aes_block);
    ctr[12] &= 0x7f;
    int outl = 0;
    return EVP_EncryptInit_ex(ctr_.get(), nullptr, nullptr, nullptr, ctr) == 1 &&
           EVP_EncryptUpdate(ctr_.get(), data.data(), &outl, data.data(), int(data.size())) == 1 &&
           size_t(outl) == data.size();
}

std::optional<SivTag> AesGmacSiv::seal(std::span<const uint8_t, siv_iv_bytes> iv, std::span<const uint8_t> aad,
                                       std::span<uint8_t> data) {
    // 1-2. GMAC over the plaintext, folded to 8 bytes.
    uint8_t block[aes_block];
    std::memcpy(block, iv.data(), siv_iv_bytes);
    if (!gmac_fold(iv, aad, data, block + siv_iv_bytes)) return std::nullopt;
    // 3. S = AES-ECB(K1, iv || fold).
    SivTag s;
    if (!ecb_block(ecb_enc_.get(), block, s.data())) return std::nullopt;
    // 4. Encrypt in place.
    if (!ctr_xor(s, data)) return std::nullopt;
    return s;
}

std::optional<SivIv> AesGmacSiv::open(const SivTag& tag, std::span<const uint8_t> aad, std::span<uint8_t> data) {
    // 1. Decrypt with the counter block taken from S.
    if (!ctr_xor(tag, data)) return std::nullopt;
    // 2. X = AES-ECB-decrypt(K1, S) = iv || fold.
    uint8_t x[aes_block];
    uint8_t fold[8];
    SivIv iv;
    bool ok = ecb_block(ecb_dec_.get(), tag.data(), x);
    if (ok) {
        std::memcpy(iv.data(), x, siv_iv_bytes);
        // 3. Recompute the fold over the decrypted plaintext; compare in constant time.
        ok = gmac_fold(iv, aad, data, fold) && sodium_memcmp(fold, x + siv_iv_bytes, sizeof fold) == 0;
    }
    if (!ok) {
        if (!data.empty()) sodium_memzero(data.data(), data.size());
        return std::nullopt;
    }
    return iv;
}

bool AesGmacSiv::seal_packet(std::span<uint8_t> pkt) {
    if (pkt.size() < kPacketIdxVerb) return false;
    uint8_t aad[packet_aad_bytes];
    std::memcpy(aad, pkt.data() + kPacketIdxDest, 10);
    aad[10] = pkt[kPacketIdxFlags] & flags_without_hops;
    SivIv iv;
    std::memcpy(iv.data(), pkt.data() + kPacketIdxIv, siv_iv_bytes);

    const auto s = seal(iv, aad, pkt.subspan(kPacketIdxVerb));
    if (!s) return false;
    // 5. The tag replaces the packet id and fills the MAC field.
    std::memcpy(pkt.data() + kPacketIdxIv, s->data(), 8);
    std::memcpy(pkt.data() + kPacketIdxMac, s->data() + 8, 8);
    return true;
}

std::optional<SivIv> AesGmacSiv::open_packet(std::span<uint8_t> pkt) {
    if (pkt.size() < kPacketIdxVerb) return std::nullopt;
    uint8_t aad[packet_aad_bytes];
    std::memcpy(aad, pkt.data() + kPacketIdxDest, 10);
    aad[10] = pkt[kPacketIdxFlags] & flags_without_hops;
    SivTag s;
    std::memcpy(s.data(), pkt.data() + kPacketIdxIv, 8);
    std::memcpy(s.data() + 8, pkt.data() + kPacketIdxMac, 8);
    return open(s, aad, pkt.subspan(kPacketIdxVerb));
}

}  // namespace zt::crypto

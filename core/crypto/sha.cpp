// SHA-512 / SHA-384 on libsodium's SHA-512 engine, HMAC-SHA-384 and KBKDF (spec §2.3).
#include "core/crypto/sha.hpp"

#include <cstring>

namespace zt::crypto {
namespace {

// FIPS 180-4 §5.3.4: the SHA-384 initial hash value.
constexpr uint64_t sha384_iv[8] = {
    0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL, 0x152fecd8f70e5939ULL,
    0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL, 0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL,
};

constexpr size_t hmac_block_bytes = 128;

}  // namespace

Sha512Digest sha512(std::span<const uint8_t> msg) {
    Sha512Digest d;
    crypto_hash_sha512(d.data(), msg.data(), msg.size());
    return d;
}

Sha384::Sha384() {
    crypto_hash_sha512_init(&st_);
    std::memcpy(st_.state, sha384_iv, sizeof sha384_iv);
}

Sha384::~Sha384() { sodium_memzero(&st_, sizeof st_); }

void Sha384::update(std::span<const uint8_t> data) { crypto_hash_sha512_update(&st_, data.data(), data.size()); }

Sha384Digest Sha384::finish() {
    // The padding and length encoding are SHA-512's; only the output is truncated.
    uint8_t full[sha512_bytes];
    crypto_hash_sha512_final(&st_, full);
    Sha384Digest d;
    std::memcpy(d.data(), full, d.size());
    sodium_memzero(full, sizeof full);
    return d;
}

Sha384Digest sha384(std::span<const uint8_t> msg) {
    Sha384 h;
    h.update(msg);
    return h.finish();
}

Sha384Digest hmac_sha384(std::span<const uint8_t> key, std::span<const uint8_t> msg) {
    // RFC 2104: keys longer than the block are hashed first, shorter ones zero-padded.
    uint8_t k[hmac_block_bytes] = {};
    if (key.size() > hmac_block_bytes) {
        Sha384Digest kh = sha384(key);
        std::memcpy(k, kh.data(), kh.size());
        sodium_memzero(kh.data(), kh.size());
    } else if (!key.empty()) {
        std::memcpy(k, key.data(), key.size());
    }

    uint8_t pad[hmac_block_bytes];
    for (size_t i = 0; i < hmac_block_bytes; ++i) pad[i] = k[i] ^ 0x36;
    Sha384 inner;
    inner.update(pad);
    inner.update(msg);
    Sha384Digest ih = inner.finish();

    for (size_t i = 0; i < hmac_block_bytes; ++i) pad[i] = k[i] ^ 0x5c;
    Sha384 outer;
    outer.update(pad);
    outer.update(ih);
    Sha384Digest out = outer.finish();

    sodium_memzero(k, sizeof k);
    sodium_memzero(pad, sizeof pad);
    sodium_memzero(ih.data(), ih.size());
    return out;
}

Secret<sha384_bytes> kbkdf_sha384(const SymmetricKey& key, uint8_t label) {
    // <[4] iteration 0> <[2] "ZT"> <[1] label> <[1] separator 0> <[1] context 0>
    // <[4] output length in bits = 384, big-endian>
    const uint8_t msg[13] = {0, 0, 0, 0, 'Z', 'T', label, 0, 0, 0, 0, 0x01, 0x80};
    Sha384Digest d = hmac_sha384(key.span(), msg);
    Secret<sha384_bytes> out{std::span<const uint8_t, sha384_bytes>(d)};
    sodium_memzero(d.data(), d.size());
    return out;
}

}  // namespace zt::crypto

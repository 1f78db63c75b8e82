// C25519 key agreement and signatures through libsodium (X25519, Ed25519, SHA-512).
#include "core/crypto/c25519.hpp"

#include <sodium.h>

#include <cstring>

namespace zt::crypto {
namespace {

constexpr size_t half = 32;

// libsodium's Ed25519 secret key (seed || pk, 64 bytes) from our seed secret[32..63].
// This is not the ZeroTier secret format (spec §1.1).
void ed25519_keypair(const C25519Secret& secret, uint8_t pk[32], uint8_t sk[64]) {
    crypto_sign_seed_keypair(pk, sk, secret.data() + half);
}

}  // namespace

C25519Public c25519_public_from_secret(const C25519Secret& secret) {
    C25519Public pub;
    // Clamping happens inside the scalar multiplication; a clamped scalar never gives the
    // all-zero point, so the -1 return of crypto_scalarmult_base cannot occur here.
    crypto_scalarmult_base(pub.data(), secret.data());
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    ed25519_keypair(secret, pub.data() + half, sk);
    sodium_memzero(sk, sizeof sk);
    return pub;
}

std::optional<SymmetricKey> c25519_agree(const C25519Secret& mine, std::span<const uint8_t, c25519_public_bytes> theirs) {
    uint8_t raw[crypto_scalarmult_BYTES];
    if (crypto_scalarmult(raw, mine.data(), theirs.data()) != 0) {
        sodium_memzero(raw, sizeof raw);
        return std::nullopt;
    }
    uint8_t h[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(h, raw, sizeof raw);
    SymmetricKey key(std::span<const uint8_t, 48>(h, 48));
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(h, sizeof h);
    return key;
}

C25519Signature c25519_sign(const C25519Secret& secret, std::span<const uint8_t> msg) {
    C25519Signature sig;
    uint8_t h[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(h, msg.data(), msg.size());

    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    ed25519_keypair(secret, pk, sk);
    crypto_sign_detached(sig.data(), nullptr, h, half, sk);
    std::memcpy(sig.data() + crypto_sign_BYTES, h, half);
    sodium_memzero(sk, sizeof sk);
    return sig;
}

bool c25519_verify(std::span<const uint8_t, c25519_public_bytes> pub, std::span<const uint8_t> msg,
                   std::span<const uint8_t> signature) {
    if (signature.size() != c25519_signature_bytes) return false;
    uint8_t h[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(h, msg.data(), msg.size());
    if (crypto_verify_32(signature.data() + crypto_sign_BYTES, h) != 0) return false;
    return crypto_sign_verify_detached(signature.data(), h, half, pub.data() + half) == 0;
}

}  // namespace zt::crypto

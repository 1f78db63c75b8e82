// SHA-512 (libsodium), SHA-384, HMAC-SHA-384 and the KBKDF that derives the AES-GMAC-SIV
// keys from a peer key (spec §2.3). SHA-384 is SHA-512 with the FIPS 180-4 SHA-384
// initial state, truncated to 48 bytes; it runs on libsodium's SHA-512 state, so nothing
// here allocates or can fail.
#pragma once

#include <sodium.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/crypto/secret.hpp"

namespace zt::crypto {

inline constexpr size_t sha512_bytes = 64;
inline constexpr size_t sha384_bytes = 48;
using Sha512Digest = std::array<uint8_t, sha512_bytes>;
using Sha384Digest = std::array<uint8_t, sha384_bytes>;

Sha512Digest sha512(std::span<const uint8_t> msg);
Sha384Digest sha384(std::span<const uint8_t> msg);

// Incremental SHA-384 (for HMAC and for hashing scattered fields, e.g. COM, spec §8.6).
class Sha384 {
public:
    Sha384();
    ~Sha384();
    Sha384(const Sha384&) = delete;
    Sha384& operator=(const Sha384&) = delete;

    void update(std::span<const uint8_t> data);
    Sha384Digest finish();  // the object must not be updated again afterwards

private:
    crypto_hash_sha512_state st_;
};

// Standard HMAC (RFC 2104) with SHA-384, block size 128 bytes.
Sha384Digest hmac_sha384(std::span<const uint8_t> key, std::span<const uint8_t> msg);

// KBKDF(key48, label), spec §2.3: HMAC-SHA-384(key, 00000000 'Z' 'T' label 00 00 00000180).
// AES-GMAC-SIV uses label '0' (K0) and '1' (K1), first 32 bytes each.
Secret<sha384_bytes> kbkdf_sha384(const SymmetricKey& key, uint8_t label);

}  // namespace zt::crypto

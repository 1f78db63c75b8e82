// ZeroTier's "C25519" key type (spec §1.1, §2.1, §2.2): an X25519 key pair and an Ed25519
// key pair side by side. Public = X25519 pub[32] || Ed25519 pub[32]; secret = X25519
// secret[32] || Ed25519 seed[32]. Signatures are 96 bytes, key agreement gives 48 bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/crypto/secret.hpp"

namespace zt::crypto {

inline constexpr size_t c25519_public_bytes = 64;
inline constexpr size_t c25519_secret_bytes = 64;
inline constexpr size_t c25519_signature_bytes = 96;

using C25519Public = std::array<uint8_t, c25519_public_bytes>;
using C25519Secret = Secret<c25519_secret_bytes>;
using C25519Signature = std::array<uint8_t, c25519_signature_bytes>;

// Both public halves from the secret: X25519 base-point multiplication of secret[0..31],
// Ed25519 public key of seed secret[32..63] (spec §1.1).
C25519Public c25519_public_from_secret(const C25519Secret& secret);

// Spec §2.2: SHA-512(X25519(mine[0..31], theirs[0..31]))[0..47]. nullopt when X25519
// gives all zeros (their key is of low order): that peer is invalid.
std::optional<SymmetricKey> c25519_agree(const C25519Secret& mine, std::span<const uint8_t, c25519_public_bytes> theirs);

// Spec §2.1: h = SHA-512(msg)[0..31]; Ed25519(h) [64] || h [32].
C25519Signature c25519_sign(const C25519Secret& secret, std::span<const uint8_t> msg);

// Spec §2.1. Any signature length other than 96 fails.
bool c25519_verify(std::span<const uint8_t, c25519_public_bytes> pub, std::span<const uint8_t> msg,
                   std::span<const uint8_t> signature);

}  // namespace zt::crypto

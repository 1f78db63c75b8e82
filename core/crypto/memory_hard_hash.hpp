// The memory-hard hash that turns a 64-byte public key into the digest an address is
// checked against (spec §1.3). 2 MiB of scratch, Salsa20/20, ~10-30 ms per call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace zt::crypto {

inline constexpr size_t memory_hard_scratch_bytes = 2097152;  // G: 32,768 blocks of 64 bytes
using MemoryHardDigest = std::array<uint8_t, 64>;

// Uses the caller's scratch (contents on return are unspecified); no allocation.
MemoryHardDigest memory_hard_digest(std::span<const uint8_t, 64> public_key,
                                    std::span<uint8_t, memory_hard_scratch_bytes> scratch);

// Allocates the 2 MiB scratch for this call.
MemoryHardDigest memory_hard_digest(std::span<const uint8_t, 64> public_key);

}  // namespace zt::crypto

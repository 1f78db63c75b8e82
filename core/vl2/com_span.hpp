// Finding the end of a Certificate of Membership (spec §8.6) embedded in EXT_FRAME,
// MULTICAST_FRAME and MULTICAST_GATHER, without interpreting it (the deprecated inline
// COM is skipped; credentials arrive through NETWORK_CREDENTIALS).
//
//   <[1] 0x01> <[2] qualifier count Q (max 8)> <Q x 24 qualifier bytes>
//   <[5] signer address> [<[96] signature> if signer != 0]
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/wire/reader.hpp"

namespace zt::vl2 {

inline constexpr uint8_t kComFormat = 0x01;
inline constexpr size_t kComMaxQualifiers = 8;
inline constexpr size_t kComQualifierLength = 24;
inline constexpr size_t kComSignatureLength = 96;

// Reads one COM at r's position and returns its bytes (a view); clears r.ok() (and returns
// an empty span) on a wrong format byte, more than 8 qualifiers or truncation.
std::span<const uint8_t> read_com(Reader& r);

}  // namespace zt::vl2

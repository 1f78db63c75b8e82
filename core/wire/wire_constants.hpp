// Wire constants that core/protocol.hpp does not carry, named as the spec names them.
// Section numbers refer to shared/spec/zerotier-protocol.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/protocol.hpp"

namespace zt::wire {

// §3.1 / §3.2
inline constexpr size_t kPacketHeaderLength = 27;     // bytes 0..26, before the verb byte
inline constexpr size_t kMinPhysMtu = 1400;           // ZT_MIN_PHYSMTU
inline constexpr size_t kMaxPhysMtu = 10324;          // ZT_MAX_PHYSMTU
inline constexpr uint8_t kFlagsAuthenticatedMask = 0xf8;  // flags without the hop bits
inline constexpr uint8_t kVerbReservedMask = 0x60;

// §3.3 fragments
inline constexpr size_t kFragmentHeaderLength = 16;
inline constexpr size_t kFragmentMinLength = kFragmentHeaderLength + 1;

// §4.2 / §4.3 suites 0 and 1
inline constexpr size_t kSalsaKeyLength = 32;
inline constexpr size_t kPolyKeyLength = 32;
inline constexpr size_t kPolyTagLength = 16;
inline constexpr size_t kMacLength = 8;
inline constexpr size_t kKeystreamSkip = 64;          // encryption starts at block 1
inline constexpr uint8_t kCryptFieldNonceMask = 0xf8;  // §4.5: nonce[7] &= 0xF8

// §4.6 compression
inline constexpr size_t kMaxPayloadLength = kMaxPacketLength - kPacketIdxPayload;  // 9996
inline constexpr size_t kCompressMinPayload = 64;     // upstream compresses only above this

// §6.1 InetAddress type bytes
inline constexpr uint8_t kInetNone = 0x00;
inline constexpr uint8_t kInetEthernet = 0x01;        // reserved: skip 6 bytes
inline constexpr uint8_t kInetBluetooth = 0x02;       // reserved: skip 6 bytes
inline constexpr uint8_t kInetOther = 0x03;           // reserved: u16 length + data
inline constexpr uint8_t kInetV4 = 0x04;
inline constexpr uint8_t kInetV6 = 0x06;

// §1.5 identity, binary public form
inline constexpr size_t kIdentityPublicLength = 71;

}  // namespace zt::wire

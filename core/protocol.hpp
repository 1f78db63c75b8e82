// Protocol constants of ZeroTier 1.x, named as the spec (shared/spec/zerotier-protocol.md)
// names them. Section numbers refer to that document.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zt {

// §3.5 protocol versions. We advertise 12: peers that also speak 12 (ZeroTier One 1.4.8+
// and us) switch to AES-GMAC-SIV (suite 3) once they know it; older ones keep to
// Salsa20/12-Poly1305 (suite 1), which we accept from anyone.
inline constexpr uint8_t kProtoVersion = 12;
inline constexpr uint8_t kProtoVersionMin = 4;
inline constexpr uint8_t kSoftwareMajor = 1;
inline constexpr uint8_t kSoftwareMinor = 14;
inline constexpr uint16_t kSoftwareRevision = 1;

// §3.2 sizes.
inline constexpr uint16_t kDefaultUdpPort = 9993;
inline constexpr size_t kDefaultPhysMtu = 1432;           // ZT_DEFAULT_PHYSMTU
inline constexpr size_t kMaxPacketFragments = 7;          // head + 6 fragments
inline constexpr size_t kMaxPacketLength = 10024;         // 7 * 1432: assembled packet, LZ4 output
inline constexpr size_t kMinUdpDatagram = 17;             // shorter datagrams are dropped
inline constexpr size_t kVirtualMtuDefault = 2800;
inline constexpr size_t kVirtualMtuMin = 1280;
inline constexpr size_t kVirtualMtuMax = 10000;
inline constexpr uint8_t kMaxHops = 7;                    // width of the hop field
inline constexpr uint8_t kRelayMaxHops = 3;               // relay only if hops < 3

// §3.1 packet header layout.
inline constexpr size_t kPacketIdxIv = 0;        // [8] packet id
inline constexpr size_t kPacketIdxDest = 8;      // [5]
inline constexpr size_t kPacketIdxSource = 13;   // [5]
inline constexpr size_t kPacketIdxFlags = 18;    // [1] F E C C C H H H
inline constexpr size_t kPacketIdxMac = 19;      // [8]
inline constexpr size_t kPacketIdxVerb = 27;     // [1] C 0 0 V V V V V
inline constexpr size_t kPacketIdxPayload = 28;
inline constexpr size_t kPacketMinLength = 28;   // header + verb

inline constexpr uint8_t kFlagEncryptedLegacy = 0x80;  // set iff cipher == 1
inline constexpr uint8_t kFlagFragmented = 0x40;
inline constexpr uint8_t kFlagCipherMask = 0x38;
inline constexpr uint8_t kFlagHopsMask = 0x07;
inline constexpr uint8_t kVerbFlagCompressed = 0x80;
inline constexpr uint8_t kVerbMask = 0x1f;

// §3.3 fragment layout.
inline constexpr size_t kFragmentIdxIndicator = 13;  // 0xff
inline constexpr size_t kFragmentIdxCounts = 14;     // total << 4 | number
inline constexpr size_t kFragmentIdxHops = 15;
inline constexpr size_t kFragmentIdxPayload = 16;
inline constexpr uint8_t kFragmentIndicator = 0xff;

// §4.1 cipher suites.
enum class Cipher : uint8_t {
    poly1305_none = 0,        // C25519_POLY1305_NONE (HELLO)
    poly1305_salsa2012 = 1,   // C25519_POLY1305_SALSA2012
    none_trusted_path = 2,    // NO_CRYPTO_TRUSTED_PATH
    aes_gmac_siv = 3,         // AES_GMAC_SIV
};

// §5.1 verbs.
enum class Verb : uint8_t {
    nop = 0x00,
    hello = 0x01,
    error = 0x02,
    ok = 0x03,
    whois = 0x04,
    rendezvous = 0x05,
    frame = 0x06,
    ext_frame = 0x07,
    echo = 0x08,
    multicast_like = 0x09,
    network_credentials = 0x0a,
    network_config_request = 0x0b,
    network_config = 0x0c,
    multicast_gather = 0x0d,
    multicast_frame = 0x0e,
    push_direct_paths = 0x10,
    ack = 0x12,
    qos_measurement = 0x13,
    user_message = 0x14,
    remote_trace = 0x15,
    path_negotiation_request = 0x16,
};

// §5.1 error codes.
enum class ErrorCode : uint8_t {
    none = 0x00,
    invalid_request = 0x01,
    bad_protocol_version = 0x02,
    obj_not_found = 0x03,
    identity_collision = 0x04,
    unsupported_operation = 0x05,
    need_membership_certificate = 0x06,
    network_access_denied = 0x07,
    unwanted_multicast = 0x08,
    network_authentication_required = 0x09,
};

// §11 timers (milliseconds).
inline constexpr int64_t kPingCheckIntervalMs = 5000;
inline constexpr int64_t kPeerPingPeriodMs = 60000;
inline constexpr int64_t kPathHeartbeatPeriodMs = 14000;
inline constexpr int64_t kPathAliveMs = 19000;
inline constexpr int64_t kPathExpirationMs = 243000;
inline constexpr int64_t kPeerActivityTimeoutMs = 500000;
inline constexpr int64_t kReceiveQueueTimeoutMs = 5000;
inline constexpr int64_t kWhoisRetryDelayMs = 500;
inline constexpr int64_t kEchoReplyMinIntervalMs = 166;
inline constexpr int64_t kHelloMinIntervalPerAddressMs = 1000;
inline constexpr int64_t kFragmentTimeoutMs = 5000;
inline constexpr size_t kRxQueueSize = 32;

}  // namespace zt

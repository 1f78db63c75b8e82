// The home's access key: 16 random bytes that let a process whose uid is not the node's use the
// node (a server that dropped privileges after it started wrapped). The node keeps it in
// `$ZT_HOME/access.key` (32 hex digits and a newline, mode 0600, made at the node's first
// start), so it stays the same across node restarts. A process gets it from the node over a
// control connection the node trusted by uid (AttachReply), or from ZT_ACCESS_KEY in its
// environment (the shim passes it to the programs it execs). It grants the use of the virtual
// network only: never the identity, which stays readable by the home's owner alone.
// docs/ARCHITECTURE.md ("Privileges") has the whole model. Libc only: both sides include it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ztctl {

inline constexpr const char* kAccessKeyFile = "access.key";
inline constexpr const char* kAccessKeyEnv = "ZT_ACCESS_KEY";
inline constexpr size_t kAccessKeyLen = 16;
inline constexpr size_t kAccessKeyHexLen = 2 * kAccessKeyLen;

struct AccessKey {
    uint8_t b[kAccessKeyLen];
};

inline bool key_is_zero(const AccessKey& k) {
    uint8_t acc = 0;
    for (uint8_t v : k.b) acc |= v;
    return acc == 0;
}

// Constant time: the comparison must not tell a guesser how many bytes were right.
inline bool keys_equal(const AccessKey& a, const AccessKey& b) {
    uint8_t acc = 0;
    for (size_t i = 0; i < kAccessKeyLen; ++i) acc |= uint8_t(a.b[i] ^ b.b[i]);
    return acc == 0;
}

// Exactly 32 hex digits (either case), optionally followed by a newline or NUL.
inline bool parse_key_hex(const char* s, size_t n, AccessKey& out) {
    if (n < kAccessKeyHexLen) return false;
    if (n > kAccessKeyHexLen && !(n == kAccessKeyHexLen + 1 && (s[kAccessKeyHexLen] == '\n' || s[kAccessKeyHexLen] == '\0')))
        return false;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < kAccessKeyLen; ++i) {
        const int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.b[i] = uint8_t(hi << 4 | lo);
    }
    return true;
}

// Writes 32 hex digits and a NUL into out.
inline void format_key_hex(const AccessKey& k, char (&out)[kAccessKeyHexLen + 1]) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < kAccessKeyLen; ++i) {
        out[2 * i] = kHex[k.b[i] >> 4];
        out[2 * i + 1] = kHex[k.b[i] & 15];
    }
    out[kAccessKeyHexLen] = '\0';
}

}  // namespace ztctl

// zt-idtool plumbing shared by the commands: the one error type (caught in main and
// printed as a single line), files, identities and .c25519 key pairs from arguments,
// and the libsodium-backed Rng the core asks for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/c25519.hpp"
#include "core/identity.hpp"
#include "core/rng.hpp"

namespace idtool {

// A user-facing failure: `what()` is the whole line, e.g. "planet: truncated world".
struct Failure : std::runtime_error {
    Failure(std::string_view subject, std::string_view problem)
        : std::runtime_error(std::string(subject) + ": " + std::string(problem)) {}
};

// randombytes_buf behind zt::Rng (the core never calls libsodium's RNG itself).
class SodiumRng final : public zt::Rng {
public:
    void fill(std::span<uint8_t> out) override;
};

// Whole file, at most max_bytes (more is an error, so /dev/zero cannot exhaust memory).
std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes = 1 << 20);
// Creates or truncates `path` with `mode` (also applied to an existing file), writes all.
void write_file(const std::string& path, std::span<const uint8_t> data, unsigned mode);
void write_file(const std::string& path, std::string_view text, unsigned mode);

// An identity given as its text form, or as a file holding it (surrounding whitespace
// ignored). Fails with a line naming the argument.
zt::Identity identity_from_arg(const std::string& arg);

// A ".c25519" key pair file: 64 bytes public (X25519 ‖ Ed25519) then 64 bytes secret.
struct KeyPair {
    zt::crypto::C25519Public pub{};
    zt::crypto::C25519Secret secret;
};
KeyPair load_keypair(const std::string& path);
// The public half only: a .c25519 file (64 or 128 bytes) or 128 hex digits.
zt::crypto::C25519Public load_public_key(const std::string& arg);

std::string trim(std::string_view s);
// "1.2.3.4/9993", "2001:db8::1/9993": ZeroTier's ip/port text form (RFC 5952 for IPv6).
std::string endpoint_text(const zt::Endpoint& ep);
std::string json_string(std::string_view s);

}  // namespace idtool

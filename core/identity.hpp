// A ZeroTier 1.x identity (spec §1): a 40-bit address, a C25519 public key and, for our
// own identity, the secret key. Text form `address:0:public[:secret]`; binary form
// <[5] address> <[1] key type = 0> <[64] public key> <[1] secret length 0|64> <[0|64] secret>.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/crypto/c25519.hpp"
#include "core/crypto/memory_hard_hash.hpp"
#include "core/crypto/secret.hpp"
#include "core/rng.hpp"
#include "core/types.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt {

class Identity {
public:
    static constexpr uint8_t key_type_c25519 = 0;
    static constexpr size_t public_serialized_bytes = 71;   // spec §1.5
    static constexpr size_t secret_serialized_bytes = 135;  // 71 + 64

    // The nil identity (address 0); not valid, has no key.
    Identity() = default;

    // Copies share the secret (one wiped copy in memory), never duplicate it.
    Identity(const Identity&) = default;
    Identity& operator=(const Identity&) = default;
    Identity(Identity&&) noexcept = default;
    Identity& operator=(Identity&&) noexcept = default;

    Address address() const { return address_; }
    const crypto::C25519Public& public_key() const { return public_; }
    bool has_secret() const { return secret_ != nullptr; }
    bool is_nil() const { return address_.is_zero(); }
    Identity public_only() const;

    // Spec §1.4: random key pairs until the memory-hard digest qualifies. ~15 hashes.
    static Identity generate(Rng& rng);

    // Spec §1.3: address not reserved, D[0] < 17 and D[59..63] == address. Costs one
    // memory-hard hash (2 MiB scratch: allocated per call, or supplied by the caller).
    bool locally_validate() const;
    bool locally_validate(std::span<uint8_t, crypto::memory_hard_scratch_bytes> scratch) const;
    crypto::MemoryHardDigest memory_hard_digest() const;

    // Spec §2.2: the 48-byte long-term key with `other`. nullopt without our secret or
    // when their key is of low order.
    std::optional<SymmetricKey> agree(const Identity& other) const;

    // Spec §2.1. Precondition: has_secret(); without it the result is all zeros (which
    // never verifies).
    crypto::C25519Signature sign(std::span<const uint8_t> msg) const;
    bool verify(std::span<const uint8_t> msg, std::span<const uint8_t> signature) const;

    // Spec §1.5 text form; the secret only when asked for and present.
    std::string to_string(bool with_secret = false) const;
    static std::optional<Identity> from_string(std::string_view text);

    // Spec §1.5 binary form. parse() clears r.ok() on a short input, a key type other
    // than 0 or a secret length other than 0 or 64.
    void serialize(Writer& w, bool with_secret = false) const;
    static std::optional<Identity> parse(Reader& r);

    // Same address and public key (the secret is not compared).
    friend bool operator==(const Identity& a, const Identity& b) {
        return a.address_ == b.address_ && a.public_ == b.public_;
    }

private:
    Identity(Address a, const crypto::C25519Public& pub, std::shared_ptr<const crypto::C25519Secret> sec)
        : address_(a), public_(pub), secret_(std::move(sec)) {}

    Address address_;
    crypto::C25519Public public_{};
    std::shared_ptr<const crypto::C25519Secret> secret_;
};

}  // namespace zt

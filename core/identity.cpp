// Identity: generation and validation (spec §1.3, §1.4), agreement and signatures through
// core/crypto/c25519 (spec §2), text and binary forms (spec §1.5).
#include "core/identity.hpp"

#include <sodium.h>

#include <cstring>
#include <vector>

#include "core/bytes.hpp"

namespace zt {
namespace {

constexpr size_t key_bytes = 64;
// Validity threshold on the first digest byte (spec §1.3): D[0] < 17.
constexpr uint8_t digest_first_byte_limit = 17;

std::unique_ptr<uint8_t[]> make_scratch() {
    return std::make_unique_for_overwrite<uint8_t[]>(crypto::memory_hard_scratch_bytes);
}
std::span<uint8_t, crypto::memory_hard_scratch_bytes> as_scratch(const std::unique_ptr<uint8_t[]>& p) {
    return std::span<uint8_t, crypto::memory_hard_scratch_bytes>(p.get(), crypto::memory_hard_scratch_bytes);
}

// The address a digest names, if the digest qualifies (spec §1.3).
std::optional<Address> address_of_digest(const crypto::MemoryHardDigest& d) {
    if (d[0] >= digest_first_byte_limit) return std::nullopt;
    return Address::from_bytes(d.data() + 59);
}

// Spec §1.4 allows any perturbation; we count up the little-endian u64 at secret[8..15].
void perturb_x25519_secret(uint8_t* secret) {
    for (size_t i = 8; i < 16; ++i)
        if (++secret[i] != 0) break;
}

}  // namespace

Identity Identity::public_only() const { return Identity(address_, public_, nullptr); }

Identity Identity::generate(Rng& rng) {
    auto scratch = make_scratch();
    for (;;) {
        auto secret = std::make_shared<crypto::C25519Secret>();
        rng.fill(secret->span());
        for (;;) {
            const crypto::C25519Public pub = crypto::c25519_public_from_secret(*secret);
            const auto addr = address_of_digest(crypto::memory_hard_digest(pub, as_scratch(scratch)));
            if (addr) {
                if (addr->is_reserved()) break;  // start over with a fresh secret
                return Identity(*addr, pub, std::move(secret));
            }
            perturb_x25519_secret(secret->data());
        }
    }
}

crypto::MemoryHardDigest Identity::memory_hard_digest() const { return crypto::memory_hard_digest(public_); }

bool Identity::locally_validate(std::span<uint8_t, crypto::memory_hard_scratch_bytes> scratch) const {
    if (address_.is_reserved()) return false;
    const auto addr = address_of_digest(crypto::memory_hard_digest(public_, scratch));
    return addr && *addr == address_;
}

bool Identity::locally_validate() const {
    if (address_.is_reserved()) return false;
    auto scratch = make_scratch();
    return locally_validate(as_scratch(scratch));
}

std::optional<SymmetricKey> Identity::agree(const Identity& other) const {
    if (!secret_) return std::nullopt;
    return crypto::c25519_agree(*secret_, other.public_);
}

crypto::C25519Signature Identity::sign(std::span<const uint8_t> msg) const {
    if (!secret_) return crypto::C25519Signature{};
    return crypto::c25519_sign(*secret_, msg);
}

bool Identity::verify(std::span<const uint8_t> msg, std::span<const uint8_t> signature) const {
    return crypto::c25519_verify(public_, msg, signature);
}

std::string Identity::to_string(bool with_secret) const {
    std::string s = address_.to_string();
    s += ":0:";
    s += to_hex(public_);
    if (with_secret && secret_) {
        s += ':';
        s += to_hex(secret_->span());
    }
    return s;
}

std::optional<Identity> Identity::from_string(std::string_view text) {
    // Spec §1.5: 3 or 4 fields separated by ':'.
    std::string_view fields[4];
    size_t count = 0;
    for (;;) {
        const size_t colon = text.find(':');
        if (count == 4) return std::nullopt;
        fields[count++] = text.substr(0, colon);
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
    }
    if (count < 3) return std::nullopt;

    const auto addr = Address::parse(fields[0]);
    if (!addr || addr->is_reserved() || fields[1] != "0") return std::nullopt;
    const auto pub = from_hex(fields[2]);
    if (!pub || pub->size() != key_bytes) return std::nullopt;

    crypto::C25519Public pk;
    std::memcpy(pk.data(), pub->data(), key_bytes);
    std::shared_ptr<const crypto::C25519Secret> secret;
    if (count == 4) {
        auto sec = from_hex(fields[3]);
        if (!sec || sec->size() != key_bytes) return std::nullopt;
        secret = std::make_shared<crypto::C25519Secret>(std::span<const uint8_t, key_bytes>(sec->data(), key_bytes));
        sodium_memzero(sec->data(), sec->size());
    }
    return Identity(*addr, pk, std::move(secret));
}

void Identity::serialize(Writer& w, bool with_secret) const {
    w.u40be(address_.value());
    w.u8(key_type_c25519);
    w.bytes(public_);
    if (with_secret && secret_) {
        w.u8(uint8_t(key_bytes));
        w.bytes(secret_->span());
    } else {
        w.u8(0);
    }
}

std::optional<Identity> Identity::parse(Reader& r) {
    const Address addr(r.u40be());
    const uint8_t type = r.u8();
    const auto pub = r.bytes(key_bytes);
    const uint8_t secret_len = r.u8();
    if (type != key_type_c25519 || (secret_len != 0 && secret_len != key_bytes)) r.fail();
    const auto sec = r.bytes(secret_len);
    if (!r.ok()) return std::nullopt;

    crypto::C25519Public pk;
    std::memcpy(pk.data(), pub.data(), key_bytes);
    std::shared_ptr<const crypto::C25519Secret> secret;
    if (secret_len == key_bytes)
        secret = std::make_shared<crypto::C25519Secret>(std::span<const uint8_t, key_bytes>(sec.data(), key_bytes));
    return Identity(addr, pk, std::move(secret));
}

}  // namespace zt

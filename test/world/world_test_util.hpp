// Helpers for the world tests: files, .c25519 key pairs, 0xA5-filled serialization and
// the short-prefix check (STYLE §10).
#pragma once

#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>

#include "core/bytes.hpp"
#include "core/crypto/c25519.hpp"
#include "core/rng.hpp"
#include "core/wire/writer.hpp"
#include "json.hpp"

namespace ztest {

inline constexpr uint8_t kFill = 0xa5;

inline zt::Bytes hex(const std::string& s) {
    auto b = zt::from_hex(s);
    if (!b) throw std::runtime_error("bad hex in test data: " + s);
    return *b;
}

inline zt::Bytes file_bytes(const std::string& path) {
    std::string s = read_file(path);
    return zt::Bytes(s.begin(), s.end());
}

inline std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

// A world-key file (captures/world-keys/*.c25519): 64 bytes public, then 64 bytes secret.
struct KeyPair {
    zt::crypto::C25519Public pub{};
    zt::crypto::C25519Secret secret;
};

inline KeyPair load_keypair(const std::string& path) {
    zt::Bytes b = file_bytes(path);
    if (b.size() != 128) throw std::runtime_error(path + ": not 128 bytes");
    KeyPair k;
    std::copy(b.begin(), b.begin() + 64, k.pub.begin());
    k.secret = zt::crypto::C25519Secret(std::span<const uint8_t, 64>(b.data() + 64, 64));
    return k;
}

inline KeyPair keypair_from_seed(uint64_t seed) {
    zt::SeededRng rng(seed);
    std::array<uint8_t, 64> s{};
    rng.fill(s);
    KeyPair k;
    k.secret = zt::crypto::C25519Secret(std::span<const uint8_t, 64>(s));
    k.pub = zt::crypto::c25519_public_from_secret(k.secret);
    return k;
}

// Upstream selftest KNOWN_GOOD_IDENTITY (identities.json, first entry, with its secret).
inline std::string known_good_identity_secret() {
    return load_vectors("identities.json")["identities"][0]["identity"].s();
}

template <class T>
zt::Bytes serialize_filled(const T& msg, size_t capacity, bool* untouched_tail = nullptr, bool for_sign = false) {
    zt::Bytes buf(capacity, kFill);
    zt::Writer w{std::span<uint8_t>(buf)};
    msg.serialize(w, for_sign);
    if (!w.ok()) return {};
    bool tail_ok = true;
    for (size_t i = w.size(); i < buf.size(); ++i) tail_ok = tail_ok && buf[i] == kFill;
    if (untouched_tail) *untouched_tail = tail_ok;
    buf.resize(w.size());
    return buf;
}

template <class T>
zt::Bytes serialize_filled_for_sign(const T& msg) {
    return serialize_filled(msg, T::kMaxSignedMessageBytes, nullptr, true);
}

// True if every prefix of `bytes` shorter than `mandatory` parses to nullopt.
template <class T>
bool short_prefixes_fail(const zt::Bytes& bytes, size_t mandatory) {
    for (size_t n = 0; n < mandatory && n <= bytes.size(); ++n)
        if (T::parse(std::span<const uint8_t>(bytes.data(), n))) return false;
    return true;
}

}  // namespace ztest

// Shared helpers for the wire tests: serialize into a buffer pre-filled with 0xA5 (so
// forgotten bytes show, STYLE §10) and check that every short prefix fails to parse.
#pragma once

#include <array>
#include <optional>
#include <span>

#include "core/bytes.hpp"
#include "core/wire/writer.hpp"

namespace ztest {

inline constexpr uint8_t kFill = 0xa5;

// Serializes msg into a 0xA5-filled buffer of `capacity` bytes; returns the written bytes
// and checks (REQUIRE in the caller) that nothing past them changed.
template <class T>
zt::Bytes serialize_filled(const T& msg, size_t capacity = 12000, bool* untouched_tail = nullptr) {
    zt::Bytes buf(capacity, kFill);
    zt::Writer w{std::span<uint8_t>(buf)};
    msg.serialize(w);
    if (!w.ok()) return {};
    bool tail_ok = true;
    for (size_t i = w.size(); i < buf.size(); ++i) tail_ok = tail_ok && buf[i] == kFill;
    if (untouched_tail) *untouched_tail = tail_ok;
    buf.resize(w.size());
    return buf;
}

// True if every prefix of `bytes` shorter than `mandatory` parses to nullopt.
template <class T>
bool short_prefixes_fail(const zt::Bytes& bytes, size_t mandatory) {
    for (size_t n = 0; n < mandatory && n <= bytes.size(); ++n) {
        auto r = T::parse(std::span<const uint8_t>(bytes.data(), n));
        if (r) return false;
    }
    return true;
}

}  // namespace ztest

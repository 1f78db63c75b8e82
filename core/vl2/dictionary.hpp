// The Dictionary text format (spec §8.3) of network configs and config request metadata:
// ordered key=value entries; values escaped on write and unescaped on read.
//
//   <key> '=' <escaped value> { '\n' <key> '=' <escaped value> }      (no trailing '\n', no NUL)
//   escapes: NUL -> "\0", CR -> "\r", LF -> "\n", '\' -> "\\", '=' -> "\e"; "\x" reads as x
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "core/types.hpp"

namespace zt::vl2 {

class Dictionary {
public:
    // Bounds on what we parse or build (upstream's config capacity is a few hundred KB).
    static constexpr size_t kMaxBytes = size_t(1) << 20;  // serialized size
    static constexpr size_t kMaxEntries = 4096;

    struct Entry {
        std::string key;
        Bytes value;  // unescaped
        friend bool operator==(const Entry&, const Entry&) = default;
    };

    // Reads text up to the first NUL (or its end). Lines end at LF or CR; empty lines, lines
    // without '=' and lines with an empty key are skipped, as upstream's reader skips them.
    // nullopt if the text exceeds kMaxBytes or holds more than kMaxEntries entries.
    static std::optional<Dictionary> parse(std::span<const uint8_t> text);
    // The escaped text, entries in order, '\n'-separated.
    Bytes serialize() const;
    size_t serialized_size() const { return bytes_; }

    // Lookups by exact key; the first entry with that key wins.
    std::optional<std::span<const uint8_t>> get(std::string_view key) const;
    bool contains(std::string_view key) const { return get(key).has_value(); }
    // Hex as strtoull(v, 0, 16) reads it (leading space, sign, "0x", any length and case,
    // saturating; no digits reads 0). nullopt if the key is absent or its value is empty.
    std::optional<uint64_t> get_u64(std::string_view key) const;
    // As strtoll(v, 0, 16): "-" + hex is negative; saturates at the int64 limits.
    std::optional<int64_t> get_i64(std::string_view key) const;
    // The value up to its first NUL byte (upstream reads values as C strings).
    std::optional<std::string> get_string(std::string_view key) const;
    // True iff the value starts with '1', 't' or 'T'; nullopt if the key is absent.
    std::optional<bool> get_bool(std::string_view key) const;
    // get_u64 truncated to 40 bits, as upstream's Address(uint64) does.
    std::optional<Address> get_address(std::string_view key) const;

    // Appends an entry (a key already present is appended again and stays shadowed).
    // False, and nothing added, if the key is empty or holds '=', CR, LF or NUL, or the
    // result would exceed kMaxBytes or kMaxEntries.
    bool add(std::string_view key, std::span<const uint8_t> value);
    bool add_u64(std::string_view key, uint64_t v);      // exactly 16 lowercase hex digits
    bool add_i64(std::string_view key, int64_t v);       // negative: '-' + 16 hex digits of |v|
    bool add_string(std::string_view key, std::string_view v);
    bool add_bool(std::string_view key, bool v);         // "1" / "0"
    bool add_address(std::string_view key, Address a);   // 10 lowercase hex digits

    const std::vector<Entry>& entries() const { return entries_; }
    size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

    friend bool operator==(const Dictionary& a, const Dictionary& b) { return a.entries_ == b.entries_; }

private:
    static size_t escaped_size(std::span<const uint8_t> value);
    static bool valid_key(std::string_view key);

    std::vector<Entry> entries_;
    size_t bytes_ = 0;  // serialized size of entries_
};

}  // namespace zt::vl2

// Dictionary text codec (spec §8.3). Format in dictionary.hpp.
#include "core/vl2/dictionary.hpp"

#include <algorithm>
#include <limits>

namespace zt::vl2 {

namespace {

constexpr uint8_t kNul = 0, kCr = 13, kLf = 10, kEscape = '\\', kEquals = '=';

// Upstream reads integers through a 128-byte C string: only the first 127 bytes count.
constexpr size_t kMaxNumberText = 127;

uint8_t escape_letter(uint8_t b) {
    switch (b) {
    case kNul: return '0';
    case kCr: return 'r';
    case kLf: return 'n';
    case kEscape: return kEscape;
    case kEquals: return 'e';
    default: return 0;  // written raw
    }
}

uint8_t unescape_letter(uint8_t b) {
    switch (b) {
    case '0': return kNul;
    case 'r': return kCr;
    case 'n': return kLf;
    case 'e': return kEquals;
    default: return b;  // "\\" and any other "\x" read as x
    }
}

bool is_c_space(uint8_t b) { return b == ' ' || (b >= '\t' && b <= '\r'); }

// strtoull/strtoll(s, 0, 16) over a value read as a C string.
struct HexNumber {
    uint64_t magnitude = 0;
    bool negative = false;
    bool overflow = false;
};

HexNumber read_hex(std::span<const uint8_t> v) {
    v = v.first(std::min(v.size(), kMaxNumberText));
    if (auto nul = std::find(v.begin(), v.end(), kNul); nul != v.end()) v = v.first(size_t(nul - v.begin()));
    HexNumber n;
    size_t i = 0;
    while (i < v.size() && is_c_space(v[i])) ++i;
    if (i < v.size() && (v[i] == '+' || v[i] == '-')) n.negative = v[i++] == '-';
    if (i + 2 < v.size() && v[i] == '0' && (v[i + 1] == 'x' || v[i + 1] == 'X') && hex_digit(char(v[i + 2])) >= 0)
        i += 2;
    for (; i < v.size(); ++i) {
        const int d = hex_digit(char(v[i]));
        if (d < 0) break;
        if (n.magnitude > (std::numeric_limits<uint64_t>::max() >> 4)) n.overflow = true;
        n.magnitude = (n.magnitude << 4) | uint64_t(d);
    }
    return n;
}

void append_hex(std::string& out, uint64_t v, int digits) {
    static constexpr char kDigits[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; --i) out += kDigits[(v >> (4 * i)) & 0xf];
}

Bytes as_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

}  // namespace

size_t Dictionary::escaped_size(std::span<const uint8_t> value) {
    size_t n = value.size();
    for (uint8_t b : value) n += escape_letter(b) != 0;
    return n;
}

bool Dictionary::valid_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key)
        if (c == char(kNul) || c == char(kCr) || c == char(kLf) || c == char(kEquals)) return false;
    return true;
}

std::optional<Dictionary> Dictionary::parse(std::span<const uint8_t> text) {
    if (auto nul = std::find(text.begin(), text.end(), kNul); nul != text.end())
        text = text.first(size_t(nul - text.begin()));
    if (text.size() > kMaxBytes) return std::nullopt;

    Dictionary d;
    size_t i = 0;
    while (i < text.size()) {
        size_t line_end = i;
        while (line_end < text.size() && text[line_end] != kLf && text[line_end] != kCr) ++line_end;
        size_t eq = i;
        while (eq < line_end && text[eq] != kEquals) ++eq;
        if (eq < line_end && eq > i) {
            if (d.entries_.size() == kMaxEntries) return std::nullopt;
            Entry e;
            e.key.assign(text.begin() + i, text.begin() + eq);
            e.value.reserve(line_end - eq - 1);
            bool escaped = false;
            for (size_t j = eq + 1; j < line_end; ++j) {
                if (escaped) {
                    e.value.push_back(unescape_letter(text[j]));
                    escaped = false;
                } else if (text[j] == kEscape) {
                    escaped = true;  // a trailing lone '\' is dropped
                } else {
                    e.value.push_back(text[j]);
                }
            }
            // Never more than the text it came from, so the whole stays within kMaxBytes.
            d.bytes_ += (d.entries_.empty() ? 0 : 1) + e.key.size() + 1 + escaped_size(e.value);
            d.entries_.push_back(std::move(e));
        }
        i = line_end + 1;
    }
    return d;
}

Bytes Dictionary::serialize() const {
    Bytes out;
    out.reserve(bytes_);
    for (const Entry& e : entries_) {
        if (!out.empty()) out.push_back(kLf);
        out.insert(out.end(), e.key.begin(), e.key.end());
        out.push_back(kEquals);
        for (uint8_t b : e.value) {
            if (const uint8_t letter = escape_letter(b)) {
                out.push_back(kEscape);
                out.push_back(letter);
            } else {
                out.push_back(b);
            }
        }
    }
    return out;
}

std::optional<std::span<const uint8_t>> Dictionary::get(std::string_view key) const {
    for (const Entry& e : entries_)
        if (e.key == key) return std::span<const uint8_t>(e.value);
    return std::nullopt;
}

std::optional<uint64_t> Dictionary::get_u64(std::string_view key) const {
    auto v = get(key);
    if (!v || v->empty()) return std::nullopt;
    const HexNumber n = read_hex(*v);
    if (n.overflow) return std::numeric_limits<uint64_t>::max();
    return n.negative ? uint64_t(0) - n.magnitude : n.magnitude;
}

std::optional<int64_t> Dictionary::get_i64(std::string_view key) const {
    auto v = get(key);
    if (!v || v->empty()) return std::nullopt;
    const HexNumber n = read_hex(*v);
    constexpr uint64_t kMinMagnitude = uint64_t(1) << 63;  // |INT64_MIN|
    if (n.negative) {
        if (n.overflow || n.magnitude >= kMinMagnitude) return std::numeric_limits<int64_t>::min();
        return -int64_t(n.magnitude);
    }
    if (n.overflow || n.magnitude >= kMinMagnitude) return std::numeric_limits<int64_t>::max();
    return int64_t(n.magnitude);
}

std::optional<std::string> Dictionary::get_string(std::string_view key) const {
    auto v = get(key);
    if (!v) return std::nullopt;
    auto nul = std::find(v->begin(), v->end(), kNul);
    return std::string(v->begin(), nul);
}

std::optional<bool> Dictionary::get_bool(std::string_view key) const {
    auto v = get(key);
    if (!v) return std::nullopt;
    return !v->empty() && ((*v)[0] == '1' || (*v)[0] == 't' || (*v)[0] == 'T');
}

std::optional<Address> Dictionary::get_address(std::string_view key) const {
    auto v = get_u64(key);
    if (!v) return std::nullopt;
    return Address(*v);
}

bool Dictionary::add(std::string_view key, std::span<const uint8_t> value) {
    if (!valid_key(key) || entries_.size() >= kMaxEntries) return false;
    const size_t added = (entries_.empty() ? 0 : 1) + key.size() + 1 + escaped_size(value);
    if (added > kMaxBytes - bytes_) return false;
    entries_.push_back(Entry{std::string(key), Bytes(value.begin(), value.end())});
    bytes_ += added;
    return true;
}

bool Dictionary::add_u64(std::string_view key, uint64_t v) {
    std::string s;
    append_hex(s, v, 16);
    return add(key, as_bytes(s));
}

bool Dictionary::add_i64(std::string_view key, int64_t v) {
    if (v >= 0) return add_u64(key, uint64_t(v));
    std::string s = "-";
    append_hex(s, uint64_t(0) - uint64_t(v), 16);
    return add(key, as_bytes(s));
}

bool Dictionary::add_string(std::string_view key, std::string_view v) { return add(key, as_bytes(v)); }

bool Dictionary::add_bool(std::string_view key, bool v) { return add_string(key, v ? "1" : "0"); }

bool Dictionary::add_address(std::string_view key, Address a) {
    std::string s;
    append_hex(s, a.value(), 10);
    return add(key, as_bytes(s));
}

}  // namespace zt::vl2

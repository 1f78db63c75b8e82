// IP text as the controller's records hold it (ip_text.hpp). Reading accepts what inet_pton
// accepts; printing follows inet_ntop (glibc), so a chosen address compares equal, as text, to
// the same address stored earlier by upstream or by our API.
#include "core/controller/ip_text.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"

namespace zt::controller {

namespace {

// Exactly four decimal parts 0..255, no leading zeros (inet_pton's rules).
std::optional<std::array<uint8_t, 4>> v4_from_text(std::string_view s) {
    std::array<uint8_t, 4> out{};
    size_t part = 0;
    size_t start = 0;
    while (true) {
        const size_t dot = std::min(s.find('.', start), s.size());
        const std::string_view p = s.substr(start, dot - start);
        if (part == 4 || p.empty() || p.size() > 3 || (p.size() > 1 && p[0] == '0')) return std::nullopt;
        unsigned v = 0;
        for (char c : p) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + unsigned(c - '0');
        }
        if (v > 255) return std::nullopt;
        out[part++] = uint8_t(v);
        if (dot == s.size()) break;
        start = dot + 1;
    }
    if (part != 4) return std::nullopt;
    return out;
}

// Groups of one side of "::"; the last group may be a dotted quad when `v4_tail`.
bool v6_groups(std::string_view side, bool v4_tail, std::vector<uint16_t>& out) {
    if (side.empty()) return true;
    size_t start = 0;
    while (true) {
        const size_t colon = std::min(side.find(':', start), side.size());
        const std::string_view g = side.substr(start, colon - start);
        const bool last = colon == side.size();
        if (last && v4_tail && g.find('.') != std::string_view::npos) {
            auto v4 = v4_from_text(g);
            if (!v4) return false;
            out.push_back(uint16_t(((*v4)[0] << 8) | (*v4)[1]));
            out.push_back(uint16_t(((*v4)[2] << 8) | (*v4)[3]));
            return true;
        }
        if (g.empty() || g.size() > 4) return false;
        unsigned v = 0;
        for (char c : g) {
            const int d = hex_digit(c);
            if (d < 0) return false;
            v = (v << 4) | unsigned(d);
        }
        out.push_back(uint16_t(v));
        if (last) return true;
        start = colon + 1;
    }
}

std::optional<std::array<uint8_t, 16>> v6_from_text(std::string_view s) {
    std::vector<uint16_t> head, tail;
    const size_t gap = s.find("::");
    if (gap == std::string_view::npos) {
        if (!v6_groups(s, true, head) || head.size() != 8) return std::nullopt;
    } else {
        if (s.find("::", gap + 1) != std::string_view::npos) return std::nullopt;
        if (!v6_groups(s.substr(0, gap), false, head) || !v6_groups(s.substr(gap + 2), true, tail)) return std::nullopt;
        if (head.size() + tail.size() > 7) return std::nullopt;
    }
    std::array<uint16_t, 8> words{};
    for (size_t i = 0; i < head.size(); ++i) words[i] = head[i];
    for (size_t i = 0; i < tail.size(); ++i) words[8 - tail.size() + i] = tail[i];
    std::array<uint8_t, 16> out{};
    for (size_t i = 0; i < 8; ++i) {
        out[2 * i] = uint8_t(words[i] >> 8);
        out[2 * i + 1] = uint8_t(words[i]);
    }
    return out;
}

void append_decimal(std::string& s, unsigned v) {
    char buf[12];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    s.append(buf, r.ptr);
}

void append_v4(std::string& s, const uint8_t* b) {
    for (size_t i = 0; i < 4; ++i) {
        if (i) s += '.';
        append_decimal(s, b[i]);
    }
}

}  // namespace

std::optional<Endpoint> ip_from_text(std::string_view text) {
    if (text.find(':') != std::string_view::npos) {
        if (auto v6 = v6_from_text(text)) return Endpoint::v6(*v6, 0);
        return std::nullopt;
    }
    if (auto v4 = v4_from_text(text)) return Endpoint::v4(*v4, 0);
    return std::nullopt;
}

std::optional<wire::InetPrefix> prefix_from_text(std::string_view text) {
    const size_t slash = text.find('/');
    auto ip = ip_from_text(text.substr(0, slash));
    if (!ip) return std::nullopt;
    unsigned bits = 0;
    if (slash != std::string_view::npos) {
        const std::string_view b = text.substr(slash + 1);
        if (b.empty() || b.size() > 3) return std::nullopt;
        for (char c : b) {
            if (c < '0' || c > '9') return std::nullopt;
            bits = bits * 10 + unsigned(c - '0');
        }
    }
    if (bits > (ip->family == Endpoint::Family::v4 ? 32u : 128u)) return std::nullopt;
    return wire::InetPrefix{*ip, uint8_t(bits)};
}

std::string ip_to_text(const Endpoint& ip) {
    std::string s;
    if (ip.family == Endpoint::Family::v4) {
        append_v4(s, ip.ip.data());
        return s;
    }
    if (ip.family != Endpoint::Family::v6) return s;
    std::array<unsigned, 8> words{};
    for (size_t i = 0; i < 8; ++i) words[i] = (unsigned(ip.ip[2 * i]) << 8) | ip.ip[2 * i + 1];
    // The longest run of zero words (the first of equal ones), if at least two long.
    size_t best = 8, best_len = 0;
    for (size_t i = 0; i < 8;) {
        if (words[i] != 0) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < 8 && words[j] == 0) ++j;
        if (j - i > best_len) best = i, best_len = j - i;
        i = j;
    }
    if (best_len < 2) best = 8, best_len = 0;
    static constexpr char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < 8; ++i) {
        if (i == best) {
            s += ':';
            if (i + best_len == 8) s += ':';
            i += best_len - 1;
            continue;
        }
        if (i) s += ':';
        // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d), as inet_ntop writes them.
        if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && words[5] == 0xffff))) {
            append_v4(s, ip.ip.data() + 12);
            break;
        }
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const unsigned d = (words[i] >> shift) & 0xf;
            if (d || started || shift == 0) {
                s += digits[d];
                started = true;
            }
        }
    }
    return s;
}

bool prefix_contains(const wire::InetPrefix& prefix, const Endpoint& ip) {
    if (prefix.address.family != ip.family || ip.family == Endpoint::Family::none) return false;
    const size_t len = ip.family == Endpoint::Family::v4 ? 4 : 16;
    size_t bits = std::min<size_t>(prefix.bits, len * 8);
    for (size_t i = 0; bits > 0; ++i, bits -= std::min<size_t>(bits, 8)) {
        const uint8_t mask = bits >= 8 ? 0xff : uint8_t(0xff << (8 - bits));
        if ((prefix.address.ip[i] & mask) != (ip.ip[i] & mask)) return false;
    }
    return true;
}

}  // namespace zt::controller

// IpReassembly (ip_reassembly.hpp). IPv4: RFC 791 fields; IPv6: RFC 8200 §4.5, a fragment
// header right after the base header (what lwIP and Linux send); any overlap that is not an
// exact duplicate drops the datagram (RFC 5722), for IPv4 as well.
#include "stack/ip_reassembly.hpp"

#include <algorithm>
#include <cstring>

namespace zt::stack {

namespace {

constexpr size_t kIpv4MinHeader = 20, kIpv6Header = 40, kFragmentHeader = 8;
constexpr uint8_t kIpv6Fragment = 44;

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

uint16_t ipv4_header_checksum(std::span<const uint8_t> h) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < h.size(); i += 2) sum += be16(&h[i]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

}  // namespace

IpReassembly::Verdict IpReassembly::input(std::span<const uint8_t> ip, uint32_t now_ms) {
    if (ip.empty()) return Verdict::not_fragment;
    const unsigned version = ip[0] >> 4;
    if (version == 4) {
        if (ip.size() < kIpv4MinHeader) return Verdict::not_fragment;  // lwIP judges it
        const size_t hlen = size_t(ip[0] & 0x0f) * 4;
        const size_t tlen = be16(&ip[2]);
        const uint16_t frag = be16(&ip[6]);
        const bool more = frag & 0x2000;
        const uint32_t offset = uint32_t(frag & 0x1fff) * 8;
        if (!more && offset == 0) return Verdict::not_fragment;
        if (hlen < kIpv4MinHeader || tlen < hlen || tlen > ip.size()) {
            ++stats_.dropped;
            return Verdict::dropped;
        }
        Key key;
        key.version = 4;
        key.proto = ip[9];
        key.id = be16(&ip[4]);
        std::memcpy(key.src.data(), &ip[12], 4);
        std::memcpy(key.dst.data(), &ip[16], 4);
        return add(key, offset, more, ip.subspan(hlen, tlen - hlen), ip.first(hlen), 0, uint32_t(0xffff - hlen),
                   now_ms);
    }
    if (version == 6) {
        if (ip.size() < kIpv6Header + kFragmentHeader || ip[6] != kIpv6Fragment) return Verdict::not_fragment;
        const size_t plen = be16(&ip[4]);
        if (plen < kFragmentHeader || kIpv6Header + plen > ip.size()) {
            ++stats_.dropped;
            return Verdict::dropped;
        }
        const uint8_t* fh = &ip[kIpv6Header];
        const uint16_t off_flags = be16(fh + 2);
        const uint32_t offset = off_flags & 0xfff8;
        const bool more = off_flags & 1;
        auto payload = ip.subspan(kIpv6Header + kFragmentHeader, plen - kFragmentHeader);
        if (offset == 0 && !more) {
            // An atomic fragment (RFC 6946): the packet without its fragment header.
            out_.assign(ip.begin(), ip.begin() + kIpv6Header);
            out_[6] = fh[0];
            put16(&out_[4], uint16_t(payload.size()));
            out_.insert(out_.end(), payload.begin(), payload.end());
            return Verdict::complete;
        }
        Key key;
        key.version = 6;
        key.id = be32(fh + 4);
        std::memcpy(key.src.data(), &ip[8], 16);
        std::memcpy(key.dst.data(), &ip[24], 16);
        return add(key, offset, more, payload, ip.first(kIpv6Header), fh[0], 0xffff, now_ms);
    }
    return Verdict::not_fragment;
}

IpReassembly::Verdict IpReassembly::add(const Key& key, uint32_t offset, bool more, std::span<const uint8_t> payload,
                                        std::span<const uint8_t> header, uint8_t next_header, uint32_t max_total,
                                        uint32_t now_ms) {
    expire(now_ms);
    const uint32_t end = offset + uint32_t(payload.size());
    auto it = open_.find(key);
    auto refuse = [&] {
        ++stats_.dropped;
        if (it != open_.end()) erase(it);
        return Verdict::dropped;
    };
    // Every fragment but the last carries a multiple of 8 bytes; nothing ends past the limit.
    if ((more && payload.size() % 8 != 0) || payload.empty() || end > max_total) return refuse();

    if (it == open_.end()) {
        while (open_.size() >= kMaxDatagrams || (!open_.empty() && bytes_ + end > kMaxBytes)) {
            auto oldest = std::min_element(open_.begin(), open_.end(), [now_ms](const auto& a, const auto& b) {
                return now_ms - a.second.started > now_ms - b.second.started;
            });
            ++stats_.timed_out;
            erase(oldest);
        }
        if (bytes_ + end > kMaxBytes) return refuse();
        it = open_.emplace(key, Datagram{}).first;
        it->second.started = now_ms;
    }
    Datagram& d = it->second;

    if (!more) {
        if (d.total != UINT32_MAX && d.total != end) return refuse();
        d.total = end;
    }
    if (d.total != UINT32_MAX && end > d.total) return refuse();
    // Exact duplicates are held (ignored); any other overlap gives the datagram up.
    for (const auto& [b, e] : d.ranges) {
        if (offset >= b && end <= e) {
            ++stats_.fragments;
            return Verdict::held;
        }
        if (offset < e && end > b) return refuse();
    }
    if (end > d.data.size()) {
        if (bytes_ + (end - d.data.size()) > kMaxBytes) return refuse();
        bytes_ += end - d.data.size();
        d.data.resize(end);
    }
    std::memcpy(d.data.data() + offset, payload.data(), payload.size());
    if (offset == 0) {
        d.header.assign(header.begin(), header.end());
        d.next_header = next_header;
    }
    d.ranges.emplace_back(offset, end);
    std::sort(d.ranges.begin(), d.ranges.end());
    std::vector<std::pair<uint32_t, uint32_t>> merged;
    for (const auto& r : d.ranges) {
        if (!merged.empty() && merged.back().second == r.first) merged.back().second = r.second;
        else merged.push_back(r);
    }
    d.ranges = std::move(merged);
    ++stats_.fragments;

    if (d.total == UINT32_MAX || d.ranges.size() != 1 || d.ranges[0] != std::pair<uint32_t, uint32_t>{0, d.total})
        return Verdict::held;
    if (d.header.size() + d.total > 0xffff) return refuse();  // later fragments had shorter headers
    finish(key, d);
    erase(it);
    ++stats_.completed;
    return Verdict::complete;
}

void IpReassembly::finish(const Key& key, Datagram& d) {
    out_.assign(d.header.begin(), d.header.end());
    if (key.version == 4) {
        put16(&out_[2], uint16_t(d.header.size() + d.total));
        put16(&out_[6], 0);  // no more fragments, offset 0 (DF cleared: it was fragmented)
        put16(&out_[10], 0);
        put16(&out_[10], ipv4_header_checksum(out_));
    } else {
        out_[6] = d.next_header;
        put16(&out_[4], uint16_t(d.total));
    }
    out_.insert(out_.end(), d.data.begin(), d.data.begin() + d.total);
}

void IpReassembly::expire(uint32_t now_ms) {
    for (auto it = open_.begin(); it != open_.end();) {
        auto next = std::next(it);
        if (now_ms - it->second.started >= kTimeoutMs) {
            ++stats_.timed_out;
            erase(it);
        }
        it = next;
    }
}

void IpReassembly::erase(std::map<Key, Datagram>::iterator it) {
    bytes_ -= it->second.data.size();
    open_.erase(it);
}

}  // namespace zt::stack

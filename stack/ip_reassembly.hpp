// IPv4 and IPv6 fragment reassembly in front of lwIP. Debian's lwIP holds at most 10
// fragments in reassembly for the whole stack (IP_REASS_MAX_PBUFS), about 13 KB at our MTU,
// so a larger UDP datagram a peer sends (the kernel takes up to 64 KB) never arrived. This
// reassembles up to the protocol limits and hands lwIP one whole packet. No lwIP inside:
// bytes and a clock in, verdicts out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <utility>
#include <vector>

namespace zt::stack {

class IpReassembly {
public:
    static constexpr size_t kMaxDatagrams = 32;          // in progress at once
    static constexpr size_t kMaxBytes = 4u << 20;        // payload held in total
    static constexpr uint32_t kTimeoutMs = 15000;        // from a datagram's first fragment

    enum class Verdict {
        not_fragment,  // pass the packet on as it is (also IPv6 with other extension headers first)
        held,          // a fragment, kept (or an exact duplicate of one)
        complete,      // the last missing piece: packet() is the whole datagram
        dropped,       // malformed, overlapping, too big or over the limits (counted)
    };

    struct Stats {
        uint64_t fragments = 0;  // fragments taken in
        uint64_t completed = 0;  // datagrams put back together
        uint64_t timed_out = 0;  // datagrams abandoned after kTimeoutMs or evicted for room
        uint64_t dropped = 0;    // fragments refused (and datagrams given up for them)
    };

    // `ip` is one IP packet (its version nibble says which); `now_ms` a monotonic clock.
    Verdict input(std::span<const uint8_t> ip, uint32_t now_ms);
    // After Verdict::complete: the reassembled packet, valid until the next input().
    std::span<const uint8_t> packet() const { return out_; }
    const Stats& stats() const { return stats_; }
    size_t in_progress() const { return open_.size(); }

private:
    struct Key {
        uint8_t version = 0;
        uint8_t proto = 0;  // IPv4 protocol (part of the IPv4 key); 0 for IPv6
        uint32_t id = 0;
        std::array<uint8_t, 16> src{}, dst{};
        auto operator<=>(const Key&) const = default;
    };
    struct Datagram {
        uint32_t started = 0;
        std::vector<uint8_t> header;   // IPv4: the offset-0 fragment's header; IPv6: its base header
        uint8_t next_header = 0;       // IPv6: from the offset-0 fragment's fragment header
        std::vector<uint8_t> data;     // payload bytes by offset
        std::vector<std::pair<uint32_t, uint32_t>> ranges;  // received [begin, end), sorted, merged
        uint32_t total = UINT32_MAX;   // payload length, known once the last fragment came
    };

    Verdict add(const Key& key, uint32_t offset, bool more, std::span<const uint8_t> payload,
                std::span<const uint8_t> header, uint8_t next_header, uint32_t max_total, uint32_t now_ms);
    void expire(uint32_t now_ms);
    void erase(std::map<Key, Datagram>::iterator it);
    void finish(const Key& key, Datagram& d);

    std::map<Key, Datagram> open_;
    size_t bytes_ = 0;
    std::vector<uint8_t> out_;
    Stats stats_;
};

}  // namespace zt::stack

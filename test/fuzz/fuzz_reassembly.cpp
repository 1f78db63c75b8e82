// libFuzzer target: IP fragment reassembly in front of lwIP (stack/ip_reassembly.hpp).
// Input: records <[1] clock step, 100 ms units> <[2] length L, little-endian> <[L] IP packet>.
// Whatever the fragments, a completed packet is at most 65535 bytes, carries the version it
// was made from and a length field that matches it, and the memory held stays bounded.
#include <cstddef>
#include <cstdint>
#include <span>

#include "stack/ip_reassembly.hpp"

using zt::stack::IpReassembly;

namespace {
void require(bool ok) {
    if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    IpReassembly r;
    uint32_t now = 0;
    size_t pos = 0;
    while (pos + 3 <= size) {
        now += uint32_t(data[pos]) * 100;
        size_t len = size_t(data[pos + 1]) | size_t(data[pos + 2]) << 8;
        pos += 3;
        len = std::min(len, size - pos);
        std::span<const uint8_t> ip(data + pos, len);
        pos += len;
        if (r.input(ip, now) != IpReassembly::Verdict::complete) continue;
        auto p = r.packet();
        require(p.size() <= 0xffff);
        require(!ip.empty() && p.size() >= 20 && (p[0] >> 4) == (ip[0] >> 4));
        const size_t field = size_t(p[2]) << 8 | p[3];
        if ((p[0] >> 4) == 4) require(field == p.size());
        else require(p.size() >= 40 && (size_t(p[4]) << 8 | p[5]) + 40 == p.size());
    }
    require(r.in_progress() <= IpReassembly::kMaxDatagrams);
    return 0;
}

// A tiny reader for the classic pcap files in test/vectors/captures: link type 1
// (Ethernet), IPv4, UDP. Tests only; throws on anything it does not understand.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/types.hpp"
#include "json.hpp"

namespace ztest {

struct PcapRecord {
    zt::Bytes frame;  // the captured link-layer frame
};

struct UdpDatagram {
    zt::Endpoint from, to;
    zt::Bytes payload;
};

inline std::vector<PcapRecord> read_pcap(const std::string& path) {
    const std::string d = read_file(path);
    auto u8 = [&](size_t at) -> uint32_t {
        if (at >= d.size()) throw std::runtime_error("pcap: truncated " + path);
        return uint8_t(d[at]);
    };
    if (d.size() < 24) throw std::runtime_error("pcap: no header");
    const bool le = u8(0) == 0xd4 && u8(1) == 0xc3 && u8(2) == 0xb2 && u8(3) == 0xa1;
    const bool be = u8(0) == 0xa1 && u8(1) == 0xb2 && u8(2) == 0xc3 && u8(3) == 0xd4;
    if (!le && !be) throw std::runtime_error("pcap: not a classic microsecond pcap");
    auto u32 = [&](size_t at) {
        return le ? u8(at) | u8(at + 1) << 8 | u8(at + 2) << 16 | u8(at + 3) << 24
                  : u8(at) << 24 | u8(at + 1) << 16 | u8(at + 2) << 8 | u8(at + 3);
    };
    if (u32(20) != 1) throw std::runtime_error("pcap: link type is not Ethernet");
    std::vector<PcapRecord> out;
    for (size_t off = 24; off < d.size();) {
        const uint32_t incl = u32(off + 8);
        off += 16;
        if (off + incl > d.size()) throw std::runtime_error("pcap: truncated record");
        out.push_back({zt::Bytes(d.begin() + long(off), d.begin() + long(off + incl))});
        off += incl;
    }
    return out;
}

// The UDP/IPv4 datagrams of an Ethernet pcap (other frames skipped).
inline std::vector<UdpDatagram> read_pcap_udp(const std::string& path) {
    std::vector<UdpDatagram> out;
    for (const PcapRecord& r : read_pcap(path)) {
        const zt::Bytes& f = r.frame;
        if (f.size() < 14 + 20 + 8) continue;
        if (f[12] != 0x08 || f[13] != 0x00) continue;  // IPv4 only
        const size_t ip = 14;
        const size_t ihl = size_t(f[ip] & 0x0f) * 4;
        if ((f[ip] >> 4) != 4 || f[ip + 9] != 17) continue;  // UDP
        const size_t total = size_t(f[ip + 2]) << 8 | f[ip + 3];
        const size_t udp = ip + ihl;
        const size_t udp_len = size_t(f[udp + 4]) << 8 | f[udp + 5];
        if (ip + total > f.size() || udp_len < 8 || udp + udp_len > ip + total)
            throw std::runtime_error("pcap: bad IPv4/UDP lengths");
        UdpDatagram dg;
        dg.from = zt::Endpoint::v4({f[ip + 12], f[ip + 13], f[ip + 14], f[ip + 15]},
                                   uint16_t(f[udp] << 8 | f[udp + 1]));
        dg.to = zt::Endpoint::v4({f[ip + 16], f[ip + 17], f[ip + 18], f[ip + 19]},
                                 uint16_t(f[udp + 2] << 8 | f[udp + 3]));
        dg.payload.assign(f.begin() + long(udp + 8), f.begin() + long(udp + udp_len));
        out.push_back(std::move(dg));
    }
    return out;
}

}  // namespace ztest

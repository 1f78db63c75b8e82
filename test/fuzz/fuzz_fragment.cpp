// libFuzzer target: fragment reassembly (spec §3.4). The input is a script of datagrams,
// each <[1] time step, ms / 16> <[2] length> <[length] datagram>, fed to one Reassembler.
// A completed packet must be a head followed by fragment data and fit kMaxPacketLength.
// Then the whole input, as a packet, is cut (§3.3) at an MTU taken from its first bytes and
// reassembled in reverse order: it must come back unchanged.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "core/wire/fragment.hpp"
#include "fuzz_common.hpp"

using namespace zt;
using namespace zt::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static PacketBuf out;
    static PacketBuf pkt;
    static uint8_t scratch[kMaxPhysMtu];
    Reassembler r;
    Ticks now = 0;
    Reader in{std::span<const uint8_t>(data, size)};
    while (in.remaining() >= 3) {
        now += Ticks(in.u8()) * 16;
        auto dg = in.bytes(in.u16be());
        if (!in.ok()) break;
        Result<Reassembler::Status, Drop> s = Failure{Drop::too_short};
        switch (classify_datagram(dg)) {
        case DatagramKind::fragment: s = r.add_fragment(now, dg, out); break;
        case DatagramKind::head: s = r.add_head(now, dg, out); break;
        default: continue;
        }
        if (s.ok() && s.value() == Reassembler::Status::complete) {
            zfuzz::require(out.len >= kPacketMinLength && out.len <= kMaxPacketLength);
            zfuzz::require(PacketHeader::parse(out.bytes()).has_value());
        }
        zfuzz::require(r.in_progress() <= kRxQueueSize);
    }

    // Cut + reassemble round trip.
    if (size < kPacketMinLength + 2 || size > kMaxPacketLength) return 0;
    const size_t mtu = kMinPhysMtu + (size_t(data[0]) << 8 | data[1]) % (kMaxPhysMtu - kMinPhysMtu + 1);
    std::memcpy(pkt.b.data(), data, size);
    pkt.len = size;
    pkt.b[kPacketIdxSource] = 0x01;  // a head, not a fragment
    pkt.b[kPacketIdxFlags] |= kFlagFragmented;
    FragmentCutter cut{pkt.bytes(), mtu};
    if (!cut.ok() || cut.count() < 2) return 0;
    Reassembler r2;
    for (size_t i = cut.count(); i-- > 0;) {
        auto dg = cut.datagram(i, scratch);
        zfuzz::require(!dg.empty() && dg.size() <= mtu);
        auto s = i == 0 ? r2.add_head(0, dg, out) : r2.add_fragment(0, dg, out);
        zfuzz::require(s.ok());
        zfuzz::require((s.value() == Reassembler::Status::complete) == (i == 0));
    }
    zfuzz::require(out.len == pkt.len && std::memcmp(out.b.data(), pkt.b.data(), pkt.len) == 0);
    return 0;
}

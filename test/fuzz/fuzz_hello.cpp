// libFuzzer target: HELLO payload parsing (spec §5.2), the moon-section offset, and the
// cryptField on a whole packet built around the input.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_common.hpp"

using namespace zt;
using namespace zt::wire;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const SymmetricKey key = zfuzz::key_from_hex(zfuzz::kCaptureKeys[0]);
    static PacketBuf pkt, orig;
    std::span<const uint8_t> payload(data, size);
    auto h = vl1::Hello::parse(payload);
    auto off = vl1::Hello::moon_section_offset(payload);
    if (h) {
        zfuzz::round_trip(*h);
        zfuzz::require(h->moon_count <= vl1::Hello::kMaxMoons);
        zfuzz::require(off.has_value() == h->has_moon_section);
    }
    if (off) zfuzz::require(*off < size);

    // The cryptField on a packet: applying it twice restores the bytes.
    if (size > kMaxPacketLength - kPacketIdxPayload) return 0;
    std::memset(pkt.b.data(), 0, kPacketIdxPayload);
    pkt.b[kPacketIdxSource] = 0x01;
    pkt.b[kPacketIdxVerb] = uint8_t(Verb::hello);
    if (size) std::memcpy(pkt.b.data() + kPacketIdxPayload, data, size);
    pkt.len = kPacketIdxPayload + size;
    orig = pkt;
    if (vl1::Hello::apply_crypt_field(pkt.bytes(), key)) {
        zfuzz::require(vl1::Hello::apply_crypt_field(pkt.bytes(), key));
    }
    zfuzz::require(std::memcmp(pkt.b.data(), orig.b.data(), pkt.len) == 0);
    return 0;
}

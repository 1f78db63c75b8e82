// COM length-skipper (spec §8.6). Layout in com_span.hpp.
#include "core/vl2/com_span.hpp"

namespace zt::vl2 {

std::span<const uint8_t> read_com(Reader& r) {
    Reader probe = r;  // walk the structure, then take the bytes from r in one piece
    const uint8_t format = probe.u8();
    const uint16_t q = probe.u16be();
    if (format != kComFormat || q > kComMaxQualifiers) probe.fail();
    probe.skip(q * kComQualifierLength);
    const uint64_t signer = probe.u40be();
    if (signer != 0) probe.skip(kComSignatureLength);
    if (!probe.ok()) {
        r.fail();
        return {};
    }
    return r.bytes(probe.pos() - r.pos());
}

}  // namespace zt::vl2

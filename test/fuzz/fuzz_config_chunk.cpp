// libFuzzer target: config chunks (spec §8.4) into a ConfigAssembler. The input is a script
// of records <[1] op> <[2] length> <[length] bytes>:
//   op & 3 == 0  the bytes are a chunk payload: parse, round trip, add (signatures rarely hold)
//   op & 3 == 1  the same through add_legacy (no signature), packet id = op >> 2
//   op & 3 == 2  a chunk built here and signed with the captured controller key:
//                <[4] total> <[4] index> <data...>, update id = (op >> 2) & 7
//   op & 3 == 3  time passes by the first two bytes (ms), then expire()
// Invariants: a completed config has its total length; the assembler's bounds hold.
#include <cstddef>
#include <cstdint>

#include "core/vl2/config_chunk.hpp"
#include "fuzz_common.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

constexpr NetworkId kNwid{0xc41b8868ac000001ULL};

void check(const ConfigAssembler& as, const ConfigAssembler::Outcome& out, uint32_t total) {
    using S = ConfigAssembler::Status;
    zfuzz::require(as.updates() <= ConfigAssembler::kMaxUpdates);
    zfuzz::require(as.buffered_bytes() <= ConfigAssembler::kMaxBufferedBytes);
    if (out.status == S::complete) zfuzz::require(out.dictionary.size() == total);
    else zfuzz::require(out.dictionary.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const Identity ctl = zfuzz::load_capture_identity("ctl");
    ConfigAssembler as{kNwid};
    Ticks now = 0;
    Reader script{std::span<const uint8_t>(data, size)};
    while (script.remaining() >= 3) {
        const uint8_t op = script.u8();
        const uint16_t len = script.u16be();
        const auto bytes = script.bytes(std::min<size_t>(len, script.remaining()));
        switch (op & 3) {
        case 0:
        case 1: {
            auto c = ConfigChunk::parse(bytes);
            if (!c) break;
            zfuzz::round_trip(*c);
            auto out = (op & 3) == 0 ? as.add(*c, ctl, now) : as.add_legacy(*c, op >> 2, now);
            check(as, out, c->legacy ? uint32_t(c->data.size()) : c->total_length);
            break;
        }
        case 2: {
            Reader r{bytes};
            ConfigChunk c;
            c.nwid = kNwid;
            c.total_length = r.u32be();
            c.index = r.u32be();
            c.data = r.rest();
            c.update_id = (op >> 2) & 7;
            if (!r.ok() || !c.sign(ctl)) break;
            zfuzz::require(c.verify(ctl));
            auto out = as.add(c, ctl, now);
            zfuzz::require(out.status != ConfigAssembler::Status::bad_signature);
            check(as, out, c.total_length);
            break;
        }
        case 3: {
            Reader r{bytes};
            now += r.u16be();
            as.expire(now);
            break;
        }
        }
    }
    return 0;
}

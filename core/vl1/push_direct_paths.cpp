// PUSH_DIRECT_PATHS payload codec (spec §5.14). Layout in push_direct_paths.hpp.
#include "core/vl1/push_direct_paths.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl1 {

namespace {

constexpr uint8_t kTypeV4 = 4;
constexpr uint8_t kTypeV6 = 6;
constexpr uint8_t kLengthV4 = 4 + 2;
constexpr uint8_t kLengthV6 = 16 + 2;

// One record; nullopt (reader still ok) for a skipped address type.
std::optional<DirectPath> read_record(Reader& r) {
    DirectPath p;
    p.flags = r.u8();
    r.skip(r.u16be());  // extension data
    const uint8_t type = r.u8();
    const uint8_t len = r.u8();
    if ((type == kTypeV4 && len != kLengthV4) || (type == kTypeV6 && len != kLengthV6)) r.fail();
    if (type != kTypeV4 && type != kTypeV6) {
        r.skip(len);
        return std::nullopt;
    }
    auto ip = r.bytes(len - 2u);
    const uint16_t port = r.u16be();
    if (!r.ok()) return std::nullopt;
    std::array<uint8_t, 16> b{};
    for (size_t i = 0; i < ip.size(); ++i) b[i] = ip[i];
    p.endpoint = type == kTypeV4 ? Endpoint::v4({b[0], b[1], b[2], b[3]}, port) : Endpoint::v6(b, port);
    return p;
}

}  // namespace

std::optional<PushDirectPaths> PushDirectPaths::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    PushDirectPaths m;
    const uint16_t n = r.u16be();
    for (size_t i = 0; i < n && r.ok(); ++i) {
        auto p = read_record(r);
        if (p && m.count < kMaxPaths) m.paths[m.count++] = *p;
    }
    if (!r.ok() || !r.at_end()) return std::nullopt;
    return m;
}

void PushDirectPaths::serialize(Writer& w) const {
    const size_t n = count < kMaxPaths ? count : kMaxPaths;
    w.u16be(uint16_t(n));
    for (size_t i = 0; i < n; ++i) {
        const Endpoint& e = paths[i].endpoint;
        const bool v6 = e.family == Endpoint::Family::v6;
        w.u8(paths[i].flags);
        w.u16be(0);  // no extension data
        w.u8(v6 ? kTypeV6 : kTypeV4);
        w.u8(v6 ? kLengthV6 : kLengthV4);
        w.bytes(std::span<const uint8_t>(e.ip.data(), v6 ? 16 : 4));
        w.u16be(e.port);
    }
}

}  // namespace zt::vl1

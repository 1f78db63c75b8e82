// HELLO payload codec (spec §5.2). Layout in hello.hpp.
#include "core/vl1/hello.hpp"

#include "core/protocol.hpp"
#include "core/wire/packet.hpp"
#include "core/wire/reader.hpp"

namespace zt::vl1 {

namespace {

// Reads the fields up to (not including) the moon section. The identity on the wire is
// always the public form; the secret-length byte is checked before Identity::parse so a
// hostile "secret" is never copied.
bool read_head(Reader& r, Hello& h) {
    h.protocol_version = r.u8();
    h.version_major = r.u8();
    h.version_minor = r.u8();
    h.version_revision = r.u16be();
    h.timestamp_ms = UnixMs(r.u64be());
    Reader probe = r;
    probe.skip(wire::kIdentityPublicLength - 1);
    if (probe.u8() != 0) r.fail();
    if (!r.ok()) return false;
    auto id = Identity::parse(r);
    if (!r.ok() || !id) return false;
    h.identity = std::move(*id);
    if (!r.at_end()) h.destination = wire::InetAddress::read(r);
    if (r.remaining() >= 16) {
        WorldRef p;
        p.id = r.u64be();
        p.timestamp_ms = r.u64be();
        h.planet = p;
    }
    return r.ok();
}

}  // namespace

std::optional<Hello> Hello::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    Hello h;
    if (!read_head(r, h)) return std::nullopt;
    if (!r.at_end()) {
        h.has_moon_section = true;
        const uint16_t n = r.u16be();
        for (size_t i = 0; i < n && r.ok(); ++i) {
            MoonRef m;
            m.type = r.u8();
            m.world.id = r.u64be();
            m.world.timestamp_ms = r.u64be();
            if (h.moon_count < kMaxMoons) h.moons[h.moon_count++] = m;
        }
    }
    // Trailing bytes after the moons are tolerated (fields a newer sender may append).
    if (!r.ok()) return std::nullopt;
    return h;
}

void Hello::serialize(Writer& w) const {
    w.u8(protocol_version);
    w.u8(version_major);
    w.u8(version_minor);
    w.u16be(version_revision);
    w.u64be(uint64_t(timestamp_ms));
    identity.serialize(w, false);
    const bool want_planet = planet || has_moon_section;
    const bool want_destination = destination || want_planet;
    if (want_destination) destination.value_or(wire::InetAddress{}).serialize(w);
    if (want_planet) {
        const WorldRef p = planet.value_or(WorldRef{});
        w.u64be(p.id);
        w.u64be(p.timestamp_ms);
    }
    if (has_moon_section) {
        const size_t n = moon_count < kMaxMoons ? moon_count : kMaxMoons;
        w.u16be(uint16_t(n));
        for (size_t i = 0; i < n; ++i) {
            w.u8(moons[i].type);
            w.u64be(moons[i].world.id);
            w.u64be(moons[i].world.timestamp_ms);
        }
    }
}

std::optional<size_t> Hello::moon_section_offset(std::span<const uint8_t> payload) {
    Reader r{payload};
    Hello h;
    if (!read_head(r, h) || r.at_end()) return std::nullopt;
    return r.pos();
}

bool Hello::apply_crypt_field(std::span<uint8_t> pkt, const SymmetricKey& key) {
    if (pkt.size() < kPacketIdxPayload) return false;
    auto at = moon_section_offset(pkt.subspan(kPacketIdxPayload));
    if (!at) {
        // No moon section is fine (nothing encrypted); a payload that does not parse is not.
        Reader r{pkt.subspan(kPacketIdxPayload)};
        Hello h;
        return read_head(r, h);
    }
    wire::crypt_hello_field(pkt, kPacketIdxPayload + *at, key);
    return true;
}

}  // namespace zt::vl1

// OK prefix and the OK(HELLO), OK(WHOIS) bodies (spec §5.1-§5.3). Layouts in ok.hpp.
#include "core/vl1/ok.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl1 {

std::optional<Ok> Ok::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    Ok ok;
    ok.in_re_verb = Verb(r.u8());
    ok.in_re_packet_id = r.u64be();
    ok.body = r.rest();
    if (!r.ok()) return std::nullopt;
    return ok;
}

void Ok::serialize(Writer& w) const {
    w.u8(uint8_t(in_re_verb));
    w.u64be(in_re_packet_id);
    w.bytes(body);
}

std::optional<OkHello> OkHello::parse(std::span<const uint8_t> body) {
    Reader r{body};
    OkHello h;
    h.timestamp_echo_ms = UnixMs(r.u64be());
    h.protocol_version = r.u8();
    h.version_major = r.u8();
    h.version_minor = r.u8();
    h.version_revision = r.u16be();
    if (!r.ok()) return std::nullopt;
    if (!r.at_end()) h.source = wire::InetAddress::read(r);
    if (r.remaining() >= 2) h.worlds = r.bytes(r.u16be());
    // Trailing bytes are tolerated, as upstream does.
    if (!r.ok()) return std::nullopt;
    return h;
}

void OkHello::serialize(Writer& w) const {
    w.u64be(uint64_t(timestamp_echo_ms));
    w.u8(protocol_version);
    w.u8(version_major);
    w.u8(version_minor);
    w.u16be(version_revision);
    if (source || worlds) source.value_or(wire::InetAddress{}).serialize(w);
    if (worlds) {
        if (worlds->size() > 0xffff) {
            (void)w.reserve(w.capacity() + 1);  // cannot be encoded: fail the writer (w.ok() false)
            return;
        }
        w.u16be(uint16_t(worlds->size()));
        w.bytes(*worlds);
    }
}

std::optional<OkWhois> OkWhois::parse(std::span<const uint8_t> body) {
    Reader r{body};
    Reader probe = r;  // public form only: check the secret length before parsing
    probe.skip(wire::kIdentityPublicLength - 1);
    if (probe.u8() != 0) return std::nullopt;
    auto id = Identity::parse(r);
    if (!r.ok() || !id) return std::nullopt;
    OkWhois o;
    o.identity = std::move(*id);
    o.more = r.rest();
    return o;
}

void OkWhois::serialize(Writer& w) const {
    identity.serialize(w, false);
    w.bytes(more);
}

}  // namespace zt::vl1

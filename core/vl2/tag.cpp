// Tag codec and signature (spec §8.8). Layout in tag.hpp.
#include "core/vl2/tag.hpp"

namespace zt::vl2 {

std::optional<Tag> Tag::parse(Reader& r) {
    Tag t;
    t.nwid = NetworkId{r.u64be()};
    t.timestamp = UnixMs(r.u64be());
    t.id = r.u32be();
    t.value = r.u32be();
    t.issued_to = Address(r.u40be());
    t.signed_by = Address(r.u40be());
    read_signature_block(r, t.signature);
    skip_extension(r);
    if (!r.ok()) return std::nullopt;
    return t;
}

std::optional<Tag> Tag::parse(std::span<const uint8_t> in) {
    Reader r{in};
    auto t = parse(r);
    if (!t || !r.at_end()) return std::nullopt;
    return t;
}

void Tag::write_signed_fields(Writer& w) const {
    w.u64be(nwid.value);
    w.u64be(uint64_t(timestamp));
    w.u32be(id);
    w.u32be(value);
    w.u40be(issued_to.value());
    w.u40be(signed_by.value());
}

void Tag::serialize(Writer& w) const {
    write_signed_fields(w);
    write_signature_block(w, signature);
    w.u16be(0);
}

bool Tag::sign(const Identity& controller) {
    if (!controller.has_secret()) return false;
    signed_by = controller.address();
    return sign_for(controller, [this](Writer& w) { write_signed_fields(w); }, signature);
}

bool Tag::verify(const Identity& controller) const {
    if (signed_by.is_zero() || signed_by != nwid.controller() || controller.address() != signed_by) return false;
    return verify_for(controller, [this](Writer& w) { write_signed_fields(w); }, signature);
}

}  // namespace zt::vl2

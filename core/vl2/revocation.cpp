// Revocation codec and signature (spec §8.8). Layout in revocation.hpp.
#include "core/vl2/revocation.hpp"

namespace zt::vl2 {

std::optional<Revocation> Revocation::parse(Reader& r) {
    Revocation v;
    r.skip(4);  // reserved
    v.id = r.u32be();
    v.nwid = NetworkId{r.u64be()};
    r.skip(4);  // reserved
    v.credential_id = r.u32be();
    v.threshold = UnixMs(r.u64be());
    v.flags = r.u64be();
    v.target = Address(r.u40be());
    v.signed_by = Address(r.u40be());
    v.type = CredentialType(r.u8());
    read_signature_block(r, v.signature);
    skip_extension(r);
    if (!r.ok()) return std::nullopt;
    return v;
}

std::optional<Revocation> Revocation::parse(std::span<const uint8_t> in) {
    Reader r{in};
    auto v = parse(r);
    if (!v || !r.at_end()) return std::nullopt;
    return v;
}

void Revocation::write_signed_fields(Writer& w) const {
    w.u32be(0);
    w.u32be(id);
    w.u64be(nwid.value);
    w.u32be(0);
    w.u32be(credential_id);
    w.u64be(uint64_t(threshold));
    w.u64be(flags);
    w.u40be(target.value());
    w.u40be(signed_by.value());
    w.u8(uint8_t(type));
}

void Revocation::serialize(Writer& w) const {
    write_signed_fields(w);
    write_signature_block(w, signature);
    w.u16be(0);
}

bool Revocation::sign(const Identity& controller) {
    if (!controller.has_secret()) return false;
    signed_by = controller.address();
    return sign_for(controller, [this](Writer& w) { write_signed_fields(w); }, signature);
}

bool Revocation::verify(const Identity& controller) const {
    if (signed_by.is_zero() || signed_by != nwid.controller() || controller.address() != signed_by) return false;
    return verify_for(controller, [this](Writer& w) { write_signed_fields(w); }, signature);
}

}  // namespace zt::vl2

// Certificate of Ownership codec, signature and ownership checks (spec §8.8). Layout in coo.hpp.
#include "core/vl2/coo.hpp"

#include <algorithm>

namespace zt::vl2 {

std::optional<CertificateOfOwnership> CertificateOfOwnership::parse(Reader& r) {
    CertificateOfOwnership c;
    c.nwid = NetworkId{r.u64be()};
    c.timestamp = UnixMs(r.u64be());
    c.flags = r.u64be();
    c.id = r.u32be();
    const uint16_t n = r.u16be();
    if (n > kMaxThings) r.fail();
    for (size_t i = 0; i < n && r.ok(); ++i) {
        Thing t;
        t.type = ThingType(r.u8());
        auto v = r.bytes(kThingValueLength);
        if (v.size() == kThingValueLength) std::copy(v.begin(), v.end(), t.value.begin());
        c.things.push_back(t);
    }
    c.issued_to = Address(r.u40be());
    c.signed_by = Address(r.u40be());
    read_signature_block(r, c.signature);
    skip_extension(r);
    if (!r.ok()) return std::nullopt;
    return c;
}

std::optional<CertificateOfOwnership> CertificateOfOwnership::parse(std::span<const uint8_t> in) {
    Reader r{in};
    auto c = parse(r);
    if (!c || !r.at_end()) return std::nullopt;
    return c;
}

void CertificateOfOwnership::write_signed_fields(Writer& w) const {
    if (things.size() > kMaxThings) {
        w.fail();
        return;
    }
    w.u64be(nwid.value);
    w.u64be(uint64_t(timestamp));
    w.u64be(flags);
    w.u32be(id);
    w.u16be(uint16_t(things.size()));
    for (const Thing& t : things) {
        w.u8(uint8_t(t.type));
        w.bytes(t.value);
    }
    w.u40be(issued_to.value());
    w.u40be(signed_by.value());
}

void CertificateOfOwnership::serialize(Writer& w) const {
    write_signed_fields(w);
    write_signature_block(w, signature);
    w.u16be(0);
}

bool CertificateOfOwnership::sign(const Identity& controller) {
    if (!controller.has_secret() || things.size() > kMaxThings) return false;
    signed_by = controller.address();
    return sign_for(controller, [this](Writer& w) { write_signed_fields(w); }, signature);
}

bool CertificateOfOwnership::verify(const Identity& controller) const {
    if (signed_by.is_zero() || signed_by != nwid.controller() || controller.address() != signed_by) return false;
    return verify_for(controller, [this](Writer& w) { write_signed_fields(w); }, signature);
}

bool CertificateOfOwnership::add_mac(Mac mac) {
    if (things.size() >= kMaxThings) return false;
    Thing t;
    t.type = ThingType::mac;
    const auto b = mac.bytes();
    std::copy(b.begin(), b.end(), t.value.begin());
    things.push_back(t);
    return true;
}

bool CertificateOfOwnership::add_ip(const Endpoint& ip) {
    if (things.size() >= kMaxThings) return false;
    Thing t;
    switch (ip.family) {
    case Endpoint::Family::v4:
        t.type = ThingType::ipv4;
        std::copy_n(ip.ip.begin(), 4, t.value.begin());
        break;
    case Endpoint::Family::v6:
        t.type = ThingType::ipv6;
        t.value = ip.ip;
        break;
    case Endpoint::Family::none:
        return false;
    }
    things.push_back(t);
    return true;
}

bool CertificateOfOwnership::owns(ThingType type, std::span<const uint8_t> value) const {
    return std::any_of(things.begin(), things.end(), [&](const Thing& t) {
        return t.type == type && std::equal(value.begin(), value.end(), t.value.begin());
    });
}

bool CertificateOfOwnership::owns_mac(Mac mac) const {
    const auto b = mac.bytes();
    return owns(ThingType::mac, b);
}

bool CertificateOfOwnership::owns_ip(const Endpoint& ip) const {
    switch (ip.family) {
    case Endpoint::Family::v4: return owns(ThingType::ipv4, std::span<const uint8_t>(ip.ip.data(), 4));
    case Endpoint::Family::v6: return owns(ThingType::ipv6, ip.ip);
    case Endpoint::Family::none: return false;
    }
    return false;
}

}  // namespace zt::vl2

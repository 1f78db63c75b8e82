// MULTICAST_GATHER request and OK(MULTICAST_GATHER) body codecs (spec §5.12). Layouts in
// multicast_gather.hpp.
#include "core/vl2/multicast_gather.hpp"

namespace zt::vl2 {

GatherResults GatherResults::read(Reader& r) {
    GatherResults g;
    g.total_known = r.u32be();
    const uint16_t n = r.u16be();
    if (r.remaining() < size_t(n) * 5) r.fail();
    if (!r.ok()) return GatherResults{};
    g.members.reserve(n);
    for (size_t i = 0; i < n; ++i) g.members.push_back(Address(r.u40be()));
    return g;
}

void GatherResults::serialize(Writer& w) const {
    if (members.size() > 0xffff) {
        w.fail();
        return;
    }
    w.u32be(total_known);
    w.u16be(uint16_t(members.size()));
    for (Address a : members) w.u40be(a.value());
}

std::optional<MulticastGather> MulticastGather::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    MulticastGather g;
    g.nwid = NetworkId{r.u64be()};
    g.flags = r.u8();
    g.group_mac = Mac(r.u48be());
    g.group_adi = r.u32be();
    g.gather_limit = r.u32be();
    if (!r.ok()) return std::nullopt;
    if (g.flags & kFlagCom) {
        Reader c = r;  // a bad COM is dropped, not the request
        g.com = CertificateOfMembership::parse(c);
    }
    return g;
}

void MulticastGather::serialize(Writer& w) const {
    w.u64be(nwid.value);
    w.u8(com ? uint8_t(flags | kFlagCom) : uint8_t(flags & ~kFlagCom));
    w.u48be(group_mac.value());
    w.u32be(group_adi);
    w.u32be(gather_limit);
    if (com) com->serialize(w);
}

std::optional<OkMulticastGather> OkMulticastGather::parse(std::span<const uint8_t> body) {
    Reader r{body};
    OkMulticastGather o;
    o.nwid = NetworkId{r.u64be()};
    o.group_mac = Mac(r.u48be());
    o.group_adi = r.u32be();
    o.results = GatherResults::read(r);
    if (!r.ok()) return std::nullopt;
    return o;
}

void OkMulticastGather::serialize(Writer& w) const {
    w.u64be(nwid.value);
    w.u48be(group_mac.value());
    w.u32be(group_adi);
    results.serialize(w);
}

}  // namespace zt::vl2

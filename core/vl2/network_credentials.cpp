// NETWORK_CREDENTIALS payload codec (spec §5.9). Layout in network_credentials.hpp.
#include "core/vl2/network_credentials.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl2 {

namespace {

// <[2] count> <count credentials of type T>; clears r.ok() if malformed or over kMaxPerSection.
template <class T>
void read_section(Reader& r, std::vector<T>& out) {
    const uint16_t n = r.u16be();
    if (n > NetworkCredentials::kMaxPerSection) r.fail();
    for (size_t i = 0; i < n && r.ok(); ++i) {
        auto x = T::parse(r);
        if (!x) r.fail();
        else out.push_back(std::move(*x));
    }
}

template <class T>
void write_section(Writer& w, const std::vector<T>& in) {
    if (in.size() > NetworkCredentials::kMaxPerSection) {
        w.fail();
        return;
    }
    w.u16be(uint16_t(in.size()));
    for (const T& x : in) x.serialize(w);
}

}  // namespace

std::optional<NetworkCredentials> NetworkCredentials::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    NetworkCredentials c;
    while (r.ok() && !r.at_end()) {
        Reader peek = r;
        if (peek.u8() == 0) {
            r.skip(1);  // the end of the COM list
            break;
        }
        if (c.coms.size() == kMaxComs) return std::nullopt;
        auto com = CertificateOfMembership::parse(r);
        if (!com) return std::nullopt;
        c.coms.push_back(std::move(*com));
    }
    if (r.ok() && !r.at_end()) read_section(r, c.capabilities);
    if (r.ok() && !r.at_end()) read_section(r, c.tags);
    if (r.ok() && !r.at_end()) read_section(r, c.revocations);
    if (r.ok() && !r.at_end()) read_section(r, c.coos);
    if (!r.ok()) return std::nullopt;
    return c;
}

void NetworkCredentials::serialize(Writer& w) const {
    if (coms.size() > kMaxComs) {
        w.fail();
        return;
    }
    for (const auto& com : coms) com.serialize(w);
    w.u8(0);
    write_section(w, capabilities);
    write_section(w, tags);
    write_section(w, revocations);
    write_section(w, coos);
}

}  // namespace zt::vl2

// libFuzzer target: the VL2 credentials (spec §8.6, §8.8) and NETWORK_CREDENTIALS (§5.9).
// Every codec runs on the whole input; what parses re-serializes, parses again and
// re-serializes to the same bytes. Signatures are checked with the captured controller's key
// when the input names it as signer.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/vl2/capability.hpp"
#include "core/vl2/com.hpp"
#include "core/vl2/coo.hpp"
#include "core/vl2/network_credentials.hpp"
#include "core/vl2/revocation.hpp"
#include "core/vl2/tag.hpp"
#include "fuzz_common.hpp"

using namespace zt;
using namespace zt::vl2;

namespace {

// A signature block of another type grows to 99 bytes when written back: room for that.
template <class T>
void round_trip_large(const T& msg) {
    static std::array<uint8_t, size_t(1) << 20> a, b;
    Writer wa{std::span<uint8_t>(a)};
    msg.serialize(wa);
    zfuzz::require(wa.ok());
    auto again = T::parse(wa.written());
    zfuzz::require(again.has_value());
    Writer wb{std::span<uint8_t>(b)};
    again->serialize(wb);
    zfuzz::require(wb.ok() && wb.size() == wa.size());
    for (size_t i = 0; i < wa.size(); ++i) zfuzz::require(a[i] == b[i]);
}

template <class T>
std::optional<T> try_codec(std::span<const uint8_t> in) {
    auto x = T::parse(in);
    if (x) round_trip_large(*x);
    return x;
}

// No credential verifies with the nil identity; one claiming the captured controller as
// signer is checked with its key, and verifies only for one of its networks.
template <class T>
void check_verify(const T& x, Address signed_by, NetworkId nwid) {
    static const Identity ctl = zfuzz::load_capture_identity("ctl").public_only();
    zfuzz::require(!x.verify(Identity{}));
    if (signed_by == ctl.address() && x.verify(ctl)) zfuzz::require(nwid.controller() == ctl.address());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::span<const uint8_t> in(data, size);
    if (auto com = try_codec<CertificateOfMembership>(in)) {
        check_verify(*com, com->signed_by(), com->network_id());
        zfuzz::require(com->qualifiers().size() <= CertificateOfMembership::kMaxQualifiers);
        // Agreement is symmetric in what it reads: it never crashes on either side.
        (void)com->agrees_with(*com, Identity{});
    }
    if (auto t = try_codec<Tag>(in)) check_verify(*t, t->signed_by, t->nwid);
    if (auto c = try_codec<CertificateOfOwnership>(in)) {
        check_verify(*c, c->signed_by, c->nwid);
        zfuzz::require(c->things.size() <= CertificateOfOwnership::kMaxThings);
        (void)c->owns_ip(Endpoint::v4({10, 147, 17, 11}, 0));
    }
    if (auto v = try_codec<Revocation>(in)) check_verify(*v, v->signed_by, v->nwid);
    if (auto c = try_codec<Capability>(in); c && !c->custody().empty())
        check_verify(*c, c->custody().front().from, c->network());
    if (auto n = try_codec<NetworkCredentials>(in)) {
        zfuzz::require(n->coms.size() <= NetworkCredentials::kMaxComs);
        for (const auto& com : n->coms) (void)com.agrees_with(n->coms.front(), Identity{});
    }
    return 0;
}

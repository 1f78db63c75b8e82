// What the signed VL2 credentials share (spec §8.8): the signature block, the "forSign" frame
// the controller signs, and the credential type numbers. Capability, Tag, Revocation and
// Certificate of Ownership use these; the COM (§8.6) signs its qualifiers instead.
//
//   signature block:  <[1] type: 1 = C25519> <[2] length: 96> <[96] signature>
//                     (another type: <[1] type> <[2] length L> <[L] skipped>; it never verifies)
//   forSign frame:    <[8] 7f x 8> <signed fields> <[2] 0: extension length> <[8] 7f x 8>
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/identity.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

inline constexpr uint64_t kForSignMarker = 0x7f7f7f7f7f7f7f7fULL;
inline constexpr uint8_t kSignatureTypeC25519 = 1;
inline constexpr size_t kSignatureLength = 96;
using Signature = std::array<uint8_t, kSignatureLength>;

// Revocation's credential type field and the kinds a node keeps per peer.
enum class CredentialType : uint8_t {
    null = 0,
    com = 1,
    capability = 2,
    tag = 3,
    coo = 4,
    revocation = 6,
};

// Reads a signature block into `sig`. A block of another type is skipped and `sig` left zero
// (all-zero never verifies); a C25519 block whose length is not 96 clears r.ok().
inline void read_signature_block(Reader& r, Signature& sig) {
    sig.fill(0);
    const uint8_t type = r.u8();
    const uint16_t len = r.u16be();
    if (type != kSignatureTypeC25519) {
        r.skip(len);
        return;
    }
    if (len != kSignatureLength) {
        r.fail();
        return;
    }
    auto s = r.bytes(kSignatureLength);
    if (s.size() == kSignatureLength) std::copy(s.begin(), s.end(), sig.begin());
}

inline void write_signature_block(Writer& w, const Signature& sig) {
    w.u8(kSignatureTypeC25519);
    w.u16be(uint16_t(kSignatureLength));
    w.bytes(sig);
}

// The trailing <[2] extension length> <[...] extension> every credential ends with: skipped.
inline void skip_extension(Reader& r) { r.skip(r.u16be()); }

// Largest forSign message of any credential (a capability with 64 rules of up to 21 bytes).
inline constexpr size_t kMaxForSignBytes = 4096;

// Builds the forSign frame around what `write_fields(Writer&)` writes and signs it with
// `signer` (which must hold its secret). Returns false if the fields do not fit.
template <class WriteFields>
bool sign_for(const Identity& signer, WriteFields&& write_fields, Signature& out) {
    std::array<uint8_t, kMaxForSignBytes> buf;
    Writer w(buf);
    w.u64be(kForSignMarker);
    write_fields(w);
    w.u16be(0);
    w.u64be(kForSignMarker);
    if (!w.ok() || !signer.has_secret()) return false;
    out = signer.sign(w.written());
    return true;
}

// Verifies `sig` over the forSign frame of `write_fields` with `signer`'s public key.
template <class WriteFields>
bool verify_for(const Identity& signer, WriteFields&& write_fields, const Signature& sig) {
    std::array<uint8_t, kMaxForSignBytes> buf;
    Writer w(buf);
    w.u64be(kForSignMarker);
    write_fields(w);
    w.u16be(0);
    w.u64be(kForSignMarker);
    return w.ok() && signer.verify(w.written(), sig);
}

}  // namespace zt::vl2

// Certificate of Membership (spec §8.6): the controller-signed qualifiers that let two members
// of a private network recognise each other (§8.7 gate), their issuing, signature and agreement.
//
//   <[1] 0x01> <[2] qualifier count Q (max 8)> <Q x (<[8] id> <[8] value> <[8] max delta>)>
//   <[5] signer address> [<[96] C25519 signature over the Q x 24 qualifier bytes> if signer != 0]
//
// Qualifiers are sorted by id: 0 timestamp (ms, max delta = ctmd), 1 network id (0),
// 2 issued-to address (2^64-1), 3..6 SHA-384(address ‖ public key) as four big-endian words.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/vl2/credential.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

class CertificateOfMembership {
public:
    static constexpr uint8_t kFormat = 0x01;
    static constexpr size_t kMaxQualifiers = 8;
    static constexpr size_t kQualifierLength = 24;
    static constexpr size_t kMinLength = 1 + 2 + 5;  // no qualifiers, unsigned
    // Qualifier ids (upstream's COM_RESERVED_ID_*); 3..6 carry the identity hash.
    static constexpr uint64_t kIdTimestamp = 0;
    static constexpr uint64_t kIdNetworkId = 1;
    static constexpr uint64_t kIdIssuedTo = 2;
    static constexpr uint64_t kIdIdentityHashFirst = 3;
    static constexpr uint64_t kIdIdentityHashLast = 6;

    struct Qualifier {
        uint64_t id = 0;
        uint64_t value = 0;
        uint64_t max_delta = 0;
        friend bool operator==(const Qualifier&, const Qualifier&) = default;
    };

    // One COM at r's position; clears r.ok() on a wrong format byte, more than 8 qualifiers,
    // ids out of order or truncation. Equal ids in a row are accepted, as upstream does.
    static std::optional<CertificateOfMembership> parse(Reader& r);
    // Exactly one COM filling `in`.
    static std::optional<CertificateOfMembership> parse(std::span<const uint8_t> in);
    void serialize(Writer& w) const;

    // The 7 qualifiers a 1.14 controller issues (§8.6), unsigned.
    static CertificateOfMembership issue(NetworkId nwid, UnixMs timestamp, uint64_t max_delta_ms,
                                         const Identity& member);
    // Signs the qualifiers; false (and left unsigned) if `controller` has no secret.
    bool sign(const Identity& controller);
    // True iff signed by the network's controller (nwid >> 24), `controller` is that
    // identity, and the signature verifies.
    bool verify(const Identity& controller) const;
    // §8.6 agreement of my COM with the COM `their_identity` presented: every qualifier of
    // mine is present in theirs within my max delta (unsigned), and if mine carries ids
    // 3..6 theirs carries their identity's hash words.
    bool agrees_with(const CertificateOfMembership& theirs, const Identity& their_identity) const;

    // The first qualifier with that id, or 0.
    UnixMs timestamp() const { return UnixMs(value_of(kIdTimestamp)); }
    NetworkId network_id() const { return NetworkId{value_of(kIdNetworkId)}; }
    Address issued_to() const { return Address(value_of(kIdIssuedTo)); }
    // The timestamp qualifier's max delta (the network's ctmd).
    uint64_t max_delta() const;

    bool empty() const { return count_ == 0; }
    bool is_signed() const { return !signed_by_.is_zero(); }
    Address signed_by() const { return signed_by_; }
    const Signature& signature() const { return signature_; }
    std::span<const Qualifier> qualifiers() const { return {qualifiers_.data(), count_}; }

    // Appends a qualifier (ids must stay in order); false if full or out of order.
    bool add_qualifier(const Qualifier& q);

    friend bool operator==(const CertificateOfMembership& a, const CertificateOfMembership& b);

private:
    uint64_t value_of(uint64_t id) const;
    void write_qualifiers(Writer& w) const;

    std::array<Qualifier, kMaxQualifiers> qualifiers_{};
    size_t count_ = 0;
    Address signed_by_;
    Signature signature_{};
};

// The four big-endian words of SHA-384(address[5] ‖ public key[64]) (§8.6 ids 3..6).
std::array<uint64_t, 4> identity_hash_words(const Identity& id);

}  // namespace zt::vl2

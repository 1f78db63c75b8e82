// Certificate of Membership codec, issuing, signature and agreement (spec §8.6). Layout in com.hpp.
#include "core/vl2/com.hpp"

#include <algorithm>

#include "core/crypto/sha.hpp"

namespace zt::vl2 {

namespace {

constexpr uint64_t kAnyValue = ~uint64_t(0);  // max delta of the issued-to and hash qualifiers

}  // namespace

std::array<uint64_t, 4> identity_hash_words(const Identity& id) {
    crypto::Sha384 h;
    const auto addr = id.address().bytes();
    h.update(addr);
    h.update(id.public_key());
    const crypto::Sha384Digest d = h.finish();
    std::array<uint64_t, 4> words{};
    Reader r{d};
    for (auto& w : words) w = r.u64be();
    return words;
}

std::optional<CertificateOfMembership> CertificateOfMembership::parse(Reader& r) {
    CertificateOfMembership c;
    if (r.u8() != kFormat) r.fail();
    const uint16_t q = r.u16be();
    if (q > kMaxQualifiers) r.fail();
    for (size_t i = 0; i < q && r.ok(); ++i) {
        Qualifier x;
        x.id = r.u64be();
        x.value = r.u64be();
        x.max_delta = r.u64be();
        if (!c.add_qualifier(x)) r.fail();
    }
    c.signed_by_ = Address(r.u40be());
    if (c.is_signed()) {
        auto s = r.bytes(kSignatureLength);
        if (s.size() == kSignatureLength) std::copy(s.begin(), s.end(), c.signature_.begin());
    }
    if (!r.ok()) return std::nullopt;
    return c;
}

std::optional<CertificateOfMembership> CertificateOfMembership::parse(std::span<const uint8_t> in) {
    Reader r{in};
    auto c = parse(r);
    if (!c || !r.at_end()) return std::nullopt;
    return c;
}

void CertificateOfMembership::write_qualifiers(Writer& w) const {
    for (const Qualifier& q : qualifiers()) {
        w.u64be(q.id);
        w.u64be(q.value);
        w.u64be(q.max_delta);
    }
}

void CertificateOfMembership::serialize(Writer& w) const {
    w.u8(kFormat);
    w.u16be(uint16_t(count_));
    write_qualifiers(w);
    w.u40be(signed_by_.value());
    if (is_signed()) w.bytes(signature_);
}

bool CertificateOfMembership::add_qualifier(const Qualifier& q) {
    if (count_ == kMaxQualifiers) return false;
    if (count_ > 0 && q.id < qualifiers_[count_ - 1].id) return false;
    qualifiers_[count_++] = q;
    return true;
}

CertificateOfMembership CertificateOfMembership::issue(NetworkId nwid, UnixMs timestamp, uint64_t max_delta_ms,
                                                       const Identity& member) {
    CertificateOfMembership c;
    c.add_qualifier({kIdTimestamp, uint64_t(timestamp), max_delta_ms});
    c.add_qualifier({kIdNetworkId, nwid.value, 0});
    c.add_qualifier({kIdIssuedTo, member.address().value(), kAnyValue});
    const auto words = identity_hash_words(member);
    for (size_t i = 0; i < words.size(); ++i) c.add_qualifier({kIdIdentityHashFirst + i, words[i], kAnyValue});
    return c;
}

bool CertificateOfMembership::sign(const Identity& controller) {
    std::array<uint8_t, kMaxQualifiers * kQualifierLength> buf;
    Writer w(buf);
    write_qualifiers(w);
    if (!w.ok() || !controller.has_secret()) return false;
    signature_ = controller.sign(w.written());
    signed_by_ = controller.address();
    return true;
}

bool CertificateOfMembership::verify(const Identity& controller) const {
    if (!is_signed() || signed_by_ != network_id().controller() || controller.address() != signed_by_) return false;
    std::array<uint8_t, kMaxQualifiers * kQualifierLength> buf;
    Writer w(buf);
    write_qualifiers(w);
    return w.ok() && controller.verify(w.written(), signature_);
}

uint64_t CertificateOfMembership::value_of(uint64_t id) const {
    for (const Qualifier& q : qualifiers())
        if (q.id == id) return q.value;
    return 0;
}

uint64_t CertificateOfMembership::max_delta() const {
    for (const Qualifier& q : qualifiers())
        if (q.id == kIdTimestamp) return q.max_delta;
    return 0;
}

bool CertificateOfMembership::agrees_with(const CertificateOfMembership& theirs, const Identity& their_identity) const {
    if (empty() || theirs.empty()) return false;
    // Their value for an id: the last qualifier with it (upstream keeps them in a map).
    auto their_value = [&](uint64_t id) -> std::optional<uint64_t> {
        std::optional<uint64_t> v;
        for (const Qualifier& q : theirs.qualifiers())
            if (q.id == id) v = q.value;
        return v;
    };
    bool identity_hashed = false;
    for (const Qualifier& mine : qualifiers()) {
        if (mine.id >= kIdIdentityHashFirst && mine.id <= kIdIdentityHashLast) identity_hashed = true;
        const auto v = their_value(mine.id);
        if (!v) return false;
        const uint64_t delta = mine.value >= *v ? mine.value - *v : *v - mine.value;
        if (delta > mine.max_delta) return false;
    }
    // A hashed COM of mine means a controller that hashes: theirs must match their identity.
    if (identity_hashed) {
        const auto words = identity_hash_words(their_identity);
        for (size_t i = 0; i < words.size(); ++i)
            if (their_value(kIdIdentityHashFirst + i) != words[i]) return false;
    }
    return true;
}

bool operator==(const CertificateOfMembership& a, const CertificateOfMembership& b) {
    return a.signed_by_ == b.signed_by_ && a.signature_ == b.signature_ &&
           std::equal(a.qualifiers().begin(), a.qualifiers().end(), b.qualifiers().begin(), b.qualifiers().end());
}

}  // namespace zt::vl2

// Capability codec, custody chain signing and verification (spec §8.8). Layout in
// capability.hpp.
#include "core/vl2/capability.hpp"

#include <algorithm>
#include <utility>

namespace zt::vl2 {

Capability Capability::issue(NetworkId nwid, UnixMs timestamp, uint32_t id, std::vector<Rule> rules,
                             uint8_t max_custody) {
    Capability c;
    c.nwid_ = nwid;
    c.timestamp_ = timestamp;
    c.id_ = id;
    if (rules.size() > kMaxCapabilityRules) rules.resize(kMaxCapabilityRules);
    c.rules_ = std::move(rules);
    c.max_custody_ = uint8_t(std::clamp<size_t>(max_custody, 1, kMaxCustodyChainLength));
    return c;
}

std::optional<Capability> Capability::parse(Reader& r) {
    Capability c;
    c.nwid_ = NetworkId{r.u64be()};
    c.timestamp_ = UnixMs(r.u64be());
    c.id_ = r.u32be();
    const uint16_t rule_count = r.u16be();
    if (rule_count > kMaxCapabilityRules) r.fail();
    if (!r.ok() || !read_rules(r, rule_count, c.rules_)) {
        r.fail();
        return std::nullopt;
    }
    c.max_custody_ = r.u8();
    if (c.max_custody_ < 1 || c.max_custody_ > kMaxCustodyChainLength) r.fail();

    // Custody entries until a zero `to`; more entries than the chain allows are malformed.
    while (r.ok()) {
        const Address to{r.u40be()};
        if (to.is_zero()) break;
        if (c.custody_.size() >= c.max_custody_) {
            r.fail();
            break;
        }
        CustodyEntry e;
        e.to = to;
        e.from = Address{r.u40be()};
        read_signature_block(r, e.signature);
        c.custody_.push_back(e);
    }
    skip_extension(r);
    if (!r.ok()) return std::nullopt;
    return c;
}

std::optional<Capability> Capability::parse(std::span<const uint8_t> in) {
    Reader r{in};
    auto c = parse(r);
    if (!c || !r.at_end()) return std::nullopt;
    return c;
}

void Capability::write_signed_fields(Writer& w) const {
    w.u64be(nwid_.value);
    w.u64be(uint64_t(timestamp_));
    w.u32be(id_);
    if (rules_.size() > kMaxCapabilityRules) w.fail();
    w.u16be(uint16_t(rules_.size()));
    write_rules(w, rules_);
    w.u8(max_custody_);
}

void Capability::serialize(Writer& w) const {
    write_signed_fields(w);
    for (const CustodyEntry& e : custody_) {
        w.u40be(e.to.value());
        w.u40be(e.from.value());
        write_signature_block(w, e.signature);
    }
    w.u40be(0);  // end of chain
    w.u16be(0);  // no extension
}

bool Capability::sign(const Identity& signer, Address to) {
    if (custody_.size() >= max_custody_ || to.is_zero()) return false;
    CustodyEntry e;
    e.to = to;
    e.from = signer.address();
    if (!sign_for(signer, [this](Writer& w) { write_signed_fields(w); }, e.signature)) return false;
    custody_.push_back(e);
    return true;
}

CapabilityCheck Capability::verify(const Identity& controller, const IdentityLookup& lookup) const {
    if (max_custody_ < 1 || max_custody_ > kMaxCustodyChainLength) return CapabilityCheck::invalid;
    if (custody_.empty() || custody_.size() > max_custody_) return CapabilityCheck::invalid;
    if (controller.address() != nwid_.controller()) return CapabilityCheck::invalid;

    // Shape first: entry 0 from the controller, entry i from entry i-1's holder.
    for (size_t i = 0; i < custody_.size(); ++i) {
        const CustodyEntry& e = custody_[i];
        const Address expected_from = (i == 0) ? nwid_.controller() : custody_[i - 1].to;
        if (e.to.is_zero() || e.from.is_zero() || e.from != expected_from) return CapabilityCheck::invalid;
    }
    bool unknown = false;
    for (const CustodyEntry& e : custody_) {
        const Identity* signer = (e.from == controller.address()) ? &controller : lookup ? lookup(e.from) : nullptr;
        if (!signer || signer->address() != e.from) {
            unknown = true;
            continue;
        }
        if (!verify_for(*signer, [this](Writer& w) { write_signed_fields(w); }, e.signature))
            return CapabilityCheck::invalid;
    }
    return unknown ? CapabilityCheck::unknown_signer : CapabilityCheck::valid;
}

bool Capability::verify(const Identity& controller) const {
    return verify(controller, IdentityLookup{}) == CapabilityCheck::valid;
}

}  // namespace zt::vl2

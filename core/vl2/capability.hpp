// Capability (spec §8.8): rules a member may use once the base rules give no decision,
// signed by the controller, with a chain of custody (each holder signs it on to the next).
//
//   <[8] network id> <[8] timestamp, ms> <[4] id> <[2] rule count N (<= 64)> <N rules (§8.9)>
//   <[1] max custody chain length, 1..7>
//   { <[5] to> <[5] from> <signature block> }*  <[5] 0000000000: end of chain>
//   <[2] extension length> <[...] extension>
// Every custody signature covers the same forSign message: the fields from the network id
// through the max chain length (credential.hpp). The chain itself, `to` included, is not signed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/vl2/credential.hpp"
#include "core/vl2/rules.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

inline constexpr size_t kMaxCustodyChainLength = 7;  // ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH

struct CustodyEntry {
    Address to;
    Address from;
    Signature signature{};

    friend bool operator==(const CustodyEntry&, const CustodyEntry&) = default;
};

enum class CapabilityCheck : uint8_t {
    valid,
    invalid,         // bad chain shape or a signature that does not verify
    unknown_signer,  // a later holder's identity is not known (yet): ask WHOIS, then retry
};

class Capability {
public:
    // Gives the identity of a custody signer, or nullptr if unknown. The pointer need only
    // stay valid for the duration of the call to verify().
    using IdentityLookup = std::function<const Identity*(Address)>;

    Capability() = default;

    // An unsigned capability. More than 64 rules are cut to 64 and max_custody is brought
    // into 1..7 (0 becomes 1), as 1.14's Capability constructor does.
    static Capability issue(NetworkId nwid, UnixMs timestamp, uint32_t id, std::vector<Rule> rules,
                            uint8_t max_custody);

    // One capability at r's position (the CAP key holds several back to back). Clears
    // r.ok() on truncation, > 64 rules, a malformed rule, a max chain length outside 1..7,
    // more custody entries than it allows, or a C25519 signature block not 96 bytes long.
    static std::optional<Capability> parse(Reader& r);
    // Exactly one capability filling `in`.
    static std::optional<Capability> parse(std::span<const uint8_t> in);
    void serialize(Writer& w) const;

    // Signs the capability over to `to` and appends the custody entry (from = signer).
    // False if the chain is full, `to` is zero or the signer has no secret key.
    bool sign(const Identity& signer, Address to);

    // The whole chain (1.14 Capability::verify): at least one entry, the first from the
    // network's controller, each further one from the previous entry's `to`, every
    // signature valid. `controller` must be the controller of network(); later signers
    // come from `lookup`.
    CapabilityCheck verify(const Identity& controller, const IdentityLookup& lookup) const;
    // Same, knowing only the controller: a chain with a later signer other than the
    // controller is not valid.
    bool verify(const Identity& controller) const;

    NetworkId network() const { return nwid_; }
    UnixMs timestamp() const { return timestamp_; }
    uint32_t id() const { return id_; }
    const std::vector<Rule>& rules() const { return rules_; }
    uint8_t max_custody() const { return max_custody_; }
    std::span<const CustodyEntry> custody() const { return custody_; }
    // The current holder: the last entry's `to` (zero while unsigned).
    Address issued_to() const { return custody_.empty() ? Address() : custody_.back().to; }

    friend bool operator==(const Capability&, const Capability&) = default;

private:
    // The signed fields, network id through max chain length.
    void write_signed_fields(Writer& w) const;

    NetworkId nwid_;
    UnixMs timestamp_ = 0;
    uint32_t id_ = 0;
    std::vector<Rule> rules_;
    uint8_t max_custody_ = 1;
    std::vector<CustodyEntry> custody_;
};

}  // namespace zt::vl2

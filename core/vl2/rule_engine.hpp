// The rules engine (spec §8.9): whether one Ethernet frame may pass, evaluated as ZeroTier One
// 1.14.1 does (Network.cpp _doZtFilter, filterOutgoingPacket, filterIncomingPacket), once at
// the sender (outbound) and once at the receiver (inbound). A pure function of its inputs:
// the caller supplies the rules, the capabilities, the tags, ownership answers and randomness.
//
//   base rules -> accept | drop | redirect | no decision
//   no decision -> each capability in turn: the first that accepts (or redirects) wins;
//                  DROP or BREAK inside a capability ends only that capability
//   nothing accepts -> drop
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/types.hpp"
#include "core/vl2/capability.hpp"
#include "core/vl2/rules.hpp"

namespace zt::vl2 {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

// Config key `f` (§8.5) bit: an unsupported MATCH type yields "match" instead of "no match".
inline constexpr uint64_t kConfigFlagUnsupportedMatchIsMatch = 0x8;

// MATCH_CHARACTERISTICS bits (ZT_RULE_PACKET_CHARACTERISTICS_*); the low 12 are TCP flags
// (FIN 0x001 ... NS 0x100, reserved 0x200..0x800), from TCP header bytes 12-13.
inline constexpr uint64_t kCharacteristicInbound = 0x8000000000000000ULL;
inline constexpr uint64_t kCharacteristicMulticast = 0x4000000000000000ULL;
inline constexpr uint64_t kCharacteristicBroadcast = 0x2000000000000000ULL;
inline constexpr uint64_t kCharacteristicSenderIpAuthenticated = 0x1000000000000000ULL;
inline constexpr uint64_t kCharacteristicSenderMacAuthenticated = 0x0800000000000000ULL;
inline constexpr uint64_t kCharacteristicTcpFlags = 0x0000000000000fffULL;

// ACTION_PRIORITY's bucket when the rule's value is out of range (1.14: buckets 0..8).
inline constexpr uint8_t kQosDefaultBucket = 4;

enum class Direction : uint8_t { outbound, inbound };

// A tag a member holds (spec §8.8), as (id, value). Spans of them are sorted by id.
struct TagValue {
    uint32_t id = 0;
    uint32_t value = 0;
};

// Whether the frame's sender holds a Certificate of Ownership for an address: inbound, the
// COOs the sender presented; outbound, the COOs in our own config. Asked only when a
// MATCH_CHARACTERISTICS rule is evaluated, at most once per address per evaluation.
class SenderOwnership {
public:
    virtual bool owns_ip(std::span<const uint8_t> ip) const = 0;  // 4 (IPv4) or 16 (IPv6) bytes
    virtual bool owns_mac(Mac mac) const = 0;

protected:
    ~SenderOwnership() = default;
};

struct FilterInput {
    Direction direction = Direction::outbound;
    Address self;        // our address: a TEE/WATCH/REDIRECT to us is a no-op or a super-accept
    Address zt_source;   // outbound: us; inbound: the sending peer
    Address zt_dest;     // the ZeroTier destination; zero for an outbound multicast
    Mac mac_source;
    Mac mac_dest;
    uint16_t ether_type = 0;
    std::span<const uint8_t> payload;  // the Ethernet payload, after the 14-byte header
    uint16_t vlan_id = 0;  // 1.14 has no VLANs: all three stay 0
    uint8_t vlan_pcp = 0;
    uint8_t vlan_dei = 0;
    uint64_t config_flags = 0;          // the config's `f` key
    std::span<const TagValue> our_tags;   // sorted by id
    std::span<const TagValue> peer_tags;  // the other member's (inbound: sender, outbound:
                                          // recipient; empty for multicast), sorted by id
    const SenderOwnership* ownership = nullptr;  // nullptr: nothing is authenticated
    uint32_t random = 0;  // MATCH_RANDOM compares this (every RANDOM rule sees the same value)
};

enum class FilterVerdict : uint8_t {
    accept,    // deliver (inbound) or send (outbound)
    drop,
    redirect,  // do not deliver or send as addressed: send to redirect_to instead
};

enum class DecidedBy : uint8_t {
    nothing,      // no rule decided (end of every list, or BREAK): dropped
    base_rules,   // rule_index is in the base rules
    capability,   // rule_index is in capabilities[capability_index]
};

// A TEE (watch = false) or WATCH copy: the first `length` bytes of the payload go to `to`.
struct CopyTarget {
    Address to;
    uint32_t length = 0;
    bool watch = false;

    friend bool operator==(const CopyTarget&, const CopyTarget&) = default;
};

struct FilterResult {
    FilterVerdict verdict = FilterVerdict::drop;
    DecidedBy decided_by = DecidedBy::nothing;
    uint32_t rule_index = 0;        // the rule that decided (for per-rule hit counters)
    uint32_t capability_index = 0;  // which capability, when decided_by == capability
    // Inbound: we are the target of a TEE/WATCH/REDIRECT, so the frame is accepted even
    // though its ZeroTier/MAC destination is not us.
    bool super_accept = false;
    Address redirect_to;  // verdict == redirect
    // Copies to send when the frame is accepted or redirected: the accepting capability's
    // TEE/WATCH first, then the base rules'.
    std::array<CopyTarget, 2> copies{};
    uint8_t copy_count = 0;
    std::optional<uint8_t> qos_bucket;  // set when ACTION_PRIORITY accepted (outbound QoS)

    bool capability_accepted() const { return decided_by == DecidedBy::capability; }
    std::span<const CopyTarget> copy_targets() const { return std::span(copies).first(copy_count); }
};

// True if the list accepts every frame at its first rule without looking at it (the
// default `01 00`); evaluate() checks this before anything else.
inline bool accepts_everything(std::span<const Rule> rules) {
    return !rules.empty() && rules.front().type() == RuleType::action_accept;
}

// Spec §8.9 evaluation. Capabilities are taken in the order given: outbound, the ones in
// our config (ascending id); inbound, the valid ones the sender presented.
FilterResult evaluate(std::span<const Rule> base_rules, std::span<const Capability> capabilities,
                      const FilterInput& in);
// Same, with each capability given as its rule list.
FilterResult evaluate_lists(std::span<const Rule> base_rules,
                            std::span<const std::span<const Rule>> capability_rules, const FilterInput& in);

}  // namespace zt::vl2

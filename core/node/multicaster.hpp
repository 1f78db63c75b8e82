// Who subscribes to which multicast group (spec §6.5): fed by MULTICAST_LIKE, OK(MULTICAST_GATHER)
// and the gather results in OK(MULTICAST_FRAME); kept per (network, group), 600 s per LIKE.
// Also the frames waiting for more recipients while a gather is out (≤ 32 per group, 5 s).
// Roots and controllers keep it for networks they are not members of, to answer gathers.
// Pure bookkeeping: the node sends.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/node/node.hpp"
#include "core/rng.hpp"

namespace zt {

inline constexpr Ticks kMulticastLikeExpireMs = 600000;      // ZT_MULTICAST_LIKE_EXPIRE
inline constexpr Ticks kMulticastAnnouncePeriodMs = 60000;   // ZT_MULTICAST_ANNOUNCE_PERIOD
inline constexpr Ticks kMulticastGatherDelayMs = 60000;      // ZT_MULTICAST_EXPLICIT_GATHER_DELAY
inline constexpr Ticks kMulticastTransmitTimeoutMs = 5000;   // ZT_MULTICAST_TRANSMIT_TIMEOUT
inline constexpr size_t kMulticastTxQueueMax = 32;
inline constexpr size_t kMulticastMaxGroups = 65536;          // groups tracked per node (all networks)
inline constexpr size_t kMulticastMaxMembers = 4096;          // members tracked per group

// A multicast frame sent to the members known when it left, and to members learned within
// 5 s after (from gather replies), up to `limit` recipients.
struct OutboundMulticast {
    Ticks queued = 0;
    uint32_t limit = 0;
    std::vector<Address> sent_to;
    Mac src;
    uint16_t ethertype = 0;
    Bytes payload;  // the Ethernet payload

    bool at_limit() const { return sent_to.size() >= limit; }
};

class Multicaster {
public:
    struct Key {
        uint64_t nwid;
        MulticastGroup group;
        friend auto operator<=>(const Key&, const Key&) = default;
    };
    struct Group {
        std::vector<std::pair<Address, Ticks>> members;  // sorted by address; last LIKE
        Ticks last_explicit_gather = kNever;
        std::deque<OutboundMulticast> tx_queue;
    };

    // A LIKE (or a gather result) from `member`. Returns the queued frames `member` should get
    // now (each marked as sent to it).
    std::vector<const OutboundMulticast*> add(Ticks now, NetworkId nwid, const MulticastGroup& g, Address member);
    void remove(NetworkId nwid, const MulticastGroup& g, Address member);
    // Up to `limit` known members of the group in random order, without `exclude`.
    std::vector<Address> pick(Rng& rng, NetworkId nwid, const MulticastGroup& g, size_t limit, Address exclude) const;
    size_t count(NetworkId nwid, const MulticastGroup& g) const;
    Group& group(NetworkId nwid, const MulticastGroup& g) { return groups_[Key{nwid.value, g}]; }
    // Expires LIKEs (600 s) and queued frames (5 s or at their limit); drops empty groups.
    void clean(Ticks now);
    // Forgets a network's groups (left).
    void forget(NetworkId nwid);

private:
    // Makes room for one more group: drops the one whose newest LIKE is oldest.
    void evict_one();

    std::map<Key, Group> groups_;
};

}  // namespace zt

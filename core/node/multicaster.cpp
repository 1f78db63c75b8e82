// Multicast subscriptions and queued multicast frames (multicaster.hpp, spec §6.5).
#include "core/node/multicaster.hpp"

#include <algorithm>

namespace zt {

std::vector<const OutboundMulticast*> Multicaster::add(Ticks now, NetworkId nwid, const MulticastGroup& g, Address member) {
    std::vector<const OutboundMulticast*> due;
    auto it = groups_.find(Key{nwid.value, g});
    if (it == groups_.end()) {
        if (groups_.size() >= kMulticastMaxGroups) evict_one();  // LIKEs come from anyone on a root
        it = groups_.emplace(Key{nwid.value, g}, Group{}).first;
    }
    Group& gs = it->second;
    auto m = std::lower_bound(gs.members.begin(), gs.members.end(), member,
                              [](const std::pair<Address, Ticks>& e, Address a) { return e.first < a; });
    if (m != gs.members.end() && m->first == member) {
        m->second = now;
    } else {
        if (gs.members.size() >= kMulticastMaxMembers) return due;
        gs.members.insert(m, {member, now});
    }
    for (auto& tx : gs.tx_queue) {
        if (tx.at_limit() || now - tx.queued >= kMulticastTransmitTimeoutMs) continue;
        if (std::find(tx.sent_to.begin(), tx.sent_to.end(), member) != tx.sent_to.end()) continue;
        tx.sent_to.push_back(member);
        due.push_back(&tx);
    }
    return due;
}

void Multicaster::remove(NetworkId nwid, const MulticastGroup& g, Address member) {
    auto it = groups_.find(Key{nwid.value, g});
    if (it == groups_.end()) return;
    std::erase_if(it->second.members, [member](const auto& e) { return e.first == member; });
}

std::vector<Address> Multicaster::pick(Rng& rng, NetworkId nwid, const MulticastGroup& g, size_t limit,
                                       Address exclude) const {
    std::vector<Address> out;
    auto it = groups_.find(Key{nwid.value, g});
    if (it == groups_.end()) return out;
    for (const auto& [a, t] : it->second.members)
        if (a != exclude) out.push_back(a);
    // Fisher-Yates, then keep the first `limit`.
    for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[rng.next_u64() % i]);
    if (out.size() > limit) out.resize(limit);
    return out;
}

size_t Multicaster::count(NetworkId nwid, const MulticastGroup& g) const {
    auto it = groups_.find(Key{nwid.value, g});
    return it == groups_.end() ? 0 : it->second.members.size();
}

void Multicaster::clean(Ticks now) {
    for (auto it = groups_.begin(); it != groups_.end();) {
        Group& gs = it->second;
        std::erase_if(gs.members, [now](const auto& e) { return now - e.second >= kMulticastLikeExpireMs; });
        std::erase_if(gs.tx_queue, [now](const OutboundMulticast& tx) {
            return tx.at_limit() || now - tx.queued >= kMulticastTransmitTimeoutMs;
        });
        if (gs.members.empty() && gs.tx_queue.empty() && now - gs.last_explicit_gather >= kMulticastGatherDelayMs)
            it = groups_.erase(it);
        else
            ++it;
    }
}

void Multicaster::evict_one() {
    auto newest = [](const Group& gs) {
        Ticks t = kNever;
        for (const auto& m : gs.members) t = std::max(t, m.second);
        return t;
    };
    auto victim = groups_.end();
    Ticks oldest = 0;
    for (auto it = groups_.begin(); it != groups_.end(); ++it)
        if (Ticks t = newest(it->second); victim == groups_.end() || t < oldest) {
            victim = it;
            oldest = t;
        }
    if (victim != groups_.end()) groups_.erase(victim);
}

void Multicaster::forget(NetworkId nwid) {
    std::erase_if(groups_, [nwid](const auto& kv) { return kv.first.nwid == nwid.value; });
}

}  // namespace zt

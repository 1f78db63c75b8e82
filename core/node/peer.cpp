// Peer and path bookkeeping (spec §7.5).
#include "core/node/peer.hpp"

#include <algorithm>

namespace zt {

Peer::Peer(Identity id, SymmetricKey key) : id_(std::move(id)), key_(std::move(key)) {}

crypto::AesGmacSiv* Peer::aes() {
    if (!aes_ && !aes_failed_) {
        aes_ = crypto::AesGmacSiv::from_peer_key(key_);
        aes_failed_ = !aes_;
    }
    return aes_ ? &*aes_ : nullptr;
}

Path* Peer::find_path(LocalSocket local, const Endpoint& remote) {
    for (auto& p : paths_)
        if (p.remote == remote && (local == kAnySocket || p.local == kAnySocket || p.local == local)) return &p;
    return nullptr;
}

Path& Peer::learn_path(LocalSocket local, const Endpoint& remote) {
    if (Path* p = find_path(local, remote)) return *p;
    if (paths_.size() >= kMaxPeerPaths) {
        // Replace the least recently heard path, unconfirmed ones first.
        auto victim = std::min_element(paths_.begin(), paths_.end(), [](const Path& a, const Path& b) {
            if (a.confirmed != b.confirmed) return !a.confirmed;
            return a.last_receive < b.last_receive;
        });
        *victim = Path{};
        victim->local = local;
        victim->remote = remote;
        return *victim;
    }
    Path p;
    p.local = local;
    p.remote = remote;
    paths_.push_back(p);
    return paths_.back();
}

const Path* Peer::best_path(Ticks now) const {
    // Alive paths beat silent ones; then lower latency (unknown counts as slow); then the
    // one heard from most recently (spec §7.5 quality, without the scope weighting).
    auto rank = [now](const Path& p) { return std::pair{p.alive(now) ? 0 : 1, p.latency_ms < 0 ? INT32_MAX : p.latency_ms}; };
    const Path* best = nullptr;
    for (const auto& p : paths_) {
        if (!p.confirmed || p.expired(now)) continue;
        if (!best || rank(p) < rank(*best) || (rank(p) == rank(*best) && p.last_receive > best->last_receive)) best = &p;
    }
    return best;
}

void Peer::expire_paths(Ticks now, std::vector<Endpoint>& expired) {
    auto dead = [&](const Path& p) {
        // Unconfirmed paths that never answered go too, once their confirm attempt is old.
        bool stale_new = !p.confirmed && now - std::max(p.last_confirm_attempt, p.last_receive) >= kPathExpirationMs;
        return (p.confirmed && p.expired(now)) || stale_new;
    };
    for (const auto& p : paths_)
        if (dead(p)) expired.push_back(p.remote);
    paths_.erase(std::remove_if(paths_.begin(), paths_.end(), dead), paths_.end());
}

Cipher Peer::send_cipher() const {
    if (kProtoVersion >= 12 && proto_version >= 12) return Cipher::aes_gmac_siv;
    return Cipher::poly1305_salsa2012;
}

}  // namespace zt

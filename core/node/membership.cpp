// Credentials on a network (spec §5.9, §8.6–§8.8): the membership gate, receiving
// NETWORK_CREDENTIALS (COMs, capabilities, tags, revocations, certificates of ownership),
// pushing ours to the members we talk to, and asking for theirs.
#include <algorithm>

#include "core/node/impl.hpp"
#include "core/vl1/error.hpp"
#include "core/vl2/network_credentials.hpp"

namespace zt {

namespace {

constexpr Ticks kCredentialsRequestRateMs = 1000;  // ZT_PEER_CREDENTIALS_REQUEST_RATE_LIMIT
constexpr Ticks kCredentialsReceiveRateMs = 1000;  // ZT_PEER_CREDENTIALS_RATE_LIMIT (per peer)

uint64_t credential_key(vl2::CredentialType t, uint32_t id) { return (uint64_t(uint8_t(t)) << 32) | id; }

uint32_t id_of(const vl2::Capability& c) { return c.id(); }
uint32_t id_of(const vl2::Tag& t) { return t.id; }
uint32_t id_of(const vl2::CertificateOfOwnership& c) { return c.id; }
UnixMs timestamp_of(const vl2::Capability& c) { return c.timestamp(); }
UnixMs timestamp_of(const vl2::Tag& t) { return t.timestamp; }
UnixMs timestamp_of(const vl2::CertificateOfOwnership& c) { return c.timestamp; }

// §8.8: a credential is refused when one with the same id is newer, or a revocation covers it.
template <class C>
bool accept_credential(std::map<uint32_t, C>& held, const std::map<uint64_t, UnixMs>& revocations, vl2::CredentialType type,
                       const C& c) {
    const uint32_t id = id_of(c);
    auto it = held.find(id);
    if (it != held.end() && timestamp_of(it->second) > timestamp_of(c)) return false;
    if (auto r = revocations.find(credential_key(type, id)); r != revocations.end() && r->second >= timestamp_of(c))
        return false;
    held.insert_or_assign(id, c);
    return true;
}

}  // namespace

// §8.8 (upstream _isCredentialTimestampValid): a member's tag, capability or COO counts only
// while its timestamp is within the network's credential window of our configuration's.
bool Membership::current(const vl2::NetworkConfig& ours, UnixMs ts) {
    const int64_t delta = ts >= ours.timestamp ? ts - ours.timestamp : ours.timestamp - ts;
    return delta <= ours.credential_time_max_delta_ms;
}

bool Membership::allowed(const vl2::NetworkConfig& ours, const Identity& theirs) const {
    if (!ours.is_private()) return true;
    if (!com || !ours.com) return false;
    return com->timestamp() > com_revocation_threshold && ours.com->agrees_with(*com, theirs);
}

// §8.7: whether frames from `peer` are admitted on `net`. A member passing the gate gets our
// multicast subscriptions (at most every 60 s).
bool Node::Impl::gate(Network& net, Peer& peer, Ticks now) {
    if (!net.has_config()) return false;
    if (net.is_static) return true;  // every static peer is a member; multicast goes to all of them
    if (net.is_public()) {
        Membership& m = net.members[peer.address()];
        if (now - m.last_multicast_like >= kMulticastAnnouncePeriodMs) announce_groups_to(net, peer.address(), now, m);
        return true;
    }
    auto it = net.members.find(peer.address());
    if (it == net.members.end() || !it->second.allowed(*net.config, peer.identity())) return false;
    if (now - it->second.last_multicast_like >= kMulticastAnnouncePeriodMs) announce_groups_to(net, peer.address(), now, it->second);
    return true;
}

void Node::Impl::send_need_credentials(Peer& peer, const Inbound& in, NetworkId nwid) {
    std::array<uint8_t, 32> buf;
    Writer w(buf);
    vl1::Error err;
    err.in_re_verb = in.header.verb();
    err.in_re_packet_id = in.header.packet_id;
    err.code = ErrorCode::need_membership_certificate;
    err.nwid = nwid;
    err.serialize(w);
    if (w.ok()) send_packet(peer, Verb::error, w.written(), in.now, in.local, in.from, peer.send_cipher());
}

// §8.7: our COM, capabilities, tags and COOs, before frames to `peer` when we have not sent
// them since the last configuration or within 500 s (`requested`: the peer asked, at most once
// a second). Several packets if they do not fit one.
void Node::Impl::push_credentials(Network& net, Peer& peer, Ticks now, bool requested) {
    if (net.is_static || !net.config || !net.config->com) return;
    Membership& m = net.members[peer.address()];
    const bool stale = m.last_pushed_credentials < net.last_config_update;
    if (requested) {
        if (!stale && now - m.last_pushed_credentials < kCredentialsRequestRateMs) return;
    } else if (!stale && now - m.last_pushed_credentials < kPeerActivityTimeoutMs) {
        return;
    }
    m.last_pushed_credentials = now;
    const auto& c = *net.config;
    // Packed by size (the COM in the first packet), as many per packet as fit: a receiver takes
    // one NETWORK_CREDENTIALS per second from a peer, so the first packet should carry
    // everything the configuration has unless it cannot.
    constexpr size_t kRoom = kMaxPacketLength - kPacketMinLength - 64;
    std::vector<uint8_t> scratch(kMaxPacketLength);
    auto size_of = [&](const auto& cred) {
        Writer w(scratch);
        cred.serialize(w);
        return w.ok() ? w.size() : kRoom + 1;
    };
    size_t cap = 0, tag = 0, coo = 0;
    for (bool first = true; first || cap < c.capabilities.size() || tag < c.tags.size() || coo < c.coos.size(); first = false) {
        vl2::NetworkCredentials creds;
        size_t used = 1 + 8;  // the COM terminator and four counts
        if (first) {
            creds.coms.push_back(*c.com);
            used += size_of(*c.com);
        }
        const size_t before = cap + tag + coo;
        auto fill = [&](const auto& list, size_t& at, auto& out) {
            while (at < list.size()) {
                const size_t n = size_of(list[at]);
                if (used + n > kRoom) {
                    if (n > kRoom) ++at;  // can never fit: skip it rather than stall
                    break;
                }
                used += n;
                out.push_back(list[at++]);
            }
        };
        fill(c.capabilities, cap, creds.capabilities);
        fill(c.tags, tag, creds.tags);
        fill(c.coos, coo, creds.coos);
        if (!first && cap + tag + coo == before) break;  // nothing fitted: do not loop
        std::vector<uint8_t> buf(kMaxPacketLength);
        Writer w(buf);
        creds.serialize(w);
        if (w.ok()) send_to_peer(peer, Verb::network_credentials, w.written(), now);
    }
}

// §5.9: credentials from a peer. Each is verified with the controller's identity and kept
// per member; COM revocations raise the member's threshold, and revocations marked for fast
// propagation are passed on to the members we know.
void Node::Impl::handle_network_credentials(Peer& peer, const Inbound& in) {
    if (in.now - peer.last_credentials_received < kCredentialsReceiveRateMs)
        return drop(Drop::rate_limited, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::network_credentials));
    peer.last_credentials_received = in.now;
    auto creds = vl2::NetworkCredentials::parse(in.payload());
    if (!creds)
        return drop(Drop::bad_payload, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::network_credentials));

    // The controller of a network, or nullptr (then WHOIS it; the peer will push again).
    auto controller_of = [&](NetworkId nwid) -> const Identity* {
        const Address a = nwid.controller();
        if (a == self.address()) return &self;
        if (Peer* p = find_peer(a)) return &p->identity();
        need_identity(a, in.now);
        return nullptr;
    };
    auto reject = [&] { drop(Drop::bad_credential, in.from, peer.address(), in.header.packet_id, uint8_t(Verb::network_credentials)); };
    std::vector<Network*> accepted_from_peer;

    for (const auto& com : creds->coms) {
        Network* net = find_network(com.network_id());
        if (!net || net->is_static) continue;
        const Identity* ctl = controller_of(net->nwid);
        if (!ctl) continue;
        // Older than what we hold or revoked: refused before the signature costs anything. A
        // membership entry exists only for credentials that verified.
        if (auto it = net->members.find(com.issued_to());
            it != net->members.end() && (com.timestamp() <= it->second.com_revocation_threshold ||
                                         (it->second.com && it->second.com->timestamp() > com.timestamp()))) {
            reject();
            continue;
        }
        if (!com.verify(*ctl)) {
            reject();
            continue;
        }
        net->members[com.issued_to()].com = com;
        if (com.issued_to() == peer.address()) accepted_from_peer.push_back(net);
    }
    for (const auto& cap : creds->capabilities) {
        Network* net = find_network(cap.network());
        const Identity* ctl = net && !net->is_static ? controller_of(net->nwid) : nullptr;
        if (!ctl) continue;
        if (!cap.verify(*ctl)) {
            reject();
            continue;
        }
        Membership& m = net->members[cap.issued_to()];
        if (!accept_credential(m.capabilities, m.revocations, vl2::CredentialType::capability, cap)) reject();
    }
    for (const auto& tag : creds->tags) {
        Network* net = find_network(tag.nwid);
        const Identity* ctl = net && !net->is_static ? controller_of(net->nwid) : nullptr;
        if (!ctl) continue;
        if (!tag.verify(*ctl)) {
            reject();
            continue;
        }
        Membership& m = net->members[tag.issued_to];
        if (!accept_credential(m.tags, m.revocations, vl2::CredentialType::tag, tag)) reject();
    }
    for (const auto& coo : creds->coos) {
        Network* net = find_network(coo.nwid);
        const Identity* ctl = net && !net->is_static ? controller_of(net->nwid) : nullptr;
        if (!ctl) continue;
        if (!coo.verify(*ctl)) {
            reject();
            continue;
        }
        Membership& m = net->members[coo.issued_to];
        if (!accept_credential(m.coos, m.revocations, vl2::CredentialType::coo, coo)) reject();
    }
    for (const auto& rev : creds->revocations) {
        Network* net = find_network(rev.nwid);
        const Identity* ctl = net && !net->is_static ? controller_of(net->nwid) : nullptr;
        if (!ctl) continue;
        if (!rev.verify(*ctl)) {
            reject();
            continue;
        }
        if (!apply_revocation(*net, rev, peer.address(), in.now)) reject();
    }
    // Frames that arrived before these credentials get another chance.
    for (Network* net : accepted_from_peer) retry_gated(*net, peer, in.now);
}

// A verified revocation: raises the target's threshold for that credential; a new one marked
// for fast propagation goes on to the members we know (but the sender and the signer). False
// for a credential type that cannot be revoked.
bool Node::Impl::apply_revocation(Network& net, const vl2::Revocation& rev, Address from, Ticks now) {
    Membership& m = net.members[rev.target];
    bool fresh = false;
    switch (rev.type) {
    case vl2::CredentialType::com:
        if (rev.threshold > m.com_revocation_threshold) {
            m.com_revocation_threshold = rev.threshold;
            fresh = true;
        }
        break;
    case vl2::CredentialType::capability:
    case vl2::CredentialType::tag:
    case vl2::CredentialType::coo: {
        UnixMs& t = m.revocations[credential_key(rev.type, rev.credential_id)];
        if (t < rev.threshold) {
            t = rev.threshold;
            fresh = true;
        }
        // A credential already held that the revocation covers goes now, not at the next push.
        auto covered = [&](UnixMs ts) { return ts <= rev.threshold; };
        if (rev.type == vl2::CredentialType::capability) {
            if (auto it = m.capabilities.find(rev.credential_id); it != m.capabilities.end() && covered(it->second.timestamp()))
                m.capabilities.erase(it);
        } else if (rev.type == vl2::CredentialType::tag) {
            if (auto it = m.tags.find(rev.credential_id); it != m.tags.end() && covered(it->second.timestamp)) m.tags.erase(it);
        } else if (auto it = m.coos.find(rev.credential_id); it != m.coos.end() && covered(it->second.timestamp)) {
            m.coos.erase(it);
        }
        break;
    }
    default: return false;
    }
    if (!fresh) return true;
    // Our own membership revoked: ask the controller now, so the state says what it answers.
    if (rev.target == self.address() && rev.type == vl2::CredentialType::com) request_config(net, now);
    Event ev;
    ev.kind = Event::Kind::credential_revoked;
    ev.nwid = net.nwid;
    ev.peer = rev.target;
    emit(ev);
    if (rev.fast_propagate()) {
        vl2::NetworkCredentials fwd;
        fwd.revocations.push_back(rev);
        std::array<uint8_t, 512> buf;
        Writer w(buf);
        fwd.serialize(w);
        if (w.ok())
            for (const auto& [addr, mm] : net.members)
                if (addr != from && addr != rev.signed_by && addr != self.address() && addr != rev.target)
                    send_to_address(addr, Verb::network_credentials, w.written(), now);
    }
    return true;
}

}  // namespace zt

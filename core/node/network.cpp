// Joining networks through their controllers (spec §8.1–§8.5, §10 (c)): requests, config
// chunks, applying a configuration, the controller's errors, the periodic refresh, and the
// status the runtime shows. Credentials live in membership.cpp, multicast in multicast.cpp.
#include <algorithm>

#include "core/node/impl.hpp"
#include "core/vl1/error.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl2/network_config_request.hpp"

namespace zt {

namespace {

constexpr Ticks kConfigRefreshMs = 60000;    // ZT_NETWORK_AUTOCONF_DELAY
// Without a configuration, every ping check (5 s) asks again, as 1.14 does; only a request made
// between checks (join, our COM revoked) holds back the next check's.
constexpr Ticks kConfigRequestMinGapMs = 1000;
const std::vector<wire::InetPrefix> kNoAddresses;

// The parts of a configuration the stack, the shim and the multicast groups depend on: a
// refresh that changes none of them (a new timestamp and COM every minute) is not an event.
bool same_shape(const vl2::NetworkConfig& a, const vl2::NetworkConfig& b) {
    return a.name == b.name && a.mtu == b.mtu && a.flags == b.flags && a.type == b.type &&
           a.multicast_limit == b.multicast_limit && a.static_ips == b.static_ips && a.routes == b.routes &&
           a.rules == b.rules && a.dns == b.dns && a.revision == b.revision;
}

}  // namespace

const char* to_string(NetworkState s) {
    switch (s) {
    case NetworkState::requesting_configuration: return "REQUESTING_CONFIGURATION";
    case NetworkState::ok: return "OK";
    case NetworkState::access_denied: return "ACCESS_DENIED";
    case NetworkState::not_found: return "NOT_FOUND";
    case NetworkState::port_error: return "PORT_ERROR";
    case NetworkState::client_too_old: return "CLIENT_TOO_OLD";
    case NetworkState::authentication_required: return "AUTHENTICATION_REQUIRED";
    }
    return "?";
}

NetworkState Network::state() const {
    if (is_static) return NetworkState::ok;
    switch (failure) {
    case ConfigFailure::access_denied: return NetworkState::access_denied;
    case ConfigFailure::not_found: return NetworkState::not_found;
    case ConfigFailure::authentication_required: return NetworkState::authentication_required;
    case ConfigFailure::too_old: return NetworkState::client_too_old;
    case ConfigFailure::none: break;
    }
    return config ? NetworkState::ok : NetworkState::requesting_configuration;
}

const std::vector<wire::InetPrefix>& Network::addresses() const {
    if (is_static) return static_addresses;
    return config ? config->static_ips : kNoAddresses;
}

// §6.3: broadcast if enabled, the ARP group (ff:ff:ff:ff:ff:ff, IPv4) of each IPv4 address,
// and what the stack listens to (IPv6 all-nodes and solicited-node groups).
bool Network::update_groups() {
    std::vector<MulticastGroup> g;
    if (broadcast_enabled()) g.push_back(MulticastGroup{Mac(0xffffffffffffULL), 0});
    for (const auto& a : addresses())
        if (a.address.family == Endpoint::Family::v4) {
            const uint32_t ip = (uint32_t(a.address.ip[0]) << 24) | (uint32_t(a.address.ip[1]) << 16) |
                                (uint32_t(a.address.ip[2]) << 8) | a.address.ip[3];
            g.push_back(MulticastGroup{Mac(0xffffffffffffULL), ip});
        }
    for (Mac m : stack_groups) g.push_back(MulticastGroup{m, 0});
    std::sort(g.begin(), g.end());
    g.erase(std::unique(g.begin(), g.end()), g.end());
    if (g == groups) return false;
    groups = std::move(g);
    return true;
}

Network* Node::Impl::find_network(NetworkId nwid) {
    auto it = networks.find(nwid.value);
    return it == networks.end() ? nullptr : &it->second;
}

void Node::Impl::network_changed(Network& net) {
    Event ev;
    ev.kind = Event::Kind::network_changed;
    ev.nwid = net.nwid;
    emit(ev);
}

// ---- joining ---------------------------------------------------------------------------

void Node::Impl::join(Ticks now, NetworkId nwid) {
    if (networks.count(nwid.value)) return;
    Network& net = networks.try_emplace(nwid.value, nwid).first->second;
    net.mac = Mac::from_address(self.address(), nwid);
    net.update_groups();
    request_config(net, now);
    network_changed(net);
}

void Node::Impl::join_static(NetworkId nwid, uint32_t mtu, std::vector<wire::InetPrefix> addresses) {
    networks.erase(nwid.value);
    Network& net = networks.try_emplace(nwid.value, nwid).first->second;
    net.mac = Mac::from_address(self.address(), nwid);
    net.is_static = true;
    net.static_mtu = std::clamp<uint32_t>(mtu ? mtu : kVirtualMtuDefault, kVirtualMtuMin, kVirtualMtuMax);
    net.static_addresses = std::move(addresses);
    net.update_groups();
}

bool Node::Impl::leave(NetworkId nwid) {
    if (!networks.erase(nwid.value)) return false;
    multicaster.forget(nwid);
    return true;
}

// §5.10: NETWORK_CONFIG_REQUEST to the controller (found through the roots if need be), with
// the metadata a 1.14.1 node sends and the revision and timestamp of what we hold.
void Node::Impl::request_config(Network& net, Ticks now) {
    if (net.is_static) return;
    net.last_request = now;
    const Address controller_address = net.nwid.controller();
    const vl2::Dictionary metadata = vl2::request_metadata();
    if (controller_address == self.address()) {
        // We are the network's controller too: ask it directly (§9).
        if (controller) controller->on_config_request(now, net.nwid, self.public_only(), 0, metadata, Endpoint{});
        return;
    }
    const Bytes metadata_text = metadata.serialize();
    vl2::NetworkConfigRequest req;
    req.nwid = net.nwid;
    req.metadata = metadata_text;
    if (net.config) {
        req.revision = net.config->revision;
        req.timestamp = net.config->timestamp;
    }
    std::array<uint8_t, 1024> buf;
    Writer w(buf);
    req.serialize(w);
    if (!w.ok()) return;
    send_to_address(controller_address, Verb::network_config_request, w.written(), now, /*expect_reply=*/true);
}

// ---- configuration chunks (§8.4) ---------------------------------------------------------

// A chunk from OK(NETWORK_CONFIG_REQUEST) or NETWORK_CONFIG. Returns the config update id once
// it completes a configuration that we accepted, 0 otherwise.
uint64_t Node::Impl::handle_config_chunk(Peer& from, const Inbound& in, std::span<const uint8_t> payload) {
    auto chunk = vl2::ConfigChunk::parse(payload);
    if (!chunk) {
        drop(Drop::bad_payload, in.from, from.address(), in.header.packet_id, in.header.verb_byte);
        return 0;
    }
    Network* net = find_network(chunk->nwid);
    if (!net || net->is_static) {
        drop(Drop::not_for_us, in.from, from.address(), in.header.packet_id, in.header.verb_byte);
        return 0;
    }
    // The controller's identity verifies every chunk; we asked it for the configuration, so we
    // normally know it (a push from an unknown controller waits for WHOIS and the next push).
    const Address ctl = net->nwid.controller();
    const Identity* controller_id = ctl == self.address() ? &self : nullptr;
    if (!controller_id) {
        if (Peer* p = find_peer(ctl)) controller_id = &p->identity();
    }
    if (!controller_id) {
        need_identity(ctl, in.now);
        return 0;
    }
    using Status = vl2::ConfigAssembler::Status;
    // §8.4 step 5: an unsigned single-chunk config is believed only from the controller itself.
    const auto done = chunk->legacy ? (from.address() == ctl ? net->assembler.add_legacy(*chunk, in.header.packet_id, in.now)
                                                             : vl2::ConfigAssembler::Outcome{Status::wrong_kind, 0, {}})
                                    : net->assembler.add(*chunk, *controller_id, in.now);
    if (done.status != Status::complete) {
        if (done.status != Status::incomplete && done.status != Status::duplicate)
            drop(Drop::bad_config, in.from, from.address(), in.header.packet_id, in.header.verb_byte);
        return 0;
    }
    if (!accept_config_dictionary(*net, done.dictionary, in.now)) {
        drop(Drop::bad_config, in.from, from.address(), in.header.packet_id, in.header.verb_byte);
        return 0;
    }
    // Fast-propagate chunks are flooded to the members we know (§8.4).
    if (chunk->fast_propagate()) {
        for (const auto& [addr, m] : net->members) {
            if (addr == from.address() || addr == ctl) continue;
            send_to_address(addr, Verb::network_config, payload, in.now);
        }
    }
    return done.update_id;
}

// §5.11: a pushed chunk; when it completes a configuration we accepted, the OK that 1.14 sends
// (in-re verb ECHO, an upstream quirk) with the network and the config update id.
void Node::Impl::handle_network_config(Peer& peer, const Inbound& in) {
    const uint64_t update_id = handle_config_chunk(peer, in, in.payload());
    if (!update_id) return;
    Reader r(in.payload());
    std::array<uint8_t, 32> buf;
    Writer w(buf);
    vl1::Ok{Verb::echo, in.header.packet_id, {}}.serialize(w);
    vl2::NetworkConfigAck{NetworkId{r.u64be()}, update_id}.serialize(w);
    if (w.ok()) send_packet(peer, Verb::ok, w.written(), in.now, in.local, in.from, peer.send_cipher());
}

// Parses and applies a whole configuration Dictionary (from chunks, or the cache on disk).
bool Node::Impl::accept_config_dictionary(Network& net, std::span<const uint8_t> text, Ticks now) {
    auto dict = vl2::Dictionary::parse(text);
    if (!dict) return false;
    auto cfg = vl2::NetworkConfig::from_dictionary(*dict);
    if (!cfg) {
        // A configuration in a format we do not read (version < 6): CLIENT_TOO_OLD, as upstream.
        if (auto v = dict->get_u64("v"); v && *v < 6) {
            net.failure = ConfigFailure::too_old;
            network_changed(net);
        }
        return false;
    }
    if (cfg->nwid != net.nwid || cfg->issued_to != self.address()) return false;
    apply_config(net, std::move(*cfg), Bytes(text.begin(), text.end()), now);
    return true;
}

void Node::Impl::apply_config(Network& net, vl2::NetworkConfig cfg, Bytes dictionary, Ticks now) {
    const bool material = !net.config || !same_shape(*net.config, cfg) || net.failure != ConfigFailure::none;
    net.config = std::move(cfg);
    net.config_dictionary = std::move(dictionary);
    net.last_config_update = now;
    net.failure = ConfigFailure::none;
    if (net.rule_hits.size() != net.config->rules.size()) net.rule_hits.assign(net.config->rules.size(), 0);
    const bool groups_changed = net.update_groups();
    if (groups_changed) announce_groups(net, now, true);
    if (material) {
        network_changed(net);
    } else {
        Event ev;
        ev.kind = Event::Kind::network_refreshed;
        ev.nwid = net.nwid;
        emit(ev);
    }
}

// ---- the controller's errors (§5.1): only from the network's controller ------------------

void Node::Impl::network_error(Peer& peer, const vl1::Error& err, Ticks now) {
    if (!err.nwid) return;
    Network* net = find_network(*err.nwid);
    if (!net || net->is_static) return;
    if (err.code == ErrorCode::need_membership_certificate) {
        // §8.7: a member wants our credentials (at most once per second).
        return push_credentials(*net, peer, now, /*requested=*/true);
    }
    if (err.code == ErrorCode::unwanted_multicast) {
        // §5.1: a member that passes the gate unsubscribes from a group (<[6] MAC> <[4] ADI>).
        Reader r(err.rest);
        const MulticastGroup g{Mac(r.u48be()), r.u32be()};
        if (r.ok() && gate(*net, peer, now)) multicaster.remove(net->nwid, g, peer.address());
        return;
    }
    if (peer.address() != net->nwid.controller() || err.in_re_verb != Verb::network_config_request) return;
    ConfigFailure f = net->failure;
    switch (err.code) {
    case ErrorCode::obj_not_found:
    case ErrorCode::unsupported_operation: f = ConfigFailure::not_found; break;
    case ErrorCode::network_access_denied: f = ConfigFailure::access_denied; break;
    case ErrorCode::network_authentication_required: f = ConfigFailure::authentication_required; break;
    default: return;
    }
    if (f == net->failure) return;
    net->failure = f;
    network_changed(*net);
}

// ---- timers ----------------------------------------------------------------------------

// Every ping check (5 s): ask for a configuration we lack, refresh one older than 60 s, announce
// our groups upstream every 60 s, forget what expired.
void Node::Impl::networks_tick(Ticks now) {
    for (auto& [id, net] : networks) {
        if (net.is_static) continue;
        const bool stale = !net.config || now - net.last_config_update >= kConfigRefreshMs;
        if (stale && now - net.last_request >= kConfigRequestMinGapMs) request_config(net, now);
        if (now - net.last_announce_upstream >= kMulticastAnnouncePeriodMs) announce_groups(net, now, false);
        net.assembler.expire(now);
    }
    multicaster.clean(now);
    std::erase_if(controller_authorized, [now](const auto& kv) { return now - kv.second >= kControllerAuthorizedMs; });
}

// ---- status ------------------------------------------------------------------------------

NetworkStatus Node::Impl::network_status(const Network& net) const {
    NetworkStatus s;
    s.nwid = net.nwid;
    s.mac = net.mac;
    s.mtu = net.mtu();
    s.state = net.state();
    s.is_static = net.is_static;
    s.addresses = net.addresses();
    s.groups = net.groups;
    s.rule_hits = net.rule_hits;
    s.dropped_by_rules_in = net.dropped_by_rules_in;
    s.dropped_by_rules_out = net.dropped_by_rules_out;
    s.dropped_not_member = net.dropped_not_member;
    s.broadcast = net.broadcast_enabled();
    s.multicast_limit = net.multicast_limit();
    s.is_private = !net.is_public();
    if (const auto& c = net.config) {
        s.name = c->name;
        s.ndp_emulation = c->ndp_emulation();
        s.revision = c->revision;
        s.config_timestamp = c->timestamp;
        if (c->com) s.com_timestamp = c->com->timestamp();
        for (const auto& r : c->routes)
            s.routes.push_back(NetworkRoute{r.target, r.via ? r.via->endpoint : Endpoint{}, r.flags, r.metric});
        s.dns_domain = c->dns.domain;
        for (const auto& d : c->dns.servers)
            if (!d.endpoint.is_nil()) s.dns_servers.push_back(d.endpoint);
    }
    return s;
}

}  // namespace zt

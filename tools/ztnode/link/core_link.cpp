// CoreLink (core_link.hpp): the ZeroTier core wired to the runtime.
#include "tools/ztnode/link/core_link.hpp"

#include <dirent.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "stack/names.hpp"
#include "tools/ztnode/link/identity_store.hpp"

namespace zt::link {

namespace {

constexpr size_t kEthHeader = 14;
// lwIP's own transmit MTU on the virtual network. The network's MTU stays what it is (2800:
// frames of that size are carried and accepted), but Debian's lwIP has TCP_MSS 1460 compiled
// in, so its segments are 1500-byte IP packets: a 1538-byte ZeroTier packet, cut into two
// datagrams at the 1432-byte physical MTU. At 1394 one segment is one datagram: half the
// datagrams per segment, and a datagram lost is one segment lost, not two (through
// test/netem's relay with 3% loss, 20 ms delay and reordering, 2 MB took 90 s at 2800 and
// 39 s at 1394).
constexpr uint32_t kStackMtu = 1432 - 28 - 10;  // physical MTU - packet header - FRAME header
constexpr Ticks kLocalRefreshMs = 60000;

const char* event_name(Event::Kind k) {
    switch (k) {
    case Event::Kind::packet_dropped: return "drop";
    case Event::Kind::peer_added: return "peer added";
    case Event::Kind::path_confirmed: return "path confirmed";
    case Event::Kind::path_expired: return "path expired";
    case Event::Kind::external_address: return "external address";
    case Event::Kind::error_received: return "ERROR received";
    case Event::Kind::identity_collision: return "identity collision";
    case Event::Kind::whois_sent: return "WHOIS";
    case Event::Kind::rendezvous: return "rendezvous";
    case Event::Kind::planet_updated: return "planet updated";
    case Event::Kind::network_changed: return "network";
    case Event::Kind::credential_revoked: return "credentials revoked";
    case Event::Kind::network_refreshed: return "network refreshed";
    }
    return "?";
}

stack::InetPrefix to_stack(const wire::InetPrefix& p) {
    stack::InetPrefix out;
    out.addr.family = p.address.family == Endpoint::Family::v4 ? 4 : 6;
    out.addr.ip = p.address.ip;
    out.len = p.bits;
    return out;
}

wire::InetPrefix to_wire(const stack::InetPrefix& p) {
    wire::InetPrefix out;
    out.address.family = p.addr.is_v4() ? Endpoint::Family::v4 : Endpoint::Family::v6;
    out.address.ip = p.addr.ip;
    out.bits = p.len;
    return out;
}

// Splits "join <nwid> a b" into words.
std::vector<std::string_view> words(std::string_view line) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        size_t j = i;
        while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
        if (j > i) out.push_back(line.substr(i, j - i));
        i = j;
    }
    return out;
}

// Writes `bytes` to `path` through a temporary file, fsync and rename.
bool write_file_atomic(const std::string& path, std::span<const uint8_t> bytes, std::string& error) {
    const std::string tmp = path + ".new";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) {
        error = tmp + ": " + std::strerror(errno);
        return false;
    }
    bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 && ::fsync(fileno(f)) == 0;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = path + ": " + std::strerror(errno);
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace

namespace {

// Reads and checks one planet file; nullopt with `error` naming the file.
std::optional<World> read_planet(const std::string& path, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = path + ": cannot read the planet file: " + std::strerror(errno);
        return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string bytes = ss.str();
    auto w = World::parse(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    if (!w) {
        error = path + ": not a valid planet (world) file";
        return std::nullopt;
    }
    if (w->type != World::Type::planet) {
        error = path + ": the world is a moon, not a planet";
        return std::nullopt;
    }
    if (!w->roots_locally_validate()) {
        error = path + ": a root identity fails validation";
        return std::nullopt;
    }
    return w;
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

}  // namespace

std::optional<World> load_planet(const std::string& home, const char* env_planet, std::string& error) {
    const std::string stored = home + "/planet";
    if (!env_planet || !*env_planet) return file_exists(stored) ? read_planet(stored, error) : default_planet();
    if (std::strcmp(env_planet, "none") == 0) return World{};
    auto base = read_planet(env_planet, error);
    if (!base) return base;
    // <home>/planet is where a node keeps the revision its roots gave it (§7.2): it wins over
    // $ZT_PLANET only as a valid update of it.
    if (stored != env_planet && file_exists(stored)) {
        std::string ignored;
        auto update = read_planet(stored, ignored);
        if (update && should_replace(*base, *update)) return update;
    }
    return base;
}

bool save_planet(const std::string& home, const World& planet, std::string& error) {
    std::vector<uint8_t> buf(planet.serialized_size());
    Writer w(buf);
    planet.serialize(w);
    const std::string path = home + "/planet", tmp = path + ".new";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(buf.data()), std::streamsize(buf.size()));
        if (!w.ok() || !out.flush()) {
            error = tmp + ": cannot write the planet: " + std::strerror(errno);
            return false;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        error = path + ": cannot replace the planet: " + std::strerror(errno);
        return false;
    }
    return true;
}

CoreLink::CoreLink(const node::Config& cfg) : cfg_(cfg) {}

CoreLink::~CoreLink() { stop(); }

bool CoreLink::start(node::LinkHost& host, std::string& error) {
    host_ = &host;
    if (sodium_init() < 0) {
        error = "libsodium failed to initialise";
        return false;
    }
    identity_ = load_or_create_identity(cfg_.home, rng_, error);
    if (!identity_) return false;
    auto planet = load_planet(cfg_.home, std::getenv("ZT_PLANET"), error);
    if (!planet) return false;
    planet_ = std::move(*planet);

    udp_ = std::make_unique<UdpTransport>(host.loop(), [this](LocalSocket s, const Endpoint& from, std::span<const uint8_t> d) {
        node_->on_udp(host_->loop().now(), s, from, d);
    }, cfg_.udp_offload);
    if (!udp_->open(cfg_.port, error)) return false;

    Ticks now = host.loop().now();
    node_ = std::make_unique<Node>(static_cast<Host&>(*this), rng_, *identity_, now);
    if (!planet_.is_null()) node_->set_planet(planet_);
    for (const auto& p : cfg_.peers) {
        if (!p.identity.empty()) {
            auto id = Identity::from_string(p.identity);
            if (!id) {
                error = cfg_.conf_path + ": peer " + p.address.to_string() + ": invalid identity";
                return false;
            }
            node_->add_static_peer(*id, p.endpoint);
        } else {
            node_->add_static_peer(p.address, p.endpoint);
        }
        // Without an endpoint, a path to the peer is found through the roots (WHOIS, relaying).
        if (p.endpoint.is_nil() && planet_.roots.empty())
            host.log(stack::LogLevel::warn, "peer " + p.address.to_string() +
                                                ": no endpoint, and no roots to find it (ZT_PLANET=none): it is reached"
                                                " only if it contacts this node first; give its endpoint");
    }
    restore_networks();
    for (const auto& n : cfg_.networks)
        if (std::string why = join(n.nwid, n.addrs); !why.empty()) {
            error = cfg_.conf_path + ": network " + n.nwid.to_string() + ": " + why;
            return false;
        }
    refresh_local_endpoints();

    host.loop().add_before_wait([this] { return run_timers(); });
    status_ = std::make_unique<StatusServer>(host.loop(), stack::home_hash_of(cfg_.home),
                                             [this](std::string_view line) { return request(line); });
    if (!status_->start(error)) return false;
    host.log(stack::LogLevel::info, "node " + identity_->address().to_string() + " on UDP port " +
                                        std::to_string(udp_->port()) + ", planet " + std::to_string(planet_.id) +
                                        " with " + std::to_string(planet_.roots.size()) + " root(s)");
    return true;
}

void CoreLink::stop() {
    status_.reset();
    if (udp_) udp_->close();
    udp_.reset();
}

Address CoreLink::address() const { return identity_ ? identity_->address() : Address(); }

std::vector<node::LinkNetwork> CoreLink::networks() const {
    std::vector<node::LinkNetwork> out;
    if (!node_) return out;
    for (const auto& st : node_->networks()) {
        node::LinkNetwork n;
        n.nwid = st.nwid;
        n.mtu = std::min<uint32_t>(st.mtu, kStackMtu);
        if (st.is_static) {
            for (const auto& a : st.addresses) n.addrs.push_back(to_stack(a));
            out.push_back(std::move(n));
            continue;
        }
        n.ndp_emulation = st.ndp_emulation;
        n.dns_domain = st.dns_domain;
        for (const auto& e : st.dns_servers) {
            if (e.family != Endpoint::Family::v4 && e.family != Endpoint::Family::v6) continue;
            stack::InetAddr a;
            a.family = e.family == Endpoint::Family::v4 ? 4 : 6;
            a.ip = e.ip;
            a.port = e.port ? e.port : 53;
            n.dns_servers.push_back(a);
        }
        for (const auto& a : st.addresses) {
            stack::InetPrefix p = to_stack(a);
            if (managed_prefix_allowed(p, cfg_.allow_global, cfg_.allow_default)) n.addrs.push_back(p);
        }
        for (const auto& r : st.routes) {
            stack::ManagedRoute route{to_stack(r.target), std::nullopt};
            // IPv6 next hops are lwIP's neighbour discovery, which takes only the /64s of our own
            // addresses as on-link and has no managed routes: an IPv6 route would attract
            // connections it cannot carry. (RFC4193/6PLANE peers are reached by the address.)
            if (route.target.addr.is_v6()) continue;
            if (!r.via.is_nil() && r.via.family != Endpoint::Family::v4) continue;
            if (!r.via.is_nil()) {
                stack::InetAddr via;
                via.family = r.via.family == Endpoint::Family::v4 ? 4 : 6;
                via.ip = r.via.ip;
                route.via = via;
            }
            if (managed_prefix_allowed(route.target, cfg_.allow_global, cfg_.allow_default)) n.routes.push_back(route);
        }
        out.push_back(std::move(n));
    }
    return out;
}

bool managed_prefix_allowed(const stack::InetPrefix& p, bool allow_global, bool allow_default) {
    if (p.len == 0) return allow_default;
    if (allow_global) return true;
    const auto& ip = p.addr.ip;
    if (p.addr.is_v4()) {
        // RFC 1918, shared address space (RFC 6598), link-local.
        return ip[0] == 10 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) || (ip[0] == 192 && ip[1] == 168) ||
               (ip[0] == 100 && (ip[1] & 0xc0) == 64) || (ip[0] == 169 && ip[1] == 254);
    }
    // Unique local (fc00::/7, where RFC4193 and 6PLANE live) and link-local.
    return (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
}

std::string CoreLink::join(NetworkId nwid, const std::vector<stack::InetPrefix>& addrs) {
    if (!node_) return "the node is not running";
    if ((nwid.value >> 56) == 0xff) return "ad-hoc networks (ff...) are not supported";
    std::vector<wire::InetPrefix> wanted;
    for (const auto& a : addrs) wanted.push_back(to_wire(a));
    if (auto have = node_->network(nwid)) {
        if (have->is_static && addrs.empty()) return "";  // a program without addresses uses the static one
        if (have->is_static && have->addresses != wanted) return "already joined with other static addresses";
        if (!have->is_static && !addrs.empty()) return "already joined through its controller";
        return "";
    }
    if (node_->networks().size() >= ztctl::kMaxNetworks)
        return "already on " + std::to_string(ztctl::kMaxNetworks) + " networks";
    if (!addrs.empty()) {
        node_->join_static(nwid, cfg_.mtu, wanted);
        host_->log(stack::LogLevel::info, "network " + nwid.to_string() + ": joined with static addresses");
    } else {
        node_->join(host_->loop().now(), nwid);
        save_network(nwid);
        host_->log(stack::LogLevel::info, "network " + nwid.to_string() + ": joining through controller " +
                                              nwid.controller().to_string());
    }
    host_->networks_changed();
    return "";
}

bool CoreLink::leave(NetworkId nwid) {
    if (!node_ || !node_->leave(nwid)) return false;
    logged_state_.erase(nwid.value);
    std::remove(network_file(nwid).c_str());
    host_->log(stack::LogLevel::info, "network " + nwid.to_string() + ": left");
    host_->networks_changed();
    return true;
}

void CoreLink::stack_groups(NetworkId nwid, const std::vector<Mac>& groups) {
    if (node_) node_->set_stack_groups(host_->loop().now(), nwid, groups);
}

std::string CoreLink::network_file(NetworkId nwid) const { return cfg_.home + "/networks.d/" + nwid.to_string() + ".conf"; }

// Records the join (and the configuration, once there is one) for the next start.
void CoreLink::save_network(NetworkId nwid) {
    auto st = node_->network(nwid);
    if (!st || st->is_static) return;
    ::mkdir((cfg_.home + "/networks.d").c_str(), 0700);
    std::vector<uint8_t> blob;
    if (auto b = node_->network_config_blob(nwid)) blob = std::move(*b);
    std::string error;
    if (!write_file_atomic(network_file(nwid), blob, error)) host_->log(stack::LogLevel::warn, error);
}

// At start: the networks joined through a controller before, with their cached configuration.
void CoreLink::restore_networks() {
    const std::string dir = cfg_.home + "/networks.d";
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    const Ticks now = host_->loop().now();
    for (const auto& name : names) {
        if (name.size() != 21 || name.substr(16) != ".conf") continue;
        auto nwid = NetworkId::parse(name.substr(0, 16));
        if (!nwid || node_->networks().size() >= ztctl::kMaxNetworks) continue;
        node_->join(now, *nwid);
        std::ifstream in(dir + "/" + name, std::ios::binary);
        std::vector<uint8_t> blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!blob.empty() && !node_->restore_network_config(now, *nwid, blob))
            host_->log(stack::LogLevel::warn, dir + "/" + name + ": the cached configuration is not valid; asking the controller");
        host_->log(stack::LogLevel::info, "network " + nwid->to_string() + ": rejoined (networks.d)");
    }
}

void CoreLink::on_network_changed(NetworkId nwid) {
    auto st = node_->network(nwid);
    if (!st) return;
    auto [it, fresh] = logged_state_.try_emplace(nwid.value, st->state);
    if (fresh || it->second != st->state) {
        it->second = st->state;
        std::string addrs;
        for (const auto& a : st->addresses) addrs += " " + to_stack(a).to_string();
        host_->log(st->state == NetworkState::ok ? stack::LogLevel::info : stack::LogLevel::warn,
                   "network " + nwid.to_string() + ": " + to_string(st->state) + addrs);
    }
    // Events come from inside the core, possibly while the stack transmits: reconfigure the
    // stack (and save the configuration) once the loop is back in control, once per batch.
    const bool scheduled = !changed_networks_.empty();
    changed_networks_.insert(nwid.value);
    if (scheduled) return;
    host_->loop().defer([this] {
        auto changed = std::move(changed_networks_);
        changed_networks_.clear();
        for (uint64_t n : changed) save_network(NetworkId{n});
        host_->networks_changed();
    });
}

std::string CoreLink::request(std::string_view line) {
    auto w = words(line);
    if (w.empty() || w[0] == "text") return status(false);
    if (w[0] == "json") return status(true);
    if (!node_) return "ERROR not started\n";
    if (w[0] == "sockets") return sockets_json(host_->stack_sockets());
    if (w[0] == "networks") {
        std::string out = "200 listnetworks <nwid> <name> <mac> <status> <type> <dev> <ZT assigned ips>\n";
        for (const auto& n : node_->networks()) out += network_line(n);
        return out;
    }
    if (w.size() < 2) return "ERROR usage: join|leave|network <nwid>\n";
    auto nwid = NetworkId::parse(w[1]);
    if (!nwid) return "ERROR bad network id '" + std::string(w[1]) + "'\n";
    if (w[0] == "network") {
        auto st = node_->network(*nwid);
        return st ? network_json(*st) + "\n" : "ERROR not joined\n";
    }
    if (w[0] == "leave") return leave(*nwid) ? "200 leave OK\n" : "ERROR not joined\n";
    if (w[0] == "join") {
        std::vector<stack::InetPrefix> addrs;
        for (size_t i = 2; i < w.size(); ++i) {
            auto p = stack::InetPrefix::parse(w[i]);
            if (!p) return "ERROR bad address '" + std::string(w[i]) + "'\n";
            addrs.push_back(*p);
        }
        std::string why = join(*nwid, addrs);
        return why.empty() ? "200 join OK\n" : "ERROR " + why + "\n";
    }
    return "ERROR unknown request '" + std::string(w[0]) + "'\n";
}

Ticks CoreLink::run_timers() {
    if (!node_) return stack::kNever;
    Ticks now = host_->loop().now();
    if (now >= next_local_refresh_) refresh_local_endpoints();
    if (now >= std::min(next_timer_, node_->next_deadline())) next_timer_ = node_->on_timer(now);
    return std::min(next_timer_, next_local_refresh_);
}

// Interface addresses for PUSH_DIRECT_PATHS: global and private unicast, no loopback.
void CoreLink::refresh_local_endpoints() {
    next_local_refresh_ = host_->loop().now() + kLocalRefreshMs;
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return;
    std::vector<Endpoint> eps;
    for (ifaddrs* i = list; i; i = i->ifa_next) {
        if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP)) continue;
        Endpoint e;
        socklen_t len = i->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
        if (!endpoint_from_sockaddr(i->ifa_addr, len, e)) continue;
        if (e.family == Endpoint::Family::v6 && e.ip[0] == 0xfe && (e.ip[1] & 0xc0) == 0x80) continue;
        e.port = udp_->port();
        eps.push_back(e);
    }
    freeifaddrs(list);
    node_->set_local_endpoints(eps);
}

void CoreLink::send_frame(NetworkId nwid, std::span<const uint8_t> frame) {
    if (!node_ || frame.size() < kEthHeader) return;
    Frame f;
    f.dst = Mac::from_bytes(frame.data());
    f.src = Mac::from_bytes(frame.data() + 6);
    f.ethertype = uint16_t((frame[12] << 8) | frame[13]);
    f.payload = frame.subspan(kEthHeader);
    in_send_frame_ = true;
    node_->on_frame(host_->loop().now(), nwid, f);
    in_send_frame_ = false;
}

void CoreLink::send_udp(LocalSocket from, const Endpoint& to, std::span<const uint8_t> datagram, int ttl) {
    if (udp_) udp_->send(from, to, datagram, ttl);
}

void CoreLink::deliver_frame(NetworkId nwid, const Frame& f) {
    frame_buf_.resize(kEthHeader + f.payload.size());
    auto d = f.dst.bytes(), s = f.src.bytes();
    std::memcpy(frame_buf_.data(), d.data(), 6);
    std::memcpy(frame_buf_.data() + 6, s.data(), 6);
    frame_buf_[12] = uint8_t(f.ethertype >> 8);
    frame_buf_[13] = uint8_t(f.ethertype);
    std::memcpy(frame_buf_.data() + kEthHeader, f.payload.data(), f.payload.size());
    if (in_send_frame_) {
        // The stack is mid-transmit: hand the frame over once it has returned.
        deferred_frames_.emplace_back(nwid, frame_buf_);
        if (deferred_frames_.size() == 1)
            host_->loop().defer([this] {
                auto frames = std::move(deferred_frames_);
                deferred_frames_.clear();
                for (auto& [n, bytes] : frames) host_->deliver_frame(n, bytes);
            });
        return;
    }
    host_->deliver_frame(nwid, frame_buf_);
}

void CoreLink::on_event(const Event& ev) {
    std::string line = std::string(event_name(ev.kind));
    if (ev.kind == Event::Kind::packet_dropped) {
        Ticks now = host_->loop().now();
        Ticks& last = last_drop_log_[size_t(ev.drop)];
        if (last != 0 && now - last < 1000) return;  // rate-limited per reason
        last = now;
        line += std::string(" ") + to_string(ev.drop);
        if (ev.packet_id) {
            char id[32];
            std::snprintf(id, sizeof id, " packet %016llx", static_cast<unsigned long long>(ev.packet_id));
            line += id;
        }
    }
    if (!ev.peer.is_zero()) line += " peer " + ev.peer.to_string();
    if (!ev.endpoint.is_nil()) line += " at " + ev.endpoint.to_string();
    if (ev.kind == Event::Kind::error_received)
        line += " code " + std::to_string(ev.code) + " in-re verb " + std::to_string(ev.verb);
    if (ev.kind == Event::Kind::network_changed) return on_network_changed(ev.nwid);
    if (ev.kind == Event::Kind::network_refreshed) return save_network(ev.nwid);  // the new COM, for a restart
    if (ev.kind == Event::Kind::planet_updated) {
        planet_ = node_->planet();
        line += " to revision " + std::to_string(planet_.timestamp_ms);
        std::string error;
        if (!save_planet(cfg_.home, planet_, error)) host_->log(stack::LogLevel::warn, error);
    }
    auto level = ev.kind == Event::Kind::packet_dropped ? stack::LogLevel::debug : stack::LogLevel::info;
    if (ev.kind == Event::Kind::identity_collision) level = stack::LogLevel::warn;
    host_->log(level, line);
}

std::string CoreLink::status(bool json) const {
    if (!node_ || !udp_) return json ? "{}" : "not started\n";
    Ticks now = host_->loop().now();
    const stack::StackStats st = host_->stack_stats();
    const auto proxies = host_->proxy_listeners();
    return json ? status_json(*node_, *udp_, now, planet_, &st, &proxies)
                : status_text(*node_, *udp_, now, planet_, &st, &proxies);
}

}  // namespace zt::link

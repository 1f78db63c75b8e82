// CoreLink (core_link.hpp): the ZeroTier core wired to the runtime.
#include "tools/ztnode/link/core_link.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>

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
    }
    return "?";
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
    });
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
    }
    for (const auto& n : cfg_.networks) node_->join_static(n.nwid, cfg_.mtu);
    refresh_local_endpoints();

    host.loop().add_before_wait([this] { return run_timers(); });
    status_ = std::make_unique<StatusServer>(host.loop(), stack::home_hash_of(cfg_.home),
                                             [this](bool json) { return status(json); });
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
    for (const auto& n : cfg_.networks)
        out.push_back(node::LinkNetwork{n.nwid, std::min<uint32_t>(cfg_.mtu, kStackMtu), n.addrs, {}});
    return out;
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
    return json ? status_json(*node_, *udp_, now, planet_, &st) : status_text(*node_, *udp_, now, planet_, &st);
}

}  // namespace zt::link

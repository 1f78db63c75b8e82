// ztroot: a ZeroTier root server (spec §7.4, §7.6). It answers HELLO and WHOIS, relays
// packets between peers that have no direct path yet, introduces them with RENDEZVOUS and
// keeps per-peer paths; ZeroTier One leaves use it like any root. Runs in the foreground.
//
//   ztroot --home DIR [--port 9993] [--planet FILE] [--log-level info]
//
// DIR holds the root's identity (created on first start) and ztroot.log. With --planet the
// root checks that it is one of the planet's roots and knows the others' identities.
#include <signal.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "core/node/node.hpp"
#include "stack/names.hpp"
#include "tools/ztnode/link/core_link.hpp"
#include "tools/ztnode/link/identity_store.hpp"
#include "tools/ztnode/link/sodium_rng.hpp"
#include "tools/ztnode/link/status_server.hpp"
#include "tools/ztnode/link/udp_transport.hpp"
#include "tools/ztnode/event_loop.hpp"

namespace {

using namespace zt;

class RootHost final : public Host {
public:
    link::UdpTransport* udp = nullptr;
    void send_udp(LocalSocket from, const Endpoint& to, std::span<const uint8_t> d, int ttl) override {
        udp->send(from, to, d, ttl);
    }
    void deliver_frame(NetworkId, const Frame&) override {}  // a root joins no network
    void on_event(const Event& ev) override {
        switch (ev.kind) {
        case Event::Kind::peer_added: spdlog::info("peer {} added", ev.peer.to_string()); break;
        case Event::Kind::path_confirmed:
            spdlog::info("path to {} confirmed at {}", ev.peer.to_string(), ev.endpoint.to_string());
            break;
        case Event::Kind::path_expired:
            spdlog::info("path to {} at {} expired", ev.peer.to_string(), ev.endpoint.to_string());
            break;
        case Event::Kind::rendezvous:
            spdlog::debug("rendezvous: {} is at {}", ev.peer.to_string(), ev.endpoint.to_string());
            break;
        case Event::Kind::packet_dropped:
            spdlog::debug("drop {} from {} peer {}", to_string(ev.drop), ev.endpoint.to_string(), ev.peer.to_string());
            break;
        default: break;
        }
    }
};

int usage() {
    std::fprintf(stderr, "usage: ztroot --home DIR [--port N] [--planet FILE] [--log-level LEVEL]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string home, planet_path, level = "info";
    long port = 9993;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--home" && (v = value())) home = v;
        else if (a == "--port" && (v = value())) port = std::strtol(v, nullptr, 10);
        else if (a == "--planet" && (v = value())) planet_path = v;
        else if (a == "--log-level" && (v = value())) level = v;
        else return usage();
    }
    if (home.empty() || port < 0 || port > 65535) return usage();
    ::mkdir(home.c_str(), 0700);
    char real[PATH_MAX];
    if (!::realpath(home.c_str(), real)) {
        std::fprintf(stderr, "ztroot: %s: %s\n", home.c_str(), std::strerror(errno));
        return 1;
    }
    home = real;
    try {
        auto logger = spdlog::basic_logger_mt("ztroot", home + "/ztroot.log");
        spdlog::set_default_logger(logger);
        spdlog::set_level(spdlog::level::from_str(level));
        spdlog::flush_every(std::chrono::seconds(1));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ztroot: %s/ztroot.log: %s\n", home.c_str(), e.what());
        return 1;
    }
    if (sodium_init() < 0) return 1;

    std::string error;
    link::SodiumRng rng;
    auto id = link::load_or_create_identity(home, rng, error);
    if (!id) {
        std::fprintf(stderr, "ztroot: %s\n", error.c_str());
        return 1;
    }

    node::EventLoop loop;
    RootHost host;
    std::unique_ptr<Node> node;
    link::UdpTransport udp(loop, [&](LocalSocket s, const Endpoint& from, std::span<const uint8_t> d) {
        node->on_udp(loop.now(), s, from, d);
    });
    if (!udp.open(uint16_t(port), error)) {
        std::fprintf(stderr, "ztroot: %s\n", error.c_str());
        return 1;
    }
    host.udp = &udp;
    node = std::make_unique<Node>(host, rng, *id, loop.now());
    node->set_root_role(true);

    World planet;
    if (!planet_path.empty()) {
        auto w = link::load_planet(home, planet_path.c_str(), error);
        if (!w) {
            std::fprintf(stderr, "ztroot: %s\n", error.c_str());
            return 1;
        }
        planet = *w;
        bool listed = false;
        for (const auto& r : planet.roots) listed |= r.identity == id->public_only();
        if (!listed)
            std::fprintf(stderr, "ztroot: warning: %s does not list this root (%s)\n", planet_path.c_str(),
                         id->address().to_string().c_str());
        node->set_planet(planet);  // the other roots are peers; leaves with an older revision get this one
    }

    link::StatusServer status(loop, stack::home_hash_of(home), [&](std::string_view req) {
        return req == "json" ? link::status_json(*node, udp, loop.now(), planet) : link::status_text(*node, udp, loop.now(), planet);
    });
    if (!status.start(error)) {
        std::fprintf(stderr, "ztroot: %s\n", error.c_str());
        return 1;
    }

    Ticks next = 0;
    loop.add_before_wait([&] {
        Ticks now = loop.now();
        if (now >= std::min(next, node->next_deadline())) next = node->on_timer(now);
        return next;
    });

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    loop.add_fd(sfd, EPOLLIN, [&](uint32_t) { loop.stop(); });

    spdlog::info("root {} serving on UDP port {}", id->address().to_string(), udp.port());
    std::printf("ztroot %s listening on UDP port %u\n", id->address().to_string().c_str(), udp.port());
    std::fflush(stdout);
    loop.run();
    spdlog::info("root stopping");
    return 0;
}

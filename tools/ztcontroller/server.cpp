// The infrastructure server behind ztroot and ztcontroller (server.hpp): a zt::Node without a
// stack on the underlay UDP port, in the root role, the controller role, or both.
#include "tools/ztcontroller/server.hpp"

#include <signal.h>
#include <sodium.h>
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
#include <memory>
#include <optional>
#include <string>

#include "core/node/node.hpp"
#include "stack/names.hpp"
#include "tools/ztcontroller/api.hpp"
#include "tools/ztcontroller/controller.hpp"
#include "tools/ztcontroller/dns.hpp"
#include "tools/ztcontroller/store.hpp"
#include "tools/ztnode/config.hpp"
#include "tools/ztnode/event_loop.hpp"
#include "tools/ztnode/link/core_link.hpp"
#include "tools/ztnode/link/identity_store.hpp"
#include "tools/ztnode/link/sodium_rng.hpp"
#include "tools/ztnode/link/status_server.hpp"
#include "tools/ztnode/link/udp_transport.hpp"

namespace zt::server {

namespace {

class ServerHost final : public Host {
public:
    link::UdpTransport* udp = nullptr;
    void send_udp(LocalSocket from, const Endpoint& to, std::span<const uint8_t> d, int ttl) override {
        udp->send(from, to, d, ttl);
    }
    void deliver_frame(NetworkId, const Frame&) override {}  // no stack: it joins no network
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

int usage(const Defaults& d) {
    std::fprintf(stderr,
                 "usage: %s --home DIR [--port N] [--planet FILE] [--log-level LEVEL]\n"
                 "       %*s [%s] [--api-port N] [--api-bind ADDR] [--api-allow-remote] [--auto-authorize]\n"
                 "       %*s [--dns [IP:]PORT]\n"
                 "  --port N            UDP port of the node (default 9993)\n"
                 "  --planet FILE       the planet (a root checks it is listed; a controller uses its roots)\n"
                 "  %-19s %s\n"
                 "  --api-port N        the controller's HTTP API port on --api-bind (default 9993; 0 = any)\n"
                 "  --api-bind ADDR     default 127.0.0.1\n"
                 "  --auto-authorize    members that ask are authorized at once (demos)\n"
                 "  --dns [IP:]PORT     answer DNS for <member name>.<network's dns domain> on this UDP\n"
                 "                      address (default IP 127.0.0.1); a node exposes it on the network\n",
                 d.program, int(std::strlen(d.program)), "", d.root ? "--controller" : "--root", int(std::strlen(d.program)), "",
                 d.root ? "--controller" : "--root",
                 d.root ? "also serve networks as their controller" : "also serve as a root of the planet");
    return 2;
}

}  // namespace

int server_main(int argc, char** argv, const Defaults& defaults) {
    std::string home, planet_path, level = "info", api_bind = "127.0.0.1", dns_at;
    long port = 9993, api_port = 9993;
    bool root = defaults.root, controller = defaults.controller, auto_authorize = false, allow_remote = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
        const char* v = nullptr;
        if (a == "--home" && (v = value())) home = v;
        else if (a == "--port" && (v = value())) port = std::strtol(v, nullptr, 10);
        else if (a == "--planet" && (v = value())) planet_path = v;
        else if (a == "--log-level" && (v = value())) level = v;
        else if (a == "--controller") controller = true;
        else if (a == "--root") root = true;
        else if (a == "--api-port" && (v = value())) api_port = std::strtol(v, nullptr, 10);
        else if (a == "--api-bind" && (v = value())) api_bind = v;
        else if (a == "--api-allow-remote") allow_remote = true;
        else if (a == "--auto-authorize") auto_authorize = true;
        else if (a == "--dns" && (v = value())) dns_at = v;
        else return usage(defaults);
    }
    if (home.empty() || port < 0 || port > 65535 || api_port < 0 || api_port > 65535) return usage(defaults);
    std::optional<stack::InetAddr> dns_addr;
    if (!dns_at.empty()) {
        std::string why;
        dns_addr = node::parse_host_port(dns_at, true, why);
        if (!dns_addr || !controller) {
            std::fprintf(stderr, "%s: --dns %s: %s\n", defaults.program, dns_at.c_str(),
                         dns_addr ? "only a controller serves names (--controller)" : why.c_str());
            return 2;
        }
    }
    ::mkdir(home.c_str(), 0700);
    char real[PATH_MAX];
    if (!::realpath(home.c_str(), real)) {
        std::fprintf(stderr, "%s: %s: %s\n", defaults.program, home.c_str(), std::strerror(errno));
        return 1;
    }
    home = real;
    try {
        auto logger = spdlog::basic_logger_mt(defaults.program, home + "/" + defaults.program + ".log");
        spdlog::set_default_logger(logger);
        spdlog::set_level(spdlog::level::from_str(level));
        spdlog::flush_every(std::chrono::seconds(1));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s/%s.log: %s\n", defaults.program, home.c_str(), defaults.program, e.what());
        return 1;
    }
    if (sodium_init() < 0) return 1;

    std::string error;
    link::SodiumRng rng;
    auto id = link::load_or_create_identity(home, rng, error);
    if (!id) {
        std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
        return 1;
    }

    node::EventLoop loop;
    ServerHost host;
    std::unique_ptr<Node> node;
    link::UdpTransport udp(loop, [&](LocalSocket s, const Endpoint& from, std::span<const uint8_t> d) {
        node->on_udp(loop.now(), s, from, d);
    });
    if (!udp.open(uint16_t(port), error)) {
        std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
        return 1;
    }
    host.udp = &udp;
    node = std::make_unique<Node>(host, rng, *id, loop.now());
    node->set_root_role(root);

    World planet;
    if (!planet_path.empty()) {
        auto w = link::load_planet(home, planet_path.c_str(), error);
        if (!w) {
            std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
            return 1;
        }
        planet = *w;
        bool listed = false;
        for (const auto& r : planet.roots) listed |= r.identity == id->public_only();
        if (root && !listed)
            std::fprintf(stderr, "%s: warning: %s does not list this root (%s)\n", defaults.program, planet_path.c_str(),
                         id->address().to_string().c_str());
        node->set_planet(planet);  // the other roots are peers; leaves with an older revision get this one
    } else if (!root) {
        planet = default_planet();  // a controller on the public planet, like ZeroTier One's
        node->set_planet(planet);
    }

    // The controller: records under <home>/controller.d, the HTTP API, the NetworkController.
    std::unique_ptr<ctl::ControllerStore> store;
    std::unique_ptr<ctl::Controller> ctl;
    std::unique_ptr<ctl::ControllerApi> api;
    if (controller) {
        store = std::make_unique<ctl::ControllerStore>();
        if (!store->open(home, id->address(), error)) {
            std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
            return 1;
        }
        for (const auto& p : store->load_problems()) std::fprintf(stderr, "%s: %s\n", defaults.program, p.c_str());
        store->set_auto_authorize(auto_authorize);
        ctl = std::make_unique<ctl::Controller>(*store, *node, *id, loop);
        if (!ctl->start(error)) {
            std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
            return 1;
        }
        node->set_network_controller(ctl.get());
        ctl::ApiOptions o;
        o.home = home;
        o.bind_address = api_bind;
        o.port = int(api_port);
        o.allow_remote = allow_remote;
        api = std::make_unique<ctl::ControllerApi>(*store, o);
        if (!api->start(error)) {
            std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
            return 1;
        }
    }
    std::unique_ptr<ctl::dns::Server> dns;
    if (dns_addr) {
        ctl::ControllerStore* st = store.get();
        dns = std::make_unique<ctl::dns::Server>(loop, [st](std::string_view name) { return ctl::dns::lookup_members(*st, name); });
        if (!dns->start(*dns_addr, error)) {
            std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
            return 1;
        }
    }

    link::StatusServer status(loop, stack::home_hash_of(home), [&](std::string_view req) {
        return req == "json" ? link::status_json(*node, udp, loop.now(), planet) : link::status_text(*node, udp, loop.now(), planet);
    });
    if (!status.start(error)) {
        std::fprintf(stderr, "%s: %s\n", defaults.program, error.c_str());
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

    std::string roles = root ? "root" : "";
    if (controller) roles += std::string(roles.empty() ? "" : " + ") + "controller";
    spdlog::info("{} {} ({}) serving on UDP port {}", defaults.program, id->address().to_string(), roles, udp.port());
    std::printf("%s %s (%s) listening on UDP port %u", defaults.program, id->address().to_string().c_str(), roles.c_str(),
                udp.port());
    if (api) std::printf(", controller API on %s:%d", api_bind.c_str(), api->port());
    if (dns) std::printf(", names on %s", dns_addr->to_string().c_str());
    std::printf("\n");
    std::fflush(stdout);
    loop.run();
    spdlog::info("{} stopping", defaults.program);
    if (api) api->stop();
    node->set_network_controller(nullptr);
    return 0;
}

}  // namespace zt::server

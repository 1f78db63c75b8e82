// CoreLink: the production Link of the node runtime. It owns the ZeroTier core (zt::Node),
// the identity, the planet and the underlay UDP sockets, and turns the stack's Ethernet
// frames into ZeroTier packets and back.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/node/node.hpp"
#include "core/world/world.hpp"
#include "tools/ztnode/link/sodium_rng.hpp"
#include "tools/ztnode/link/status_server.hpp"
#include "tools/ztnode/link/udp_transport.hpp"
#include "tools/ztnode/link.hpp"

namespace zt::link {

// The planet the node uses: $ZT_PLANET (a file, or "none"), else <home>/planet, else the
// compiled-in default. With $ZT_PLANET, <home>/planet is used instead when it is a valid
// update of it (a newer revision its roots gave the node, see save_planet). nullopt with
// `error` naming the file if it is unreadable or invalid; a World of type null for "none".
std::optional<World> load_planet(const std::string& home, const char* env_planet, std::string& error);
// Writes `planet` to <home>/planet (through a temporary file and rename).
bool save_planet(const std::string& home, const World& planet, std::string& error);

// Counters and a status snapshot for diagnostics; `stack` adds the node's stack counters
// (a root has no stack).
std::string status_json(const Node& node, const UdpTransport& udp, Ticks now, const World& planet,
                        const stack::StackStats* stack = nullptr, const std::vector<node::ProxyListenerInfo>* proxies = nullptr);
std::string status_text(const Node& node, const UdpTransport& udp, Ticks now, const World& planet,
                        const stack::StackStats* stack = nullptr, const std::vector<node::ProxyListenerInfo>* proxies = nullptr);
// The wrapped programs' virtual sockets as JSON, {"sockets": [...]} (ztstatus sockets adds
// their fds and prints them).
std::string sockets_json(const std::vector<stack::SocketInfo>& sockets);
// One network as JSON (like `zerotier-cli listnetworks -j`) and as one listnetworks line.
std::string network_json(const NetworkStatus& n);
std::string network_line(const NetworkStatus& n);

// Whether a managed address or route may be used (ZeroTier One's allowGlobal/allowDefault):
// default routes only with `allow_default`, global unicast space only with `allow_global`.
bool managed_prefix_allowed(const stack::InetPrefix& p, bool allow_global, bool allow_default);

class CoreLink final : public node::Link, private Host {
public:
    explicit CoreLink(const node::Config& cfg);
    ~CoreLink() override;

    bool start(node::LinkHost& host, std::string& error) override;
    Address address() const override;
    std::vector<node::LinkNetwork> networks() const override;
    void send_frame(NetworkId nwid, std::span<const uint8_t> frame) override;
    std::string join(NetworkId nwid, const std::vector<stack::InetPrefix>& addrs) override;
    void stack_groups(NetworkId nwid, const std::vector<Mac>& groups) override;
    void stop() override;
    // The status socket's requests: "text", "json", "networks", "network <nwid>", "sockets",
    // "join <nwid> [<ip>/<len>...]", "leave <nwid>".
    std::string request(std::string_view line);
    std::string status(bool json) const;

private:
    // Host
    void send_udp(LocalSocket from, const Endpoint& to, std::span<const uint8_t> datagram, int ttl) override;
    void deliver_frame(NetworkId nwid, const Frame& frame) override;
    void on_event(const Event& ev) override;

    Ticks run_timers();
    void refresh_local_endpoints();
    bool leave(NetworkId nwid);
    // networks.d/<nwid>.conf: a controller-managed network we joined, with its last configuration
    // (ZeroTier One keeps the same folder): rejoined and restored when the node starts.
    std::string network_file(NetworkId nwid) const;
    void save_network(NetworkId nwid);
    void restore_networks();
    void on_network_changed(NetworkId nwid);

    node::Config cfg_;
    node::LinkHost* host_ = nullptr;
    SodiumRng rng_;
    std::optional<Identity> identity_;
    World planet_;
    std::unique_ptr<UdpTransport> udp_;
    std::unique_ptr<Node> node_;
    std::unique_ptr<StatusServer> status_;
    Ticks next_timer_ = 0;
    Ticks next_local_refresh_ = 0;
    bool in_send_frame_ = false;
    std::vector<uint8_t> frame_buf_;
    std::vector<std::pair<NetworkId, std::vector<uint8_t>>> deferred_frames_;
    std::map<uint64_t, NetworkState> logged_state_;                     // for state-change log lines
    std::set<uint64_t> changed_networks_;                               // reconfigure after this event
    // Log rate limit for drops: one line per reason per second.
    std::array<Ticks, kDropReasons> last_drop_log_{};
};

}  // namespace zt::link

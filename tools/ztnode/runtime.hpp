// The node runtime: one thread, one EventLoop; the stack (lwIP + bridges), the control
// server and a Link wired together, plus the lifetime rules of docs/ARCHITECTURE.md ("The
// node's life"): exit `linger` seconds after the last control connection, bridged
// connection, UDP socket and live listener are gone.
#pragma once

#include <memory>
#include <string>

#include "stack/stack.hpp"
#include "tools/ztnode/config.hpp"
#include "tools/ztnode/control_server.hpp"
#include "tools/ztnode/event_loop.hpp"
#include "tools/ztnode/link.hpp"
#include "tools/ztnode/proxy/proxy_server.hpp"

namespace zt::node {

class Runtime final : public LinkHost {
public:
    // `cfg.home` must be the realpath of the home (ensure_home).
    Runtime(Config cfg, std::unique_ptr<Link> link);
    ~Runtime() override;
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // Opens 'K' and 'T', starts the link and configures the networks. False with one line.
    bool init(std::string& error);
    // Runs until SIGTERM/SIGINT, or until idle for `linger` seconds if `linger_exit`.
    int run(bool linger_exit);

    // LinkHost
    EventLoop& loop() override { return loop_; }
    void deliver_frame(NetworkId nwid, std::span<const uint8_t> frame) override;
    void networks_changed() override;
    void log(stack::LogLevel level, const std::string& message) override;
    stack::StackStats stack_stats() const override { return stack_->stats(); }
    std::vector<stack::SocketInfo> stack_sockets() const override { return stack_->sockets(); }
    std::vector<ProxyListenerInfo> proxy_listeners() const override;

    stack::Stack& stack() { return *stack_; }

private:
    void save_routes(const std::vector<stack::NetworkSetup>& setups);
    std::string saved_routes_;  // what $ZT_HOME/routes holds
    void save_dns(const std::vector<DnsZone>& zones);
    std::string saved_dns_;     // what $ZT_HOME/dns holds
    // $ZT_HOME/listeners: the listeners of other uids the node accepted from keyed processes.
    std::vector<stack::KeyedListener> load_keyed_listeners() const;
    void save_keyed_listeners();
    void on_keyed_listen(uid_t uid, uint64_t sock_id);
    std::vector<stack::KeyedListener> keyed_listeners_;
    void check_linger();

    Config cfg_;
    uint64_t home_hash_ = 0;
    EventLoop loop_;
    std::unique_ptr<Link> link_;
    std::unique_ptr<stack::Stack> stack_;
    std::unique_ptr<ControlServer> control_;
    std::unique_ptr<ProxyServer> proxy_;  // socks, http_proxy, forwards, exposes
    int signal_fd_ = -1;
    bool linger_exit_ = true;
    Ticks idle_since_ = -1;
};

// The whole ztnode program: flags (--daemonize, --foreground, --no-linger-exit), config,
// home, lock, log, then Runtime. Returns the exit status.
int node_main(int argc, char** argv, const LinkFactory& make_link);

}  // namespace zt::node

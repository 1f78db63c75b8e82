// The boundary between the node runtime and whatever carries Ethernet frames between nodes:
// the ZeroTier core in production ("CoreLink", outside this folder), a plain-UDP test link in
// test/stack/. The runtime owns the loop, the stack and the control server; the link owns its
// sockets and timers (registered with the runtime's EventLoop) and reports who we are.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "stack/inet.hpp"
#include "stack/stack.hpp"
#include "tools/ztnode/config.hpp"
#include "tools/ztnode/event_loop.hpp"

namespace zt::node {

// One virtual network the link has joined, as the stack and the hello reply need it.
struct LinkNetwork {
    NetworkId nwid;
    uint32_t mtu = 2800;
    std::vector<stack::InetPrefix> addrs;     // assigned to us (static config or the controller)
    std::vector<stack::ManagedRoute> routes;  // managed routes beyond the assigned subnets
    bool ndp_emulation = false;               // stack::NetworkSetup::ndp_emulation
    // Names (spec §8.5 DNS): the network's search domain and its servers (port 53 when the
    // controller gave none). Empty: none pushed.
    std::string dns_domain;
    std::vector<stack::InetAddr> dns_servers;
};

// A proxy, forward or expose listener (tools/ztnode/proxy/), for the status. UDP forwards and
// exposes count flows (accepted), datagrams carried (connected) and dropped (failed).
struct ProxyListenerInfo {
    std::string kind;    // socks, http_proxy, forward, expose
    std::string proto;   // tcp or udp
    std::string listen;  // address:port
    std::string target;  // forward/expose: where connections go; else empty
    uint64_t accepted = 0, connected = 0, failed = 0, refused = 0;
};

// What the runtime offers a link. All calls on the loop thread.
class LinkHost {
public:
    virtual ~LinkHost() = default;
    // Register fds and timers here; never block.
    virtual EventLoop& loop() = 0;
    // A frame from the network for `nwid` (dst MAC, src MAC, ethertype, payload). The runtime
    // hands it to the stack synchronously; the span need not outlive the call.
    virtual void deliver_frame(NetworkId nwid, std::span<const uint8_t> frame) = 0;
    // networks() (or address()) changed: the runtime re-reads them and reconfigures the stack.
    virtual void networks_changed() = 0;
    virtual void log(stack::LogLevel level, const std::string& message) = 0;
    // The stack's counters and sockets, for the status.
    virtual stack::StackStats stack_stats() const = 0;
    virtual std::vector<stack::SocketInfo> stack_sockets() const = 0;
    virtual std::vector<ProxyListenerInfo> proxy_listeners() const { return {}; }
};

class Link {
public:
    virtual ~Link() = default;
    // Opens sockets, registers them with host.loop(). False with a one-line reason on failure
    // (the node then exits 1 with that line).
    virtual bool start(LinkHost& host, std::string& error) = 0;
    // Our 40-bit ZeroTier address; with the network id it gives our MAC (Mac::from_address).
    virtual Address address() const = 0;
    virtual std::vector<LinkNetwork> networks() const = 0;
    // A frame the stack transmits on `nwid`. Must not call LinkHost::deliver_frame from
    // inside this call (the stack may be mid-operation); queue or defer instead.
    virtual void send_frame(NetworkId nwid, std::span<const uint8_t> frame) = 0;
    // Joins `nwid` at run time (a program's ZT_NETWORKS, ztrun -n): statically with `addrs`,
    // through the network's controller without. "" on success (also when already joined),
    // else one line saying why not.
    virtual std::string join(NetworkId nwid, const std::vector<stack::InetPrefix>& addrs) {
        (void)nwid;
        (void)addrs;
        return "this node cannot join networks at run time";
    }
    // The multicast MACs the stack listens to on `nwid` changed.
    virtual void stack_groups(NetworkId nwid, const std::vector<Mac>& groups) {
        (void)nwid;
        (void)groups;
    }
    // The node is exiting: close sockets (the loop will not run again).
    virtual void stop() {}
};

// Builds the link for a configuration; the node binary passes its own, tests theirs.
using LinkFactory = std::function<std::unique_ptr<Link>(const Config&)>;

}  // namespace zt::node

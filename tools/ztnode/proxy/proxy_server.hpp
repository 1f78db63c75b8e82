// The node's ways in for programs the preload cannot reach (README "Without the preload"):
//
//   socks       SOCKS5 (RFC 1928, CONNECT; RFC 1929 username/password) on a local port
//   http_proxy  HTTP proxy: CONNECT tunnels and plain http:// requests in absolute form
//   forward     a local TCP listener; each connection is carried to one virtual address
//   expose      a virtual TCP listener; each connection is carried to one local address
//               (Stack::expose does the work; this class only sets it up and counts)
//
// Proxy and forward clients are kernel TCP sockets of the node. Once the handshake names a
// target, the socket is handed to the stack (Stack::connect_external), which bridges it to a
// connection on the virtual network exactly as it bridges an app's carrier: the proxy's
// reply is written when the virtual connection is established or has failed, and bytes the
// client sent after its request go out first. Targets outside the joined networks are
// refused (SOCKS reply 2, HTTP 403) unless `proxy_outside`; then the node connects through
// the kernel and relays (KernelRelay).
//
// Everything runs on the node's loop thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "stack/stack.hpp"
#include "tools/ztnode/config.hpp"
#include "tools/ztnode/event_loop.hpp"
#include "tools/ztnode/proxy/socks5.hpp"

namespace zt::node {

// A network's pushed names: its search domain and DNS servers.
struct DnsZone {
    std::string domain;
    std::vector<stack::InetAddr> servers;
};

class ProxyServer {
public:
    enum class Kind : uint8_t { socks, http, forward, expose };

    // One listener as `ztstatus` shows it.
    struct ListenerStatus {
        Kind kind{};
        bool udp = false;
        std::string listen;  // "127.0.0.1:1080", or the virtual address of an expose
        std::string target;  // forward/expose: where connections go
        uint64_t accepted = 0;   // connections taken in
        uint64_t connected = 0;  // reached their target
        uint64_t failed = 0;     // the target could not be reached (refused, unreachable, timeout)
        uint64_t refused = 0;    // refused by the proxy: bad requests, authentication, policy
    };

    ProxyServer(EventLoop& loop, stack::Stack& stack, const Config& cfg);
    ~ProxyServer();
    ProxyServer(const ProxyServer&) = delete;
    ProxyServer& operator=(const ProxyServer&) = delete;

    // Opens every configured listener; false with one line naming the one that failed.
    bool start(std::string& error);
    bool serving() const { return !listeners_.empty(); }  // keeps the node up while true
    // Opens what waited for an address of ours (UDP exposes on an address not yet assigned), and
    // takes the names the networks push (proxy targets named under those domains are resolved
    // through their servers).
    void networks_changed(std::vector<DnsZone> zones);
    std::vector<ListenerStatus> status() const;
    static const char* kind_name(Kind k);

    struct Listener;
    struct Session;
    struct UdpAssoc;
    class KernelRelay;

private:
    bool open_listener(Kind kind, const stack::InetAddr& at, const stack::InetAddr& target, std::string& error);
    void on_accept(Listener& l);
    void on_session_event(Session& s, uint32_t events);
    void advance(Session& s);  // parses what has arrived; may finish the session
    void advance_socks(Session& s);
    void advance_http(Session& s);
    // The request named `dst` (`label` for logs): refuse, relay outside, or hand to the stack.
    void connect_target(Session& s, const stack::InetAddr& dst, const std::string& label);
    void connect_outside(Session& s, const stack::InetAddr& dst);
    // A name: resolved through the servers of the network whose domain it is under, then
    // connect_target; other names cannot be reached (SOCKS reply 4, HTTP 502).
    void resolve_name(Session& s, const std::string& name, uint16_t port);
    void resolve_by_system(Session& s, const std::string& name, uint16_t port);  // proxy_outside
    void send_dns_query(Session& s);
    void on_dns_reply(Session& s);
    void dns_next(Session& s);  // this server did not answer: the next one, or give up
    // SOCKS5 UDP ASSOCIATE: a relay port for the client's datagrams, a virtual UDP socket for
    // the networks; the association ends with its TCP connection.
    void udp_associate(Session& s, const socks5::Target& hint);
    void assoc_from_client(UdpAssoc& a);
    void assoc_from_network(UdpAssoc& a);
    void end_assoc(UdpAssoc& a);
    void on_outside_connected(Session& s, uint32_t events);
    // The handshake failed: send `reply` (may be empty) and close, with a RST if `reset`.
    void refuse(Session& s, const std::vector<uint8_t>& reply, bool reset = false);
    void end(Session& s);  // drops the session (fd already handed over or closed)
    bool auth_ok(const std::string& user, const std::string& password) const;

    EventLoop& loop_;
    stack::Stack& stack_;
    const Config& cfg_;
    std::string basic_auth_;  // the expected Proxy-Authorization value ("Basic ...")
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::vector<DnsZone> zones_;
    std::unordered_map<Session*, std::unique_ptr<Session>> sessions_;
    std::unordered_map<KernelRelay*, std::unique_ptr<KernelRelay>> relays_;
    std::unordered_map<UdpAssoc*, std::unique_ptr<UdpAssoc>> assocs_;
};

}  // namespace zt::node

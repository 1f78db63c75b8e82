// The controller's names (README "Names"): a DNS responder that answers A and AAAA for
// <member name>.<domain> from the controller's own records, for every network whose `dns`
// setting names a domain. Unknown names under a domain get NXDOMAIN, names outside every
// domain REFUSED. It reads the records at each query, so a renamed or re-addressed member
// answers at once. DNS messages are parsed and built with ldns (libldns-dev).
//
// It listens on a kernel UDP port (ztcontroller --dns 127.0.0.1:5353). To serve it on the
// virtual network, a node beside the controller exposes it (`expose = udp 10.147.17.1:53
// 127.0.0.1:5353`), and the network's dns.servers names that virtual address.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "stack/inet.hpp"
#include "tools/ztcontroller/dns_respond.hpp"
#include "tools/ztnode/event_loop.hpp"

namespace zt::ctl {

class ControllerStore;

namespace dns {

// Member names from the store: "<name>.<domain>", names compared without case; only
// authorized members with a name.
Answer lookup_members(const ControllerStore& store, std::string_view name);

class Server {
public:
    Server(node::EventLoop& loop, Lookup lookup);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    bool start(const stack::InetAddr& at, std::string& error);
    uint64_t answered() const { return answered_; }

private:
    void on_readable();
    node::EventLoop& loop_;
    Lookup lookup_;
    int fd_ = -1;
    uint64_t answered_ = 0;
};

}  // namespace dns
}  // namespace zt::ctl

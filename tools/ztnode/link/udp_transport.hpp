// The node's physical (underlay) UDP sockets: one IPv4 and one IPv6 socket on the same
// port, batched receive (recvmmsg) and batched send (sendmmsg, flushed after the handler
// that queued the datagrams), registered with the runtime's event loop.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/node/node.hpp"
#include "core/types.hpp"
#include "stack/reactor.hpp"

namespace zt::link {

struct UdpStats {
    uint64_t rx_datagrams = 0, tx_datagrams = 0;
    uint64_t rx_batches = 0, tx_batches = 0;
    uint64_t tx_dropped = 0;  // the kernel refused (buffer full, no route)
    uint64_t tx_gso_runs = 0;   // sends that carried a run of datagrams (UDP_SEGMENT)
    uint64_t rx_gro_runs = 0;   // reads that held a run of datagrams (UDP_GRO)
    uint64_t gso_refused = 0;   // the route refused GSO; the socket sends one by one since
};

class UdpTransport {
public:
    using Receive = std::function<void(LocalSocket, const Endpoint& from, std::span<const uint8_t>)>;
    static constexpr LocalSocket kV4 = 0;
    static constexpr LocalSocket kV6 = 1;

    // `offload`: use UDP GSO and GRO where the kernel has them (runs of equal datagrams to one
    // destination leave in one send; the receiver takes them in one read).
    UdpTransport(stack::Reactor& loop, Receive on_receive, bool offload = true);
    ~UdpTransport();
    UdpTransport(const UdpTransport&) = delete;
    UdpTransport& operator=(const UdpTransport&) = delete;

    // Binds 0.0.0.0:port and [::]:port (v6-only). Port 0 picks one port for both. IPv6 is
    // best effort (a host without IPv6 keeps the IPv4 socket). False with a message if the
    // IPv4 socket cannot be bound.
    bool open(uint16_t port, std::string& error);
    void close();
    uint16_t port() const { return port_; }

    // Queues a datagram; it leaves after the current event handler (or at once with ttl).
    void send(LocalSocket local, const Endpoint& to, std::span<const uint8_t> datagram, int ttl = 0);
    void flush();

    const UdpStats& stats() const { return stats_; }

private:
    struct Socket;
    void on_readable(Socket& s);
    Socket* pick(LocalSocket local, const Endpoint& to);
    void flush(Socket& s);
    size_t plan(Socket& s);

    stack::Reactor& loop_;
    bool offload_;
    Receive on_receive_;
    std::unique_ptr<Socket> v4_, v6_;
    uint16_t port_ = 0;
    bool flush_scheduled_ = false;
    UdpStats stats_;
};

// sockaddr <-> Endpoint.
bool endpoint_from_sockaddr(const sockaddr* sa, socklen_t len, Endpoint& out);
socklen_t sockaddr_from_endpoint(const Endpoint& e, sockaddr_storage& out);

}  // namespace zt::link

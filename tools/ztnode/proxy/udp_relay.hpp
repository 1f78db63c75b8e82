// UDP forwards and exposes (config `forward = udp ...`, `expose = udp ...`): datagrams that
// arrive on one side are sent on from a socket of their own per source, so that replies find
// their way back, as a NAT keeps a mapping per flow.
//
//   forward  clients on a local kernel UDP port; per client a virtual UDP socket (the node's own,
//            through Stack::op_udp_open, as an app's) that sends to the virtual target
//   expose   clients on a virtual UDP port (a virtual socket bound there); per client a kernel
//            UDP socket connected to the local target
//
// A mapping unused for kIdleMs is dropped; at most kMaxFlows per relay (the oldest goes first).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "stack/stack.hpp"
#include "tools/ztnode/event_loop.hpp"

namespace zt::node {

// A virtual UDP socket of the node itself, bound to `local` (port 0: any), made as an app's
// through Stack::op_udp_open: its SOCK_SEQPACKET end (non-blocking), whose messages are
// ztctl::UdpHeader + payload. -1 with errno on failure.
int open_virtual_udp(stack::Stack& stack, const stack::InetAddr& local);

class UdpRelay {
public:
    static constexpr Ticks kIdleMs = 120000;
    static constexpr size_t kMaxFlows = 1024;

    struct Counters {
        uint64_t flows = 0;        // mappings made (one per client source)
        uint64_t datagrams = 0;    // carried, both ways
        uint64_t dropped = 0;      // could not be carried (send errors, no mapping)
    };

    // `expose` false: `from` is a local address and `to` a virtual one; true: the reverse.
    UdpRelay(EventLoop& loop, stack::Stack& stack, bool expose, const stack::InetAddr& from, const stack::InetAddr& to);
    ~UdpRelay();
    UdpRelay(const UdpRelay&) = delete;
    UdpRelay& operator=(const UdpRelay&) = delete;

    // Opens the listening side; an errno on failure (EADDRNOTAVAIL: the virtual address is not
    // ours yet, try again when the networks change).
    int start();
    bool started() const { return outer_fd_ >= 0; }
    const Counters& counters() const { return counters_; }

private:
    struct Flow {
        int fd = -1;
        Ticks last = 0;
    };
    struct Key {
        stack::InetAddr a;
        bool operator<(const Key& o) const;
    };

    void on_outer();
    void on_inner(const stack::InetAddr& client, int fd);
    Flow* flow_for(const stack::InetAddr& client);
    void close_flow(std::map<Key, Flow>::iterator it);
    void sweep();

    EventLoop& loop_;
    stack::Stack& stack_;
    const bool expose_;
    const stack::InetAddr from_, to_;
    int outer_fd_ = -1;  // forward: kernel UDP; expose: a virtual socket's SOCK_SEQPACKET end
    std::map<Key, Flow> flows_;
    stack::Reactor::TimerId sweep_timer_ = 0;
    Counters counters_;
};

}  // namespace zt::node

// PRIVATE to stack/: virtual UDP sockets. Each is an lwIP udp pcb plus a SOCK_SEQPACKET pair
// whose other end the app holds; every message is UdpHeader + payload (destination on the way
// out, source on the way in). Datagrams the app's end cannot take are dropped and counted,
// like a full UDP receive buffer. Datagrams to our own addresses go from socket to socket
// here, never through lwIP. SO_REUSEPORT groups (sockets bound to one address with the option)
// each hold a pcb; a datagram that reaches any unconnected member is dealt to the member its
// source hashes to, so one source stays with one socket while the group is unchanged (the
// kernel hashes the 4-tuple the same way).
#pragma once

#include <lwip/udp.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "ipc/control_protocol.hpp"
#include "stack/inet.hpp"
#include "stack/stack.hpp"

namespace zt::stack {

class StackContext;
class UdpSocket;
struct UnixSocketTable;

class UdpBridge {
public:
    explicit UdpBridge(StackContext& ctx);
    ~UdpBridge();
    UdpBridge(const UdpBridge&) = delete;
    UdpBridge& operator=(const UdpBridge&) = delete;

    Stack::UdpOpenResult open(const ztctl::UdpOpen& req, pid_t pid);
    Stack::BindResult connect(const ztctl::UdpConnect& req);
    size_t live_count() const;
    // Stack::sockets.
    void sockets(const UnixSocketTable& table, std::vector<SocketInfo>& out) const;

    // --- for UdpSocket ---
    // The socket that would receive a datagram sent to our own address `dst` from `src`.
    UdpSocket* find_local(const InetAddr& dst, const InetAddr& src);
    // The member of `s`'s SO_REUSEPORT group that takes a datagram from `src` (`s` itself when
    // it is in no group or connected).
    UdpSocket* deal(UdpSocket* s, const InetAddr& src);
    void retire(UdpSocket* s);

private:
    StackContext& ctx_;
    std::unordered_map<uint64_t, std::unique_ptr<UdpSocket>> sockets_;
};

}  // namespace zt::stack

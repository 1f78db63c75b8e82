// PRIVATE to stack/: what the TCP and UDP bridges need from the stack as a whole: the loop,
// logging, the node's identity for socket names, and the address policy that keeps lwIP away
// from its loopback path (lwIP's netif_loop_output needs the tcpip thread we do not run and
// ASSERT-aborts without it, so no packet for one of our own addresses may ever reach lwIP).
#pragma once

#include <sys/types.h>

#include <cstdarg>
#include <cstring>
#include <cstdint>
#include <optional>
#include <vector>

#include "stack/inet.hpp"
#include "stack/reactor.hpp"
#include "stack/stack.hpp"

struct netif;  // lwIP

namespace zt::stack {

class StackContext {
public:
    StackContext(Reactor& reactor, const StackOptions& options) : reactor_(reactor), options_(options) {}
    virtual ~StackContext() = default;

    Reactor& reactor() const { return reactor_; }
    uint64_t home_hash() const { return options_.home_hash; }
    uid_t uid() const { return options_.uid; }
    // A peer of another uid may use the node only with the home's access key.
    bool key_ok(const uint8_t (&key)[ztctl::kAccessKeyLen]) const {
        ztctl::AccessKey k;
        std::memcpy(k.b, key, sizeof k.b);
        return !ztctl::key_is_zero(options_.access_key) && ztctl::keys_equal(k, options_.access_key);
    }
    const StackOptions& options() const { return options_; }
    StackStats& stats() { return stats_; }
    const StackStats& stats() const { return stats_; }

    void logf(LogLevel level, const char* fmt, ...) const __attribute__((format(printf, 3, 4)));

    // One of the addresses assigned to us on any network.
    virtual bool is_own_address(const InetAddr& a) const = 0;
    // Inside a joined network's subnet or managed route (IP_FREEBIND binds there).
    bool on_virtual_network(const InetAddr& a) const { return netif_for(a) != nullptr; }
    // 0 if lwIP may send to `dst` (on-link on some netif, not ours, not loopback, multicast or
    // unspecified; subnet broadcast only if `allow_broadcast`); otherwise the errno a kernel
    // would give (ENETUNREACH, ...).
    virtual int check_destination(const InetAddr& dst, bool allow_broadcast) const = 0;
    // The netif that reaches `dst` (on-link prefix or managed route), or null. pcbs are bound
    // to it (tcp_bind_netif, udp_sendto_if), so lwIP's own routing (/64-only for IPv6, no
    // managed routes, loopback fallback) is never consulted for what we send.
    virtual struct netif* netif_for(const InetAddr& dst) const = 0;
    // The address we would send from to reach `dst` (kernel source selection, simplified).
    virtual std::optional<InetAddr> source_for(const InetAddr& dst) const = 0;

    // A scratch buffer for one synchronous copy (never held across a return to the loop).
    std::vector<uint8_t>& scratch(size_t at_least) {
        if (scratch_.size() < at_least) scratch_.resize(at_least);
        return scratch_;
    }

private:
    Reactor& reactor_;
    StackOptions options_;
    StackStats stats_;
    std::vector<uint8_t> scratch_;
};

}  // namespace zt::stack

// PRIVATE to stack/: includes lwIP. The single-threaded lwIP environment (lwip_init without
// the tcpip thread, timers run from the node's loop), pbuf ownership, and address
// conversions between InetAddr and ip_addr_t.
//
// Never include <netinet/tcp.h> (or lwip/sockets.h) in a file that includes this: glibc's
// header redefines TCP_MSS to 512 (research/baselines.md §4).
#pragma once

#include <lwip/ip_addr.h>
#include <lwip/pbuf.h>

#include <cstdint>
#include <utility>

#include "stack/inet.hpp"

namespace zt::stack {

// Initialises lwIP once per process: seeds LWIP_RAND (rand(): ISNs, ephemeral ports) from
// the kernel and calls lwip_init(). No tcpip thread is started, so lwIP's core-locking check
// passes and every raw-API call must come from the node's one thread.
void lwip_setup_once();
// Runs due lwIP timers; returns milliseconds until the next one is wanted (or UINT32_MAX for
// none): at least 1 s while no TCP connection exists (see .cpp).
uint32_t lwip_run_timers();

// Owns one reference to a pbuf (chain). `release()` hands it to lwIP (or to a queue) at a
// hand-off; the destructor frees whatever is still owned.
class PbufRef {
public:
    PbufRef() = default;
    explicit PbufRef(pbuf* p) : p_(p) {}
    PbufRef(PbufRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    PbufRef& operator=(PbufRef&& o) noexcept {
        if (this != &o) {
            reset();
            p_ = std::exchange(o.p_, nullptr);
        }
        return *this;
    }
    PbufRef(const PbufRef&) = delete;
    PbufRef& operator=(const PbufRef&) = delete;
    ~PbufRef() { reset(); }

    pbuf* get() const { return p_; }
    explicit operator bool() const { return p_ != nullptr; }
    pbuf* release() { return std::exchange(p_, nullptr); }
    void reset() {
        if (p_) pbuf_free(p_);
        p_ = nullptr;
    }

private:
    pbuf* p_ = nullptr;
};

// family 4 -> IPADDR_TYPE_V4, family 6 -> IPADDR_TYPE_V6 (no zone). The port is not part of
// ip_addr_t and is ignored.
ip_addr_t to_ip_addr(const InetAddr& a);
InetAddr from_ip_addr(const ip_addr_t& a, uint16_t port);

}  // namespace zt::stack

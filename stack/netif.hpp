// PRIVATE to stack/: one lwIP Ethernet netif per virtual network. Frames lwIP transmits go
// out whole (dst MAC, src MAC, ethertype, payload) through a callback; frames from the
// network come in through input(). Filtering of foreign traffic happens in the Stack, before
// input() (see stack.cpp).
#pragma once

#include <lwip/netif.h>

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "stack/inet.hpp"
#include "stack/ip_reassembly.hpp"

namespace zt::stack {

class VirtualNetif {
public:
    using FrameOut = std::function<void(NetworkId, std::span<const uint8_t>)>;

    // Adds the netif to lwIP, up and link-up, without addresses. ok() is false if lwIP refused.
    VirtualNetif(NetworkId nwid, Mac mac, uint32_t mtu, FrameOut out);
    ~VirtualNetif();  // netif_remove: lwIP aborts the pcbs bound to our addresses
    VirtualNetif(const VirtualNetif&) = delete;
    VirtualNetif& operator=(const VirtualNetif&) = delete;

    bool ok() const { return added_; }
    NetworkId nwid() const { return nwid_; }
    Mac mac() const { return mac_; }

    // Applies the first IPv4 prefix and up to 5 IPv6 prefixes (lwIP's limits); returns the
    // prefixes now in effect. Addresses already in place are left alone so that connections
    // bound to them survive.
    std::vector<InetPrefix> set_addresses(const std::vector<InetPrefix>& addrs);
    void set_mtu(uint32_t mtu);
    // Prefixes that are on-link without being assigned to us (managed routes).
    void set_routes(std::vector<InetPrefix> routes) { routes_ = std::move(routes); }

    const std::vector<InetPrefix>& addresses() const { return addrs_; }
    bool has_address(const InetAddr& a) const;
    bool on_link(const InetAddr& a) const;  // inside one of our prefixes or routes
    bool is_broadcast_for(const InetAddr& a) const;

    // Feeds one Ethernet frame to lwIP (copied into a fresh pbuf). IP fragments are put back
    // together here first (ip_reassembly.hpp) and the whole packet goes to lwIP's IP input.
    void input(std::span<const uint8_t> frame);
    const IpReassembly::Stats& reassembly_stats() const { return reassembly_.stats(); }

    struct netif* raw() { return &netif_; }

private:
    static err_t init_cb(struct netif* n);
    static err_t linkoutput_cb(struct netif* n, struct pbuf* p);

    NetworkId nwid_;
    Mac mac_;
    uint32_t mtu_;
    FrameOut out_;
    std::vector<uint8_t> txbuf_;
    IpReassembly reassembly_;
    std::vector<InetPrefix> addrs_;
    std::vector<InetPrefix> routes_;
    struct netif netif_ {};
    bool added_ = false;
};

}  // namespace zt::stack

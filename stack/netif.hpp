// PRIVATE to stack/: one lwIP Ethernet netif per virtual network. Frames lwIP transmits go
// out whole (dst MAC, src MAC, ethertype, payload) through a callback; frames from the
// network come in through input(). Filtering of foreign traffic happens in the Stack, before
// input() (see stack.cpp).
#pragma once

#include <lwip/netif.h>

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "stack/inet.hpp"
#include "stack/ip_reassembly.hpp"
#include "stack/stack.hpp"

namespace zt::stack {

class VirtualNetif {
public:
    using FrameOut = std::function<void(NetworkId, std::span<const uint8_t>)>;
    // The multicast MACs lwIP listens to changed (MLD and IGMP joins and leaves).
    using GroupsOut = std::function<void(NetworkId, const std::vector<Mac>&)>;

    // Adds the netif to lwIP, up and link-up, without addresses. ok() is false if lwIP refused.
    VirtualNetif(NetworkId nwid, Mac mac, uint32_t mtu, FrameOut out, GroupsOut groups = {});
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
    // Managed routes: prefixes reached on this network, on-link or through a member (`via`).
    // Next hops are chosen here, per packet (output4_cb), not by lwIP, which knows one gateway
    // per netif and /64 IPv6 prefixes only.
    void set_routes(std::vector<ManagedRoute> routes) { routes_ = std::move(routes); }
    // §6.4: send to RFC4193/6PLANE addresses at the MAC they embed, without NDP.
    void set_ndp_emulation(bool on) { ndp_emulation_ = on; }

    const std::vector<InetPrefix>& addresses() const { return addrs_; }
    bool has_address(const InetAddr& a) const;
    bool on_link(const InetAddr& a) const { return match_length(a) >= 0; }  // inside a prefix or route
    // The length of the most specific of our prefixes and routes containing `a`; -1 if none.
    int match_length(const InetAddr& a) const;
    // The IPv4 next hop for `dst`: `dst` itself when it is on an assigned subnet or an on-link
    // route, the route's gateway otherwise; nullopt when no prefix covers it.
    std::optional<InetAddr> next_hop(const InetAddr& dst) const;
    const std::vector<Mac>& multicast_groups() const { return groups_; }
    bool is_broadcast_for(const InetAddr& a) const;

    // Feeds one Ethernet frame to lwIP (copied into a fresh pbuf). IP fragments are put back
    // together here first (ip_reassembly.hpp) and the whole packet goes to lwIP's IP input.
    void input(std::span<const uint8_t> frame);
    const IpReassembly::Stats& reassembly_stats() const { return reassembly_.stats(); }

    struct netif* raw() { return &netif_; }

private:
    static err_t init_cb(struct netif* n);
    static err_t linkoutput_cb(struct netif* n, struct pbuf* p);
    static err_t output4_cb(struct netif* n, struct pbuf* p, const ip4_addr_t* dst);
    static err_t output6_cb(struct netif* n, struct pbuf* p, const ip6_addr_t* dst);
    static err_t igmp_filter_cb(struct netif* n, const ip4_addr_t* group, enum netif_mac_filter_action action);
    static err_t mld_filter_cb(struct netif* n, const ip6_addr_t* group, enum netif_mac_filter_action action);
    void group_changed(Mac group, bool join);

    NetworkId nwid_;
    Mac mac_;
    uint32_t mtu_;
    FrameOut out_;
    GroupsOut groups_out_;
    std::vector<uint8_t> txbuf_;
    IpReassembly reassembly_;
    std::vector<InetPrefix> addrs_;
    std::vector<ManagedRoute> routes_;
    bool ndp_emulation_ = false;
    std::vector<Mac> groups_;            // joined multicast MACs, in join order
    std::map<uint64_t, int> group_refs_;  // IP groups joined per MAC
    struct netif netif_ {};
    bool added_ = false;
};

}  // namespace zt::stack

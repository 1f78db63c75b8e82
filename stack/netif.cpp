// lwIP netif per virtual network: Ethernet framing by lwIP (etharp_output, ethip6_output,
// ethernet_input); we only move whole frames in and out.
#include "stack/netif.hpp"

#include <lwip/etharp.h>
#include <lwip/ip.h>
#include <lwip/sys.h>
#include <lwip/ethip6.h>
#include <lwip/ip4_addr.h>
#include <lwip/ip6_addr.h>
#include <netif/ethernet.h>

#include <algorithm>
#include <cstring>

#include "core/ipv6_schemes.hpp"
#include "stack/lwip_glue.hpp"
#include "stack/time_wait.hpp"

namespace zt::stack {

VirtualNetif::VirtualNetif(NetworkId nwid, Mac mac, uint32_t mtu, FrameOut out, GroupsOut groups)
    : nwid_(nwid), mac_(mac), mtu_(mtu), out_(std::move(out)), groups_out_(std::move(groups)) {
    lwip_setup_once();
    ip4_addr_t zero;
    ip4_addr_set_zero(&zero);
    if (!netif_add(&netif_, &zero, &zero, &zero, this, &VirtualNetif::init_cb, ethernet_input)) return;
    added_ = true;
    netif_set_link_up(&netif_);
    netif_set_up(&netif_);
}

VirtualNetif::~VirtualNetif() {
    if (added_) netif_remove(&netif_);
}

err_t VirtualNetif::init_cb(struct netif* n) {
    auto* self = static_cast<VirtualNetif*>(n->state);
    n->name[0] = 'z';
    n->name[1] = 't';
    n->hwaddr_len = ETH_HWADDR_LEN;
    auto b = self->mac_.bytes();
    std::memcpy(n->hwaddr, b.data(), ETH_HWADDR_LEN);
    n->mtu = uint16_t(self->mtu_);
#if LWIP_IPV6 && LWIP_ND6_ALLOW_RA_UPDATES
    n->mtu6 = uint16_t(self->mtu_);
#endif
    // MLD6: lwIP joins each address's solicited-node group (nd6_adjust_mld_membership), so
    // neighbour solicitations for our IPv6 addresses get through ip6_input.
    n->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_MLD6;
    n->output = &VirtualNetif::output4_cb;
    n->output_ip6 = &VirtualNetif::output6_cb;
    n->linkoutput = &VirtualNetif::linkoutput_cb;
    // Set before netif_add joins the all-nodes group, so every join and leave comes through here.
    n->mld_mac_filter = &VirtualNetif::mld_filter_cb;
    n->igmp_mac_filter = &VirtualNetif::igmp_filter_cb;
    return ERR_OK;
}

// IPv4 out: broadcast and multicast as lwIP does them; unicast to the next hop we choose (an
// on-link destination itself, else its route's gateway), resolved by ARP.
err_t VirtualNetif::output4_cb(struct netif* n, struct pbuf* p, const ip4_addr_t* dst) {
    auto* self = static_cast<VirtualNetif*>(n->state);
    if (ip4_addr_isbroadcast(dst, n) || ip4_addr_ismulticast(dst)) return etharp_output(n, p, dst);
    ip_addr_t d;
    ip_addr_copy_from_ip4(d, *dst);
    auto hop = self->next_hop(from_ip_addr(d, 0));
    if (!hop) return ERR_RTE;
    ip_addr_t h = to_ip_addr(*hop);
    // etharp_output would send anything off our subnet to netif->gw (none): for next hops on the
    // subnet it is the cached fast path, for the rest (on-link routes) etharp_query resolves them.
    if (ip4_addr_netcmp(ip_2_ip4(&h), netif_ip4_addr(n), netif_ip4_netmask(n))) return etharp_output(n, p, ip_2_ip4(&h));
    return etharp_query(n, ip_2_ip4(&h), p);
}

// IPv6 out: with NDP emulation, RFC4193 and 6PLANE destinations go straight to the MAC of the
// member they name (§6.4); lwIP's neighbour discovery would take 6PLANE peers, each in its own
// /64, for off-link. Everything else goes through lwIP's ND.
err_t VirtualNetif::output6_cb(struct netif* n, struct pbuf* p, const ip6_addr_t* dst) {
    auto* self = static_cast<VirtualNetif*>(n->state);
    if (self->ndp_emulation_ && !ip6_addr_ismulticast(dst)) {
        Ipv6 ip;
        std::memcpy(ip.data(), dst->addr, 16);
        if (auto owner = emulated_ipv6_owner(self->nwid_, ip)) {
            auto mac = Mac::from_address(*owner, self->nwid_).bytes();
            eth_addr to;
            std::memcpy(to.addr, mac.data(), 6);
            return ethernet_output(n, p, reinterpret_cast<const eth_addr*>(n->hwaddr), &to, ETHTYPE_IPV6);
        }
    }
    return ethip6_output(n, p, dst);
}

// Several IP groups can map to one MAC (IPv4 keeps 23 bits of 28, IPv6 32 of 128): the MAC is
// announced while any of them is joined.
void VirtualNetif::group_changed(Mac group, bool join) {
    int& refs = group_refs_[group.value()];
    const bool was = refs > 0;
    refs = std::max(0, refs + (join ? 1 : -1));
    if (was == (refs > 0)) return;
    auto it = std::find(groups_.begin(), groups_.end(), group);
    if (refs > 0) groups_.push_back(group);
    else if (it != groups_.end()) groups_.erase(it);
    if (refs == 0) group_refs_.erase(group.value());
    if (groups_out_) groups_out_(nwid_, groups_);
}

// IPv4 group G -> 01:00:5e + the low 23 bits of G (RFC 1112).
err_t VirtualNetif::igmp_filter_cb(struct netif* n, const ip4_addr_t* group, enum netif_mac_filter_action action) {
    const uint32_t g = lwip_ntohl(ip4_addr_get_u32(group));
    static_cast<VirtualNetif*>(n->state)->group_changed(Mac(0x01005e000000ULL | (g & 0x7fffff)), action == NETIF_ADD_MAC_FILTER);
    return ERR_OK;
}

// IPv6 group G -> 33:33 + the low 32 bits of G (RFC 2464).
err_t VirtualNetif::mld_filter_cb(struct netif* n, const ip6_addr_t* group, enum netif_mac_filter_action action) {
    const uint32_t low = lwip_ntohl(group->addr[3]);
    static_cast<VirtualNetif*>(n->state)->group_changed(Mac(0x333300000000ULL | low), action == NETIF_ADD_MAC_FILTER);
    return ERR_OK;
}

err_t VirtualNetif::linkoutput_cb(struct netif* n, struct pbuf* p) {
    auto* self = static_cast<VirtualNetif*>(n->state);
    if (!p || p->tot_len < SIZEOF_ETH_HDR) return ERR_ARG;
    // lwIP keeps ownership of p; copy the (possibly chained) frame out.
    self->txbuf_.resize(p->tot_len);
    if (pbuf_copy_partial(p, self->txbuf_.data(), p->tot_len, 0) != p->tot_len) return ERR_BUF;
    if (self->out_) self->out_(self->nwid_, std::span<const uint8_t>(self->txbuf_.data(), self->txbuf_.size()));
    return ERR_OK;
}

std::vector<InetPrefix> VirtualNetif::set_addresses(const std::vector<InetPrefix>& addrs) {
    std::vector<InetPrefix> in_effect;
    // IPv4: one address per lwIP netif.
    const InetPrefix* v4 = nullptr;
    for (const auto& a : addrs)
        if (a.addr.is_v4()) {
            v4 = &a;
            break;
        }
    ip4_addr_t ip, mask, gw;
    ip4_addr_set_zero(&ip);
    ip4_addr_set_zero(&mask);
    ip4_addr_set_zero(&gw);
    if (v4) {
        std::memcpy(&ip.addr, v4->addr.ip.data(), 4);
        uint32_t m = v4->len == 0 ? 0 : (0xffffffffu << (32 - v4->len));
        mask.addr = lwip_htonl(m);
        in_effect.push_back(*v4);
    }
    if (!ip4_addr_cmp(&ip, netif_ip4_addr(&netif_)) || !ip4_addr_cmp(&mask, netif_ip4_netmask(&netif_)))
        netif_set_addr(&netif_, &ip, &mask, &gw);

    // IPv6: slots 1..5 (slot 0 is the link-local slot; we configure none, so lwIP sends no
    // router solicitations). Addresses go straight to PREFERRED: no DAD on a virtual network
    // whose controller hands out the addresses.
    std::vector<InetPrefix> want6;
    for (const auto& a : addrs)
        if (a.addr.is_v6() && !a.addr.is_link_local() && want6.size() < LWIP_IPV6_NUM_ADDRESSES - 1)
            want6.push_back(a);
    for (int i = 1; i < LWIP_IPV6_NUM_ADDRESSES; ++i) {
        if (ip6_addr_isinvalid(netif_ip6_addr_state(&netif_, i))) continue;
        InetAddr cur = from_ip_addr(*netif_ip_addr6(&netif_, i), 0);
        bool keep = false;
        for (const auto& w : want6) keep = keep || w.addr.same_ip(cur);
        if (!keep) netif_ip6_addr_set_state(&netif_, i, IP6_ADDR_INVALID);
    }
    for (const auto& w : want6) {
        ip_addr_t a = to_ip_addr(w.addr);
        s8_t idx = netif_get_ip6_addr_match(&netif_, ip_2_ip6(&a));
        if (idx < 0) {
            if (netif_add_ip6_address(&netif_, ip_2_ip6(&a), &idx) != ERR_OK || idx < 0) continue;
        }
        netif_ip6_addr_set_state(&netif_, idx, IP6_ADDR_PREFERRED);
        in_effect.push_back(w);
    }
    addrs_ = in_effect;
    return in_effect;
}

void VirtualNetif::set_mtu(uint32_t mtu) {
    mtu_ = mtu;
    netif_.mtu = uint16_t(mtu);
#if LWIP_IPV6 && LWIP_ND6_ALLOW_RA_UPDATES
    netif_.mtu6 = uint16_t(mtu);
#endif
}

bool VirtualNetif::has_address(const InetAddr& a) const {
    for (const auto& p : addrs_)
        if (p.addr.same_ip(a)) return true;
    return false;
}

int VirtualNetif::match_length(const InetAddr& a) const {
    int best = -1;
    for (const auto& p : addrs_)
        if (p.contains(a)) best = std::max(best, int(p.len));
    for (const auto& r : routes_)
        if (r.target.contains(a)) best = std::max(best, int(r.target.len));
    return best;
}

std::optional<InetAddr> VirtualNetif::next_hop(const InetAddr& dst) const {
    // The most specific prefix wins: an assigned subnet or an on-link route means `dst` itself,
    // a route through a member means that member.
    int on_link_len = -1;
    for (const auto& p : addrs_)
        if (p.contains(dst)) on_link_len = std::max(on_link_len, int(p.len));
    const ManagedRoute* best = nullptr;
    for (const auto& r : routes_)
        if (r.target.contains(dst) && (!best || r.target.len > best->target.len)) best = &r;
    if (best && int(best->target.len) > on_link_len) return best->via ? *best->via : dst;
    if (on_link_len >= 0) return dst;
    return std::nullopt;
}

bool VirtualNetif::is_broadcast_for(const InetAddr& a) const {
    if (!a.is_v4()) return false;
    if (a.ip[0] == 255 && a.ip[1] == 255 && a.ip[2] == 255 && a.ip[3] == 255) return true;
    for (const auto& p : addrs_) {
        auto b = p.broadcast();
        if (b && b->same_ip(a)) return true;
    }
    return false;
}

void VirtualNetif::input(std::span<const uint8_t> frame) {
    if (!added_ || frame.size() < SIZEOF_ETH_HDR || frame.size() > 0xffff) return;
    const uint16_t ethertype = uint16_t(frame[12] << 8 | frame[13]);
    if (ethertype == ETHTYPE_IP || ethertype == ETHTYPE_IPV6) {
        switch (reassembly_.input(frame.subspan(SIZEOF_ETH_HDR), sys_now())) {
        case IpReassembly::Verdict::not_fragment: recycle_time_wait(frame.subspan(SIZEOF_ETH_HDR)); break;
        case IpReassembly::Verdict::held:
        case IpReassembly::Verdict::dropped: return;
        case IpReassembly::Verdict::complete: {
            // The whole packet (up to 65535 bytes: more than a frame's pbuf could hold with its
            // Ethernet header) goes straight to IP input, which always takes the pbuf.
            auto whole = reassembly_.packet();
            recycle_time_wait(whole);
            PbufRef p(pbuf_alloc(PBUF_RAW, u16_t(whole.size()), PBUF_RAM));
            if (!p) return;
            std::memcpy(p.get()->payload, whole.data(), whole.size());
            ip_input(p.release(), &netif_);
            return;
        }
        }
    }
    PbufRef p(pbuf_alloc(PBUF_RAW, u16_t(frame.size()), PBUF_RAM));
    if (!p) return;
    std::memcpy(p.get()->payload, frame.data(), frame.size());
    // netif->input takes ownership on ERR_OK and leaves it to us otherwise.
    if (netif_.input(p.get(), &netif_) == ERR_OK) p.release();
}

}  // namespace zt::stack

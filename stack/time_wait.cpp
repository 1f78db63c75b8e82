// A SYN onto a TIME-WAIT 4-tuple starts a new connection (time_wait.hpp).
#include "stack/time_wait.hpp"

#include <lwip/priv/tcp_priv.h>
#include <lwip/prot/ip.h>
#include <lwip/prot/ip6.h>
#include <lwip/prot/tcp.h>
#include <lwip/tcp.h>

#include <cstring>

namespace zt::stack {

namespace {

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

// An address of a pcb equals the `len` bytes at `raw` (4: IPv4, 16: IPv6), both in network order.
bool same_addr(const ip_addr_t& a, const uint8_t* raw, size_t len) {
    if (len == 4) return IP_IS_V4_VAL(a) && std::memcmp(&ip_2_ip4(&a)->addr, raw, 4) == 0;
    return IP_IS_V6_VAL(a) && std::memcmp(ip_2_ip6(&a)->addr, raw, 16) == 0;
}

}  // namespace

bool recycle_time_wait(std::span<const uint8_t> packet) {
    if (!tcp_tw_pcbs || packet.size() < 20) return false;
    const uint8_t* ip = packet.data();
    const uint8_t* src;
    const uint8_t* dst;
    size_t alen, tcp_at;
    if ((ip[0] >> 4) == 4) {
        tcp_at = size_t(ip[0] & 0x0f) * 4;
        // TCP, and the first fragment (only it has the TCP header).
        if (ip[9] != IP_PROTO_TCP || tcp_at < 20 || (be16(ip + 6) & 0x1fff) != 0) return false;
        src = ip + 12, dst = ip + 16, alen = 4;
    } else if ((ip[0] >> 4) == 6 && packet.size() >= 40) {
        if (ip[6] != IP6_NEXTH_TCP) return false;  // extension headers: left to lwIP as they are
        tcp_at = 40;
        src = ip + 8, dst = ip + 24, alen = 16;
    } else {
        return false;
    }
    if (packet.size() < tcp_at + 20) return false;
    const uint8_t* tcp = ip + tcp_at;
    if ((tcp[13] & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN) return false;
    const uint16_t sport = be16(tcp), dport = be16(tcp + 2);
    const uint32_t seq = be32(tcp + 4);
    for (struct tcp_pcb* pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
        if (pcb->local_port != dport || pcb->remote_port != sport || !same_addr(pcb->local_ip, dst, alen) ||
            !same_addr(pcb->remote_ip, src, alen))
            continue;
        if (!TCP_SEQ_GT(seq, pcb->rcv_nxt)) return false;  // lwIP answers it, as Linux would
        tcp_abort(pcb);  // a TIME-WAIT pcb is only unlinked and freed: no RST
        return true;
    }
    return false;
}

size_t trim_time_wait(size_t keep) {
    // New TIME-WAIT pcbs go to the head of the list: whatever follows the first `keep` is older.
    struct tcp_pcb* pcb = tcp_tw_pcbs;
    for (size_t i = 0; pcb && i < keep; ++i) pcb = pcb->next;
    size_t freed = 0;
    while (pcb) {
        struct tcp_pcb* next = pcb->next;
        tcp_abort(pcb);
        pcb = next;
        ++freed;
    }
    return freed;
}

}  // namespace zt::stack

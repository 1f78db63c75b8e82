// lwIP on one thread: init, timers, address conversions.
#include "stack/lwip_glue.hpp"

#include <lwip/init.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/timeouts.h>

#include <sys/random.h>

#include <cstdlib>
#include <cstring>

namespace zt::stack {

void lwip_setup_once() {
    static bool done = false;
    if (done) return;
    done = true;
    unsigned seed = 0;
    if (getrandom(&seed, sizeof seed, 0) != sizeof seed) seed = unsigned(reinterpret_cast<uintptr_t>(&seed));
    std::srand(seed);
    lwip_init();
}

uint32_t lwip_run_timers() {
    sys_check_timeouts();
    uint32_t next = sys_timeouts_sleeptime();
    // lwIP's timers wake an idle node 18-22 times a second: IGMP and MLD every 100 ms, TCP
    // every 250 ms while any pcb is active or in TIME-WAIT, ARP, ND and both reassemblies every
    // second. With no active TCP connection they run once a second; a late cyclic timer runs
    // once and reschedules from now. What stretches: IGMP/MLD report delays (100 ms ticks
    // become 1 s; nothing on a ZeroTier network listens for those), and TIME-WAIT, which lwIP
    // counts in TCP timer ticks (120 s becomes about 240 s while nothing else happens; a new
    // connection onto one is let through by recycle_time_wait, and trim_time_wait caps them).
    constexpr uint32_t kIdleTickMs = 1000;
    if (!tcp_active_pcbs && next < kIdleTickMs) next = kIdleTickMs;
    return next;
}

ip_addr_t to_ip_addr(const InetAddr& a) {
    ip_addr_t r;
    std::memset(&r, 0, sizeof r);
    if (a.family == 6) {
        IP_SET_TYPE_VAL(r, IPADDR_TYPE_V6);
        std::memcpy(ip_2_ip6(&r)->addr, a.ip.data(), 16);
        ip6_addr_clear_zone(ip_2_ip6(&r));
    } else {
        IP_SET_TYPE_VAL(r, IPADDR_TYPE_V4);
        std::memcpy(&ip_2_ip4(&r)->addr, a.ip.data(), 4);
    }
    return r;
}

InetAddr from_ip_addr(const ip_addr_t& a, uint16_t port) {
    InetAddr r;
    r.port = port;
    if (IP_IS_V6_VAL(a)) {
        r.family = 6;
        std::memcpy(r.ip.data(), ip_2_ip6(&a)->addr, 16);
    } else {
        r.family = 4;
        std::memcpy(r.ip.data(), &ip_2_ip4(&a)->addr, 4);
    }
    return r;
}

}  // namespace zt::stack

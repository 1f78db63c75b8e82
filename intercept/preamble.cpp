// Preamble sizing and header.
#include "intercept/preamble.hpp"

#include <cstring>

namespace zti {

uint32_t preamble_len(int sndbuf) {
    uint64_t n = sndbuf > 0 ? uint64_t(sndbuf) / 4 + 1 : 0;
    if (n < sizeof(ztctl::PreambleHeader)) n = sizeof(ztctl::PreambleHeader);
    n = (n + 63) & ~uint64_t(63);
    if (n > UINT32_MAX) n = UINT32_MAX & ~uint32_t(63);
    return uint32_t(n);
}

ztctl::PreambleHeader make_preamble(uint32_t total_len, uint64_t conn_id, const ztctl::NameAddr& peer,
                                    const PreambleOptions& o) {
    ztctl::PreambleHeader h;
    std::memset(&h, 0, sizeof h);
    h.magic = ztctl::kPreambleMagic;
    h.version = ztctl::kVersion;
    h.header_len = sizeof h;
    h.total_len = total_len;
    h.flags = (o.keepalive ? uint32_t(ztctl::kPreambleKeepalive) : 0u) | (o.bound ? uint32_t(ztctl::kPreambleBound) : 0u);
    h.conn_id = conn_id;
    h.sock_id = o.bound ? o.sock_id : 0;
    h.peer = peer;
    h.keepalive_idle_s = o.keepalive_idle_s;
    h.keepalive_intvl_s = o.keepalive_intvl_s;
    h.keepalive_cnt = o.keepalive_cnt;
    return h;
}

}  // namespace zti

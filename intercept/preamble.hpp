// The TCP connect preamble (control_protocol.hpp, fd-model-facts.md Q1): its size, chosen so the
// unread preamble holds back POLLOUT on the app's unix stream, and its header. Pure.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ipc/control_protocol.hpp"

namespace zti {

// An AF_UNIX stream end is writable iff 4 * (bytes charged to its send buffer) <= SO_SNDBUF, and
// a write of n bytes is charged at least n. So n > SO_SNDBUF/4 hides POLLOUT for any skb layout.
// `sndbuf` is what getsockopt(SO_SNDBUF) reports. The result is a multiple of 64, at least the
// header size.
uint32_t preamble_len(int sndbuf);

struct PreambleOptions {
    bool keepalive = false;
    uint32_t keepalive_idle_s = 0, keepalive_intvl_s = 0, keepalive_cnt = 0;
    bool bound = false;   // connect from the TcpBind reservation `sock_id`
    uint64_t sock_id = 0;
};

ztctl::PreambleHeader make_preamble(uint32_t total_len, uint64_t conn_id, const ztctl::NameAddr& peer,
                                    const PreambleOptions& o);

}  // namespace zti

// PRIVATE to stack/: a new connection onto a 4-tuple that lwIP still holds in TIME-WAIT.
//
// lwIP keeps a closed connection in TIME-WAIT for 2 MSL (120 s), and answers a SYN for the
// same 4-tuple with an ACK (or a RST when the SYN falls in the old window), so the peer's
// attempt fails. A busy server that closes first (HTTP with `Connection: close`) holds tens of
// thousands of such pcbs, and a client that cycles through its 16,384 ephemeral ports lands on
// one within seconds: `wrk -H "Connection: close"` saw write errors and its rate fall from
// 4,600 to 1,600 requests/s between a 3 s and a 10 s run. Linux takes such a SYN as a new
// connection when its sequence number is beyond what the old one received (RFC 1122 4.2.2.13;
// tcp_timewait_state_process), and so do we: the TIME-WAIT pcb is dropped, without a RST,
// before lwIP sees the SYN.
#pragma once

#include <cstdint>
#include <span>

namespace zt::stack {

// `packet` is one whole IPv4 or IPv6 packet on its way into lwIP. If it is a SYN (no ACK) whose
// 4-tuple matches a TIME-WAIT pcb and whose sequence number is after that pcb's rcv_nxt, the
// pcb is freed. Returns true if one was.
bool recycle_time_wait(std::span<const uint8_t> packet);

// lwIP keeps every TIME-WAIT pcb in one list for 120 s, scanned for each SYN (and by its 500 ms
// timer): at thousands of connections a second the list grows to hundreds of thousands and the
// scans dominate (a 10 s wrk run fell from 4,600 to 2,500 requests/s). Like Linux's
// tcp_max_tw_buckets, we keep at most `keep` of them: the oldest beyond that are freed. Returns
// how many were.
size_t trim_time_wait(size_t keep);

}  // namespace zt::stack

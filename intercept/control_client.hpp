// The client side of the control channel (control_protocol.hpp): one SOCK_SEQPACKET connection
// per process to the node's 'K' listener, found (and the node spawned if nobody listens) on
// first need; requests and replies in order under one mutex; the routing table from the hello.
#pragma once

#include <cstddef>
#include <cstdint>

#include "intercept/route.hpp"

namespace zti::ctl {

// Sends `req` (it starts with a ztctl::MsgHeader whose `op` the caller set; version and req_id
// are filled in here) and waits for the reply with the same req_id. Returns 0 with the reply in
// `reply` (*reply_len bytes) and, if the reply carried one, an fd in *fd_out (else -1; pass
// nullptr when none is expected); or ENETUNREACH when no node can be reached, ETIMEDOUT when it
// does not answer, EPROTO for a malformed reply. Reconnects (and re-sends) once if the node went away.
int call(void* req, size_t req_len, void* reply, size_t reply_cap, size_t* reply_len, int* fd_out) noexcept;

// The routing table from the node's hello reply; nullptr when no node can be reached (then
// everything goes to the kernel). Asks again, at most every 500 ms, while a network has no address.
const RouteTable* routes() noexcept;

// Makes sure a live node listens on 'K' (spawning one if needed); false if none can be reached.
bool ensure_node() noexcept;

// Checks that the peer of a connected unix socket runs under our uid or root (SO_PEERCRED).
// Root is trusted because a server started as root that drops privileges after binding (nginx
// workers as `nobody`) still accepts on the listener its root node serves; and root can read
// our memory anyway, so trusting it gives nothing away.
bool peer_is_us(int fd) noexcept;

uint64_t random_id() noexcept;

// Starts the node (node_spawn.cpp): returns the pid of the quiet child (quiet_spawn.hpp) that runs
// `ztnode --daemonize` and exits when it does (once the node serves), or -1 (the reason said
// through log_problem). *stderr_offset: where what this start writes to ztnode.stderr begins.
int spawn_node(long* stderr_offset) noexcept;
// After a start that failed: the quiet child's wait status, or -1 if the node did not answer in
// time. Says why in one log_problem line (the node's own last line on its stderr if it wrote one).
void report_start_failure(int status, long stderr_offset) noexcept;
// True once a reason the node cannot start was said, until a node is reached again: lines that
// would only say "the node cannot be reached" are left out then.
bool start_failure_reported() noexcept;
void node_reached() noexcept;

void atfork_prepare() noexcept;
void atfork_parent() noexcept;
void atfork_child() noexcept;

// The app is about to dup2 over our control fd: move it.
void relocate_control_fd() noexcept;

}  // namespace zti::ctl

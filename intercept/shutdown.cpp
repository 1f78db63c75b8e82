// shutdown(): on a TCP carrier it is the carrier's shutdown (SHUT_WR becomes the node's FIN),
// except that an unconnected virtual socket answers ENOTCONN like the kernel. UDP: see below.
#include <sys/socket.h>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

namespace zti {

int on_shutdown(int fd, int how) noexcept {
    FdEntry e;
    if (!g_fds.get(fd, e) || !is_virtual(e.kind)) return real::shutdown(fd, how);
    if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR) return fail(EINVAL);
    switch (e.kind) {
    case Kind::tcp_client:
        if (e.state == ConnState::connected ||
            (e.state == ConnState::connecting && probe_connect(fd) == Progress::established))
            return real::shutdown(fd, how);
        return fail(ENOTCONN);
    case Kind::udp: {
        // The kernel records the shutdown even on an unconnected socket (and says ENOTCONN).
        // SHUT_WR must not reach the carrier: the node would read EOF and close the pair, and
        // the app could no longer receive (socat shuts down its UDP socket's write side at EOF
        // of its input and then waits for replies). Sends fail with EPIPE from now on.
        if (how != SHUT_RD) g_fds.update(fd, [](FdEntry& x) { x.flags |= kUdpShutWr; });
        if (how != SHUT_WR) real::shutdown(fd, SHUT_RD);  // reads return 0 once drained
        if (!(e.flags & kUdpConnected)) return fail(ENOTCONN);
        return 0;
    }
    default:
        return real::shutdown(fd, how);
    }
}

}  // namespace zti

// shutdown(): on a carrier it is the carrier's shutdown (SHUT_WR becomes the node's FIN), except
// that an unconnected virtual socket answers ENOTCONN like the kernel.
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
    case Kind::udp:
        if (!(e.flags & kUdpConnected)) {
            real::shutdown(fd, how);  // the kernel still records the shutdown (wakes readers)
            return fail(ENOTCONN);
        }
        return real::shutdown(fd, how);
    default:
        return real::shutdown(fd, how);
    }
}

}  // namespace zti

// ioctl(): FIONREAD on a virtual UDP socket reports the next datagram's payload size, like UDP
// (the carrier's SOCK_SEQPACKET would report all queued bytes, headers included).
#include <sys/ioctl.h>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

namespace zti {

int on_ioctl(int fd, unsigned long req, void* arg) noexcept {
    if (req == FIONREAD && g_fds.kind(fd) == Kind::udp) {
        if (!arg) return fail(EFAULT);
        const int r = udp_fionread(fd, static_cast<int*>(arg));
        if (r != -2) return r;
    }
    return real::ioctl(fd, req, arg);
}

}  // namespace zti

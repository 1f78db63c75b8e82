// epoll_ctl(): remembers registrations of kernel sockets that may still be swapped for a
// carrier, so the swap can move them (an epoll registration does not follow dup3).
#include <sys/epoll.h>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

namespace zti {

int on_epoll_ctl(int epfd, int op, int fd, epoll_event* ev) noexcept {
    const int r = real::epoll_ctl(epfd, op, fd, ev);
    if (r != 0) return r;
    const Kind k = g_fds.kind(fd);
    if ((k != Kind::inet && k != Kind::tcp_bound) || foreign_process()) return r;
    g_fds.update(fd, [&](FdEntry& x) {
        int i = 0;
        while (i < x.nepoll && x.epoll[i].epfd != epfd) ++i;
        if (op == EPOLL_CTL_DEL) {
            if (i < x.nepoll) x.epoll[i] = x.epoll[--x.nepoll];
            return;
        }
        if (!ev) return;
        if (i == x.nepoll) {
            if (x.nepoll >= kMaxEpollRegs) return;
            ++x.nepoll;
        }
        x.epoll[i].epfd = epfd;
        x.epoll[i].events = ev->events;
        x.epoll[i].data = ev->data.u64;
    });
    return r;
}

}  // namespace zti

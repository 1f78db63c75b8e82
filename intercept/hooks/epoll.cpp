// epoll_ctl()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, epoll_ctl, int epfd, int op, int fd, epoll_event* ev) {
    if (!zti::g_active || zti::in_shim()) return zti::real::epoll_ctl(epfd, op, fd, ev);
    return zti::on_epoll_ctl(epfd, op, fd, ev);
}

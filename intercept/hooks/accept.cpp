// accept(), accept4()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, accept, int fd, sockaddr* sa, socklen_t* len) {
    if (zti::pass_mutating()) return zti::real::accept(fd, sa, len);
    return zti::on_accept4(fd, sa, len, 0, false);
}

ZTI_HOOK(int, accept4, int fd, sockaddr* sa, socklen_t* len, int flags) {
    if (zti::pass_mutating()) return zti::real::accept4(fd, sa, len, flags);
    return zti::on_accept4(fd, sa, len, flags, true);
}

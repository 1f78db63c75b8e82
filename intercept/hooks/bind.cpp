// bind(), listen()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, bind, int fd, const sockaddr* sa, socklen_t len) {
    if (zti::pass_mutating()) return zti::real::bind(fd, sa, len);
    return zti::on_bind(fd, sa, len);
}

ZTI_HOOK(int, listen, int fd, int backlog) {
    if (zti::pass_mutating()) return zti::real::listen(fd, backlog);
    return zti::on_listen(fd, backlog);
}

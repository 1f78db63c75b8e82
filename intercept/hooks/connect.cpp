// connect()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, connect, int fd, const sockaddr* sa, socklen_t len) {
    if (zti::pass_mutating()) return zti::real::connect(fd, sa, len);
    return zti::on_connect(fd, sa, len);
}

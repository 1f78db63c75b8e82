// getsockname(), getpeername()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, getsockname, int fd, sockaddr* sa, socklen_t* len) {
    if (!zti::g_active || zti::in_shim()) return zti::real::getsockname(fd, sa, len);
    return zti::on_getsockname(fd, sa, len);
}

ZTI_HOOK(int, getpeername, int fd, sockaddr* sa, socklen_t* len) {
    if (!zti::g_active || zti::in_shim()) return zti::real::getpeername(fd, sa, len);
    return zti::on_getpeername(fd, sa, len);
}

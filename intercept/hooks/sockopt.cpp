// getsockopt(), setsockopt()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, getsockopt, int fd, int level, int name, void* val, socklen_t* len) {
    if (!zti::g_active || zti::in_shim()) return zti::real::getsockopt(fd, level, name, val, len);
    return zti::on_getsockopt(fd, level, name, val, len);
}

ZTI_HOOK(int, setsockopt, int fd, int level, int name, const void* val, socklen_t len) {
    if (!zti::g_active || zti::in_shim()) return zti::real::setsockopt(fd, level, name, val, len);
    return zti::on_setsockopt(fd, level, name, val, len);
}

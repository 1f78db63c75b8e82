// dup(), dup2(), dup3(), fcntl(), fcntl64()
#include <cstdarg>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, dup, int fd) {
    if (!zti::g_active || zti::in_shim()) return zti::real::dup(fd);
    return zti::on_dup(fd);
}

ZTI_HOOK(int, dup2, int fd, int fd2) {
    if (!zti::g_active || zti::in_shim()) return zti::real::dup2(fd, fd2);
    return zti::on_dup3(fd, fd2, 0, true);
}

ZTI_HOOK(int, dup3, int fd, int fd2, int flags) {
    if (!zti::g_active || zti::in_shim()) return zti::real::dup3(fd, fd2, flags);
    return zti::on_dup3(fd, fd2, flags, false);
}

// The third argument is an int or a pointer depending on cmd; like libc, take a pointer's width.
ZTI_HOOK(int, fcntl, int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (!zti::g_active || zti::in_shim()) return zti::real::fcntl(fd, cmd, arg);
    return zti::on_fcntl(fd, cmd, arg);
}

ZTI_HOOK(int, fcntl64, int fd, int cmd, ...) {
    va_list ap;
    va_start(ap, cmd);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (!zti::g_active || zti::in_shim()) return zti::real::fcntl(fd, cmd, arg);
    return zti::on_fcntl(fd, cmd, arg);
}

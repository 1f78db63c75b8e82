// ioctl()
#include <cstdarg>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, ioctl, int fd, unsigned long req, ...) {
    va_list ap;
    va_start(ap, req);
    void* arg = va_arg(ap, void*);
    va_end(ap);
    if (!zti::g_active || zti::in_shim()) return zti::real::ioctl(fd, req, arg);
    return zti::on_ioctl(fd, req, arg);
}

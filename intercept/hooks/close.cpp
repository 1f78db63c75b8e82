// close(), close_range(), closefrom()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, close, int fd) {
    if (!zti::g_active || zti::in_shim()) return zti::real::close(fd);
    return zti::on_close(fd);
}

ZTI_HOOK(int, close_range, unsigned first, unsigned last, int flags) {
    if (!zti::g_active || zti::in_shim()) return zti::real::close_range(first, last, flags);
    return zti::on_close_range(first, last, flags);
}

ZTI_HOOK(void, closefrom, int lowfd) {
    const unsigned lo = lowfd < 0 ? 0u : unsigned(lowfd);
    if (!zti::g_active || zti::in_shim()) {
        zti::real::close_range(lo, ~0u, 0);
        return;
    }
    zti::on_close_range(lo, ~0u, 0);
}

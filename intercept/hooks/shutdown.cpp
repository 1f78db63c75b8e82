// shutdown()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, shutdown, int fd, int how) {
    if (!zti::g_active || zti::in_shim()) return zti::real::shutdown(fd, how);
    return zti::on_shutdown(fd, how);
}

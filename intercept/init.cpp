// Library constructor: resolve libc, read the configuration, and (only when ZT_HOME is set)
// open the debug log, register the fork handlers and recognise inherited virtual sockets.
#include <errno.h>
#include <pthread.h>

#include <atomic>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/ops.hpp"
#include "intercept/privileges.hpp"
#include "intercept/real.hpp"

namespace zti {

void init_once() noexcept {
    static std::atomic<bool> done{false};
    if (done.exchange(true)) return;
    Guard guard;
    const int saved = errno;
    real::resolve_all();
    load_config();
    if (g_active) {
        open_log();
        pthread_atfork(ctl::atfork_prepare, ctl::atfork_parent, ctl::atfork_child);
        adopt_inherited();
        load_privileges();  // before capture_exec_env: ZT_ACCESS_KEY is taken out, not kept
        capture_exec_env();
        ZTI_DEBUG("loaded into %s, home %s (hash %016llx)", program_invocation_short_name, g_cfg.home,
                  (unsigned long long)g_cfg.home_hash);
    }
    errno = saved;
}

namespace {
__attribute__((constructor)) void zti_constructor() { init_once(); }
}  // namespace

}  // namespace zti

// Environment configuration.
#include "intercept/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/control_protocol.hpp"

namespace zti {

bool g_active = false;
int g_pid = 0;

bool foreign_process() noexcept { return getpid() != g_pid; }
Config g_cfg;
constinit thread_local int t_in_shim ZTI_TLS = 0;

void load_config() noexcept {
    const char* home = getenv("ZT_HOME");
    if (!home || !*home) return;
    if (!realpath(home, g_cfg.home)) {
        mkdir(home, 0700);
        if (!realpath(home, g_cfg.home)) {
            if (strlen(home) >= sizeof g_cfg.home) return;
            strcpy(g_cfg.home, home);
        }
    }
    g_cfg.home_hash = ztctl::home_hash(g_cfg.home);
    const char* wc = getenv("ZT_BIND_WILDCARD");
    g_cfg.wildcard = (wc && strcmp(wc, "kernel") == 0) ? WildcardPolicy::kernel : WildcardPolicy::virtual_net;
    const char* nb = getenv("ZT_NODE_BIN");
    if (nb && strlen(nb) < sizeof g_cfg.node_bin) strcpy(g_cfg.node_bin, nb);
    g_pid = int(getpid());
    g_active = true;
}

}  // namespace zti

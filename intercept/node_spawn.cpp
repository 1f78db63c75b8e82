// Starting the node: `ztnode --daemonize` (ZT_NODE_BIN; else, from this library's directory,
// ZTI_NODE_FROM_LIB/ztnode where meson installs it (libdir -> libexecdir/ztintercept), or
// ../tools/ztnode/ztnode in the build tree; else $PATH) through quiet_spawn (a quiet child of the
// app runs it: no SIGCHLD, invisible to the app's wait calls), with stdin/stdout on /dev/null and
// stderr appended to $ZT_HOME/ztnode.stderr.
#include <dlfcn.h>
#include <limits.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/quiet_spawn.hpp"

#ifndef ZTI_NODE_FROM_LIB
#define ZTI_NODE_FROM_LIB "../libexec/ztintercept"  // meson passes the configured one
#endif

namespace zti::ctl {
namespace {

bool executable(const char* p) { return access(p, X_OK) == 0; }

// out = a + b, if it fits.
bool concat(char* out, size_t cap, const char* a, const char* b) {
    const size_t na = strlen(a), nb = strlen(b);
    if (na + nb + 1 > cap) return false;
    memcpy(out, a, na);
    memcpy(out + na, b, nb + 1);
    return true;
}

// Fills `out` with the node binary's path; false if none was found.
bool find_node_binary(char* out, size_t cap) {
    if (g_cfg.node_bin[0]) return concat(out, cap, g_cfg.node_bin, "");
    Dl_info info{};
    char lib[PATH_MAX];
    if (dladdr(reinterpret_cast<void*>(&find_node_binary), &info) && info.dli_fname &&
        realpath(info.dli_fname, lib)) {
        char* slash = strrchr(lib, '/');
        if (slash) {
            *slash = '\0';
            // The installed layout, relative so that a relocated tree (DESTDIR) works too.
            if (concat(out, cap, lib, "/" ZTI_NODE_FROM_LIB "/ztnode") && executable(out)) return true;
            if (concat(out, cap, lib, "/../tools/ztnode/ztnode") && executable(out)) return true;  // build tree
        }
    }
    return false;
}

}  // namespace

int spawn_node() noexcept {
    char path[PATH_MAX];
    if (!find_node_binary(path, sizeof path)) concat(path, sizeof path, "ztnode", "");  // on $PATH

    char errpath[PATH_MAX + 32];
    if (!concat(errpath, sizeof errpath, g_cfg.home, "/ztnode.stderr"))
        concat(errpath, sizeof errpath, "/dev/null", "");

    // The daemon's forking ancestors and the daemon itself are orphaned on their way out; the
    // kernel gives orphans to the nearest child subreaper above them, or to the pid namespace's
    // init. If that is the app, it sees them (docs/ARCHITECTURE.md, "The node's life").
    int subreaper = 0;
    if ((prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) == 0 && subreaper) || getpid() == 1)
        ZTI_DEBUG("the app is a child subreaper or pid 1: the node's daemon will be its child");

    char arg0[] = "ztnode";
    char arg1[] = "--daemonize";
    char* argv[] = {arg0, arg1, nullptr};
    const pid_t pid = quiet_spawn(QuietSpawn{path, argv, errpath});
    if (pid < 0) {
        ZTI_DEBUG("spawn %s failed: %s", path, strerror(errno));
        return -1;
    }
    ZTI_DEBUG("spawned %s --daemonize (quiet child %d)", path, int(pid));
    return int(pid);
}

}  // namespace zti::ctl

// Starting the node: posix_spawn of `ztnode --daemonize` (ZT_NODE_BIN, or the binary beside this
// library, or ../tools/ztnode/ztnode in the build tree), with LD_PRELOAD removed from its
// environment, stdin/stdout on /dev/null, stderr appended to $ZT_HOME/ztnode.stderr, default
// signal dispositions and mask, and no fd of the app inherited.
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"

extern char** environ;

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
            if (concat(out, cap, lib, "/ztnode") && executable(out)) return true;
            if (concat(out, cap, lib, "/../tools/ztnode/ztnode") && executable(out)) return true;
        }
    }
    return false;
}

}  // namespace

int spawn_node() noexcept {
    char path[PATH_MAX];
    const bool found = find_node_binary(path, sizeof path);
    if (!found) concat(path, sizeof path, "ztnode", "");  // last resort: $PATH

    size_t n = 0;
    for (char** e = environ; e && *e; ++e) ++n;
    char** envp = static_cast<char**>(calloc(n + 1, sizeof(char*)));
    if (!envp) return -1;
    size_t k = 0;
    for (char** e = environ; e && *e; ++e)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0) envp[k++] = *e;
    envp[k] = nullptr;

    char errpath[PATH_MAX + 32];
    if (!concat(errpath, sizeof errpath, g_cfg.home, "/ztnode.stderr")) concat(errpath, sizeof errpath, "/dev/null", "");

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errpath, O_WRONLY | O_APPEND | O_CREAT, 0600);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    sigset_t mask, def;
    sigemptyset(&mask);
    sigfillset(&def);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setsigdefault(&attr, &def);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    char arg0[] = "ztnode";
    char arg1[] = "--daemonize";
    char* argv[] = {arg0, arg1, nullptr};
    pid_t pid = -1;
    const int err = found ? posix_spawn(&pid, path, &fa, &attr, argv, envp)
                          : posix_spawnp(&pid, path, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(envp);
    if (err != 0) {
        ZTI_DEBUG("spawn %s failed: %s", path, strerror(err));
        return -1;
    }
    ZTI_DEBUG("spawned %s --daemonize (pid %d)", path, int(pid));
    return int(pid);
}

}  // namespace zti::ctl

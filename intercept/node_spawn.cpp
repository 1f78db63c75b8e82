// Starting the node: `ztnode --daemonize` (ZT_NODE_BIN; else, from this library's directory,
// ZTI_NODE_FROM_LIB/ztnode where meson installs it (libdir -> libexecdir/ztintercept), or
// ../tools/ztnode/ztnode in the build tree; else $PATH) through quiet_spawn (a quiet child of the
// app runs it: no SIGCHLD, invisible to the app's wait calls), with stdin/stdout on /dev/null and
// stderr appended to $ZT_HOME/ztnode.stderr. When it cannot start, the reason (the node's last
// line there, or what kept it from running) is one log_problem line.
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/quiet_spawn.hpp"
#include "intercept/real.hpp"

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
            if (concat(out, cap, lib, "/ztnode") && executable(out)) return true;  // side by side (a container)
        }
    }
    return false;
}

std::atomic<bool> g_reported{false};
char g_last_report[400];  // the last reason said, so that a retry does not say it again
char g_started[PATH_MAX]; // the binary the last start ran

// The reason the node could not start: once on stderr (log_problem) per distinct reason.
void report(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void report(const char* fmt, ...) {
    char msg[sizeof g_last_report];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    g_reported.store(true, std::memory_order_relaxed);
    if (strcmp(msg, g_last_report) == 0) {
        ZTI_DEBUG("%s (again)", msg);
        return;
    }
    memcpy(g_last_report, msg, sizeof msg);
    log_problem("%s", msg);
}

bool stderr_file(char* out, size_t cap) { return concat(out, cap, g_cfg.home, "/ztnode.stderr"); }

// The size of ztnode.stderr now: what the next start adds begins there.
long stderr_size() {
    char path[PATH_MAX + 32];
    struct stat st{};
    return stderr_file(path, sizeof path) && stat(path, &st) == 0 ? long(st.st_size) : 0;
}

// The last non-empty line written to ztnode.stderr from `offset` on, without "ztnode: ".
bool last_stderr_line(long offset, char* out, size_t cap) {
    char path[PATH_MAX + 32];
    if (!stderr_file(path, sizeof path)) return false;
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[1024];
    struct stat st{};
    long from = offset;
    const long tail = long(sizeof buf) - 1;
    if (fstat(fd, &st) == 0 && long(st.st_size) - from > tail) from = long(st.st_size) - tail;
    const ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    real::close(fd);
    if (n <= 0) return false;
    size_t end = size_t(n);
    while (end > 0 && (buf[end - 1] == '\n' || buf[end - 1] == '\r')) --end;
    if (end == 0) return false;
    buf[end] = '\0';
    const char* line = buf;
    for (size_t i = end; i > 0; --i)
        if (buf[i - 1] == '\n') {
            line = buf + i;
            break;
        }
    if (strncmp(line, "ztnode: ", 8) == 0) line += 8;
    const size_t len = strnlen(line, cap - 1);
    memcpy(out, line, len);
    out[len] = '\0';
    return true;
}

}  // namespace

bool start_failure_reported() noexcept { return g_reported.load(std::memory_order_relaxed); }

void node_reached() noexcept {
    g_reported.store(false, std::memory_order_relaxed);
    g_last_report[0] = '\0';
}

void report_start_failure(int status, long stderr_offset) noexcept {
    char line[320];
    if (status < 0) {
        report("the node for home %s did not answer within 10 s (see ztnode.log there)", g_cfg.home);
    } else if (last_stderr_line(stderr_offset, line, sizeof line)) {
        report("cannot start the node: %s", line);
    } else if (access(g_cfg.home, W_OK | X_OK) != 0) {
        // The node could not even write its reason there.
        report("cannot start the node: home %s: not writable by uid %u: %s", g_cfg.home, unsigned(getuid()),
               strerror(errno));
    } else {
        report("cannot start the node: %s exited with status %d (see ztnode.log in %s)", g_started,
               WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), g_cfg.home);
    }
}

int spawn_node(long* stderr_offset) noexcept {
    char path[PATH_MAX];
    if (!find_node_binary(path, sizeof path)) concat(path, sizeof path, "ztnode", "");  // on $PATH
    char exe[PATH_MAX];
    if (!find_executable(path, exe, sizeof exe)) {
        if (g_cfg.node_bin[0])
            report("cannot start the node: %s (ZT_NODE_BIN): %s", path, strerror(errno));
        else if (!strchr(path, '/'))
            report("cannot start the node: no ztnode beside libztintercept.so nor on PATH (set ZT_NODE_BIN)");
        else
            report("cannot start the node: %s: %s", path, strerror(errno));
        return -1;
    }

    char errpath[PATH_MAX + 32];
    if (!stderr_file(errpath, sizeof errpath)) concat(errpath, sizeof errpath, "/dev/null", "");
    *stderr_offset = stderr_size();
    concat(g_started, sizeof g_started, exe, "");

    // The daemon's forking ancestors and the daemon itself are orphaned on their way out; the
    // kernel gives orphans to the nearest child subreaper above them, or to the pid namespace's
    // init. If that is the app, it sees them (docs/ARCHITECTURE.md, "The node's life").
    int subreaper = 0;
    if ((prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) == 0 && subreaper) || getpid() == 1)
        ZTI_DEBUG("the app is a child subreaper or pid 1: the node's daemon will be its child");

    char arg0[] = "ztnode";
    char arg1[] = "--daemonize";
    char* argv[] = {arg0, arg1, nullptr};
    const pid_t pid = quiet_spawn(QuietSpawn{exe, argv, errpath});
    if (pid < 0) {
        report("cannot start the node: %s: %s", exe, strerror(errno));
        return -1;
    }
    ZTI_DEBUG("spawned %s --daemonize (quiet child %d)", exe, int(pid));
    return int(pid);
}

}  // namespace zti::ctl

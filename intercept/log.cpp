// Debug log: one line per event, "<pid> <tid> <message>", appended with a single write.
#include "intercept/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "intercept/config.hpp"
#include "intercept/own_fds.hpp"
#include "intercept/real.hpp"

namespace zti {

bool g_debug = false;

void open_log() noexcept {
    const char* lvl = getenv("ZT_LOG_LEVEL");
    if (!lvl || strcmp(lvl, "debug") != 0) return;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/intercept.log", g_cfg.home);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    fd = park_fd(fd, OwnFd::log);
    if (fd >= 0) g_debug = true;
}

void log_problem(const char* fmt, ...) noexcept {
    const int saved = errno;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (g_debug) log_line("%s", msg);
    const char* v = getenv("ZT_VERBOSE");
    if (v && *v && strcmp(v, "0") != 0) {
        char line[440];
        const int n = snprintf(line, sizeof line, "ztintercept: %s\n", msg);
        if (n > 0) (void)real::write(2, line, size_t(n < int(sizeof line) ? n : int(sizeof line) - 1));
    }
    errno = saved;
}

void log_line(const char* fmt, ...) noexcept {
    const int fd = own_fd(OwnFd::log);
    if (fd < 0) return;
    const int saved = errno;
    char buf[512];
    int n = snprintf(buf, sizeof buf, "%d %ld ", int(getpid()), long(gettid()));
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - size_t(n) - 1, fmt, ap);
    va_end(ap);
    if (m < 0) m = 0;
    n += m;
    if (n > int(sizeof buf) - 1) n = int(sizeof buf) - 1;
    buf[n++] = '\n';
    (void)real::write(fd, buf, size_t(n));
    errno = saved;
}

}  // namespace zti

// Parking and protecting the library's own fds (fd-model-facts.md Q7).
#include "intercept/own_fds.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <atomic>

#include "intercept/control_client.hpp"
#include "intercept/fd_table.hpp"
#include "intercept/real.hpp"

namespace zti {
namespace {

struct Own {
    std::atomic<int> fd{-1};
    dev_t dev = 0;
    ino_t ino = 0;
};
Own g_own[2];

// Lowest fd number we park at: just above the soft limit when the hard limit allows it (so
// loops closing 3..sysconf(_SC_OPEN_MAX)-1 miss us), capped so the kernel's fd table stays small.
constexpr rlim_t kParkCap = 65536;

int move_high(int fd) {
    rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return -1;
    const rlim_t soft = rl.rlim_cur, hard = rl.rlim_max;
    int nfd = -1;
    if (soft < hard && soft < kParkCap) {
        rlimit raised = rl;
        raised.rlim_cur = soft + 16 < hard ? soft + 16 : hard;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            nfd = real::fcntl(fd, F_DUPFD_CLOEXEC, reinterpret_cast<void*>(uintptr_t(soft)));
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
    if (nfd < 0) {
        rlim_t top = soft < kParkCap ? soft : kParkCap;
        rlim_t base = top > 64 ? top - 16 : 3;
        nfd = real::fcntl(fd, F_DUPFD_CLOEXEC, reinterpret_cast<void*>(uintptr_t(base)));
    }
    return nfd;
}

void remember(Own& o, int fd) {
    struct stat st;
    if (fstat(fd, &st) == 0) {
        o.dev = st.st_dev;
        o.ino = st.st_ino;
    }
    o.fd.store(fd, std::memory_order_release);
    g_fds.set(fd, make_entry(Kind::ours, 0, 0, 0));
}

}  // namespace

int park_fd(int fd, OwnFd which) noexcept {
    if (fd < 0) return -1;
    real::fcntl(fd, F_SETFD, reinterpret_cast<void*>(uintptr_t(FD_CLOEXEC)));
    int nfd = move_high(fd);
    if (nfd >= 0) {
        real::close(fd);
        g_fds.clear(fd);
    } else {
        nfd = fd;
    }
    remember(g_own[int(which)], nfd);
    return nfd;
}

int own_fd(OwnFd which) noexcept { return g_own[int(which)].fd.load(std::memory_order_acquire); }

void drop_own_fd(OwnFd which, bool close_it) noexcept {
    Own& o = g_own[int(which)];
    const int fd = o.fd.exchange(-1, std::memory_order_acq_rel);
    if (fd < 0) return;
    if (g_fds.kind(fd) == Kind::ours) g_fds.clear(fd);
    if (close_it) real::close(fd);
}

bool own_fd_valid(OwnFd which) noexcept {
    const Own& o = g_own[int(which)];
    const int fd = o.fd.load(std::memory_order_acquire);
    if (fd < 0) return false;
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_dev == o.dev && st.st_ino == o.ino;
}

void relocate_if_ours(int fd) noexcept {
    if (fd < 0 || g_fds.kind(fd) != Kind::ours) return;
    if (own_fd(OwnFd::control) == fd) {
        ctl::relocate_control_fd();
        return;
    }
    if (own_fd(OwnFd::log) == fd) {
        int nfd = move_high(fd);
        if (nfd < 0 || nfd == fd) nfd = real::fcntl(fd, F_DUPFD_CLOEXEC, reinterpret_cast<void*>(uintptr_t(3)));
        if (nfd >= 0) {
            g_fds.set(nfd, make_entry(Kind::ours, 0, 0, 0));
            g_own[int(OwnFd::log)].fd.store(nfd, std::memory_order_release);
        } else {
            g_own[int(OwnFd::log)].fd.store(-1, std::memory_order_release);
        }
        g_fds.clear(fd);
        real::close(fd);
    }
}

// Moves the control fd when asked by the control client (it holds its mutex).
int move_own_fd(OwnFd which) noexcept {
    Own& o = g_own[int(which)];
    const int fd = o.fd.load(std::memory_order_acquire);
    if (fd < 0) return -1;
    int nfd = real::fcntl(fd, F_DUPFD_CLOEXEC, reinterpret_cast<void*>(uintptr_t(fd + 1)));
    if (nfd < 0) return -1;
    g_fds.set(nfd, make_entry(Kind::ours, 0, 0, 0));
    o.fd.store(nfd, std::memory_order_release);
    g_fds.clear(fd);
    real::close(fd);
    return nfd;
}

int own_fds_in_range(unsigned lo, unsigned hi, int out[2]) noexcept {
    int n = 0;
    int a = own_fd(OwnFd::control), b = own_fd(OwnFd::log);
    if (a > b) {
        int t = a;
        a = b;
        b = t;
    }
    for (int fd : {a, b})
        if (fd >= 0 && unsigned(fd) >= lo && unsigned(fd) <= hi) out[n++] = fd;
    return n;
}

}  // namespace zti

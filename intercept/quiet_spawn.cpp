// quiet_spawn (quiet_spawn.hpp): the caller clones Q with exit signal 0 and no CLONE_* flag (a
// fork without SIGCHLD); Q sets up the session, fds and signal dispositions, forks the program
// and waits for it. Everything Q and the program need is prepared before the first clone.
#include "intercept/quiet_spawn.hpp"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

// clone's first two arguments are (flags, stack) except on these.
#if defined(__s390__) || defined(__CRIS__)
#error "clone takes the stack before the flags here"
#endif

extern char** environ;

namespace zti {
namespace {

// Fills `out` with the first executable `name` on $PATH; false if there is none.
bool search_path(const char* name, char* out, size_t cap) {
    const char* p = getenv("PATH");
    if (!p || !*p) p = "/usr/local/bin:/usr/bin:/bin";
    const size_t nlen = strlen(name);
    while (*p) {
        const char* colon = strchr(p, ':');
        const size_t n = colon ? size_t(colon - p) : strlen(p);
        if (n > 0 && n + 1 + nlen + 1 <= cap) {
            memcpy(out, p, n);
            out[n] = '/';
            memcpy(out + n + 1, name, nlen + 1);
            if (access(out, X_OK) == 0) return true;
        }
        if (!colon) break;
        p = colon + 1;
    }
    return false;
}

struct Plan {
    const char* path;
    char* const* argv;
    char* const* envp;
    const char* stderr_path;
    int stderr_fd;
    int fd_limit;  // for closing fds one by one where close_range is missing (Linux < 5.9)
};

// `path` opened as fd `target`; false (and `target` untouched) if it cannot be.
bool open_onto(int target, const char* path, int flags) {
    const long fd = syscall(SYS_openat, AT_FDCWD, path, flags, 0600);
    if (fd < 0) return false;
    if (fd != target) {
        syscall(SYS_dup3, fd, target, 0);
        syscall(SYS_close, fd);
    }
    return true;
}

void write_err(const char* s) { (void)!syscall(SYS_write, 2, s, strlen(s)); }

// The kernel's sigset_t, and a zeroed kernel sigaction: SIG_DFL, no flags, no restorer and an
// empty mask in every architecture's layout (the largest has four words).
constexpr unsigned long kSigsetBytes = (NSIG - 1) / 8;
const unsigned long kZero[4] = {};

// Q, from the clone to its exit. Only raw system calls: the caller's other threads may have held
// any lock (libc's, the shim's) when the memory was copied, glibc's idea of this process (its tid)
// is the caller's, and libc names may be hooked (execve, close and dup3 are, by the shim). Every
// signal stays blocked here (the caller blocked them around the clone); the program unblocks.
[[noreturn]] void run_q(const Plan& p) {
    syscall(SYS_setsid);  // out of the caller's process group: no terminal signal, no job control
    syscall(SYS_prctl, PR_SET_NAME, "zt-starter", 0, 0, 0);
    if (p.stderr_fd >= 0) {
        // First, so that opening /dev/null cannot take its number.
        if (p.stderr_fd != 2) syscall(SYS_dup3, p.stderr_fd, 2, 0);
        if (!open_onto(0, "/dev/null", O_RDONLY)) syscall(SYS_close, 0);
        if (!open_onto(1, "/dev/null", O_WRONLY)) syscall(SYS_close, 1);
    } else if (p.stderr_path) {
        if (!open_onto(0, "/dev/null", O_RDONLY)) syscall(SYS_close, 0);
        if (!open_onto(1, "/dev/null", O_WRONLY)) syscall(SYS_close, 1);
        if (!open_onto(2, p.stderr_path, O_WRONLY | O_APPEND | O_CREAT) && !open_onto(2, "/dev/null", O_WRONLY))
            syscall(SYS_close, 2);
    }
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
        for (int fd = 3; fd < p.fd_limit; ++fd) syscall(SYS_close, fd);
    // SIGKILL and SIGSTOP refuse (EINVAL): harmless.
    for (int sig = 1; sig < NSIG; ++sig) syscall(SYS_rt_sigaction, sig, kZero, nullptr, kSigsetBytes);

    // fork(), minus glibc's atfork handlers (the shim's would take a mutex the copy holds).
    const long pid = syscall(SYS_clone, static_cast<unsigned long>(SIGCHLD), 0UL, 0UL, 0UL, 0UL);
    if (pid == 0) {
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, kZero, nullptr, kSigsetBytes);
        syscall(SYS_execve, p.path, p.argv, p.envp);
        write_err("cannot execute ");
        write_err(p.path);
        write_err("\n");
        syscall(SYS_exit_group, 127);
    }
    int status = 0;
    long w = -1;
    if (pid > 0) {
        do {
            w = syscall(SYS_wait4, pid, &status, 0, nullptr);
        } while (w < 0 && errno == EINTR);
    }
    int code = 127;
    if (w == pid) code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    syscall(SYS_exit_group, code);
    __builtin_unreachable();
}

}  // namespace

pid_t quiet_spawn(const QuietSpawn& spawn) noexcept {
    char found[PATH_MAX];
    const char* path = spawn.path;
    if (!strchr(path, '/') && search_path(path, found, sizeof found)) path = found;

    size_t n = 0;
    for (char** e = environ; e && *e; ++e) ++n;
    char** envp = static_cast<char**>(calloc(n + 1, sizeof(char*)));
    if (!envp) return -1;
    size_t k = 0;
    for (char** e = environ; e && *e; ++e)
        if (strncmp(*e, "LD_PRELOAD=", 11) != 0) envp[k++] = *e;
    envp[k] = nullptr;

    rlimit nofile{};
    const bool small = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < (1u << 20);
    const Plan plan{path, spawn.argv, envp, spawn.stderr_path, spawn.stderr_fd,
                    small ? int(nofile.rlim_cur) : (1 << 20)};

    // No handler of the caller may run in Q before its dispositions are reset.
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    const pid_t q = pid_t(syscall(SYS_clone, 0UL, 0UL, 0UL, 0UL, 0UL));  // exit signal 0
    if (q == 0) run_q(plan);
    const int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    free(envp);
    errno = err;
    return q;
}

bool find_executable(const char* name, char* out, size_t cap) noexcept {
    if (!strchr(name, '/')) {
        if (search_path(name, out, cap)) return true;
        errno = ENOENT;
        return false;
    }
    const size_t n = strlen(name);
    if (n + 1 > cap) {
        errno = ENAMETOOLONG;
        return false;
    }
    memcpy(out, name, n + 1);
    return access(out, X_OK) == 0;
}

pid_t wait_quiet_child(pid_t pid, int* status, int options) noexcept {
    pid_t r;
    do {
        r = waitpid(pid, status, options | __WCLONE);
    } while (r < 0 && errno == EINTR);
    return r;
}

}  // namespace zti

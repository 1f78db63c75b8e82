// Starting a helper program (the node) so that the caller never sees a child it did not create.
// The caller gets a *quiet child* Q: a clone() whose exit signal is 0 instead of SIGCHLD, so its
// exit sends no SIGCHLD and wait(), waitpid(-1, ...) and waitid(P_ALL, ...) without __WCLONE or
// __WALL never return it (wait() with no other child fails with ECHILD at once); only
// waitpid(Q, ..., __WCLONE) reaps it. Q never executes anything, because execve makes any process
// an ordinary SIGCHLD child again (Linux fs/exec.c, de_thread: "we have changed execution
// domain"): Q forks the program, waits for it, and exits with its status. Used by the shim and by
// ztrun (docs/ARCHITECTURE.md, "The node's life").
#pragma once

#include <sys/types.h>

namespace zti {

struct QuietSpawn {
    const char* path;          // the executable; without a '/', looked up on $PATH
    char* const* argv;
    const char* stderr_path;   // the program's stderr (appended to, created 0600) with stdin and
                               // stdout on /dev/null; nullptr: fds 0, 1 and 2 stay the caller's
    int stderr_fd = -1;        // if >= 0: the program's stderr instead (a pipe the caller reads),
                               // with stdin and stdout on /dev/null
};

// The file quiet_spawn would execute for `name`: itself if it has a '/', else the first
// executable of that name on $PATH. Copies it to `out`; false with errno (ENOENT, EACCES, ...)
// if it is not executable. The callers check before they start the program, so that a missing
// binary is named with its reason rather than as an exit status 127.
bool find_executable(const char* name, char* out, size_t cap) noexcept;

// Starts the program as Q's child, in a session of its own (Q's), with LD_PRELOAD removed from the
// environment, default signal dispositions, an empty signal mask and no fd of the caller above 2.
// Returns Q's pid, or -1 with errno. Q exits when the program does, with its exit status, 127 if
// it could not be executed, or 128 + n if signal n ended it.
pid_t quiet_spawn(const QuietSpawn& spawn) noexcept;

// waitpid for Q (`options` | __WCLONE), through EINTR.
pid_t wait_quiet_child(pid_t pid, int* status, int options) noexcept;

}  // namespace zti

// dup()/dup2()/dup3()/fcntl(F_DUPFD*): the new fd gets a copy of the old fd's entry; an fd
// replaced by dup2/dup3 is closed like close() would (tcp_release); our own fds are moved
// out of the way first.
#include <fcntl.h>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/own_fds.hpp"
#include "intercept/real.hpp"

namespace zti {

int on_dup(int fd) noexcept {
    const int r = real::dup(fd);
    if (r >= 0 && (g_fds.kind(fd) != Kind::none || g_fds.kind(r) != Kind::none) && !foreign_process())
        g_fds.copy(fd, r);
    return r;
}

int on_dup3(int fd, int fd2, int flags, bool is_dup2) noexcept {
    if (fd == fd2 || (g_fds.kind(fd) == Kind::none && g_fds.kind(fd2) == Kind::none) || foreign_process())
        return is_dup2 ? real::dup2(fd, fd2) : real::dup3(fd, fd2, flags);
    relocate_if_ours(fd2);
    FdEntry old;
    const bool had = g_fds.get(fd2, old);
    const int r = is_dup2 ? real::dup2(fd, fd2) : real::dup3(fd, fd2, flags);
    if (r < 0) return r;
    g_fds.copy(fd, fd2);
    if (had && (old.kind == Kind::tcp_listener || old.kind == Kind::tcp_bound)) {
        const int err = errno;
        release_sock(old.id);
        errno = err;
    }
    return r;
}

int on_fcntl(int fd, int cmd, void* arg) noexcept {
    const int r = real::fcntl(fd, cmd, arg);
    if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) &&
        (g_fds.kind(fd) != Kind::none || g_fds.kind(r) != Kind::none) && !foreign_process())
        g_fds.copy(fd, r);
    return r;
}

}  // namespace zti

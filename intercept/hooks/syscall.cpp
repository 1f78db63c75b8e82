// syscall(): some libraries make socket and fd calls through libc's generic syscall() instead of
// the named functions (libuv 1.44: sendmmsg, recvmmsg, dup3). Those numbers reach the same on_*
// as the named hooks, under the same pass-through rules; every other number, and every number
// while the shim is inactive or re-entered, goes to libc's syscall() with all six arguments.
// glibc's own functions make their system calls inline, never through syscall(). Identity
// changes (SYS_setuid, SYS_setreuid, SYS_setresuid) get what the named hooks do before them
// (privileges.cpp), then go to the kernel.
#include <sys/syscall.h>

#include <cstdarg>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/privileges.hpp"
#include "intercept/real.hpp"

namespace {

template <class T>
T* ptr(long v) noexcept {
    return reinterpret_cast<T*>(v);
}

// The calls whose named hooks use pass_mutating(): they also go to libc in a vfork child.
bool creates_or_binds(long nr) noexcept {
    switch (nr) {
    case SYS_socket:
    case SYS_socketpair:
    case SYS_connect:
    case SYS_bind:
    case SYS_listen:
    case SYS_accept4:
#ifdef SYS_accept
    case SYS_accept:
#endif
        return true;
    default:
        return false;
    }
}

// Runs `nr` through its hook's on_* and stores the result (-1 and errno on failure). Returns
// false for a number no hook covers. The kernel takes int arguments from the low 32 bits, as
// the casts here do.
bool dispatch(long nr, const long* a, long& r) noexcept {
    using namespace zti;
    if (creates_or_binds(nr) && foreign_process()) return false;
    const int fd = int(a[0]);
    switch (nr) {
    case SYS_socket: r = on_socket(fd, int(a[1]), int(a[2])); return true;
    case SYS_socketpair: r = on_socketpair(fd, int(a[1]), int(a[2]), ptr<int>(a[3])); return true;
    case SYS_connect: r = on_connect(fd, ptr<const sockaddr>(a[1]), socklen_t(a[2])); return true;
    case SYS_bind: r = on_bind(fd, ptr<const sockaddr>(a[1]), socklen_t(a[2])); return true;
    case SYS_listen: r = on_listen(fd, int(a[1])); return true;
#ifdef SYS_accept
    case SYS_accept: r = on_accept4(fd, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), 0, false); return true;
#endif
    case SYS_accept4:
        r = on_accept4(fd, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2]), int(a[3]), true);
        return true;
    case SYS_getsockname: r = on_getsockname(fd, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2])); return true;
    case SYS_getpeername: r = on_getpeername(fd, ptr<sockaddr>(a[1]), ptr<socklen_t>(a[2])); return true;
    case SYS_getsockopt:
        r = on_getsockopt(fd, int(a[1]), int(a[2]), ptr<void>(a[3]), ptr<socklen_t>(a[4]));
        return true;
    case SYS_setsockopt:
        r = on_setsockopt(fd, int(a[1]), int(a[2]), ptr<const void>(a[3]), socklen_t(a[4]));
        return true;
    case SYS_close: r = on_close(fd); return true;
#ifdef SYS_close_range
    case SYS_close_range: r = on_close_range(unsigned(a[0]), unsigned(a[1]), int(a[2])); return true;
#endif
    case SYS_shutdown: r = on_shutdown(fd, int(a[1])); return true;
    case SYS_dup: r = on_dup(fd); return true;
#ifdef SYS_dup2
    case SYS_dup2: r = on_dup3(fd, int(a[1]), 0, true); return true;
#endif
    case SYS_dup3: r = on_dup3(fd, int(a[1]), int(a[2]), false); return true;
    case SYS_fcntl: r = on_fcntl(fd, int(a[1]), ptr<void>(a[2])); return true;
    case SYS_ioctl: r = on_ioctl(fd, static_cast<unsigned long>(a[1]), ptr<void>(a[2])); return true;
    case SYS_epoll_ctl: r = on_epoll_ctl(fd, int(a[1]), int(a[2]), ptr<epoll_event>(a[3])); return true;
    case SYS_read: r = on_read(fd, ptr<void>(a[1]), size_t(a[2])); return true;
    case SYS_write: r = on_write(fd, ptr<const void>(a[1]), size_t(a[2])); return true;
    case SYS_readv: r = on_readv(fd, ptr<const iovec>(a[1]), int(a[2])); return true;
    case SYS_writev: r = on_writev(fd, ptr<const iovec>(a[1]), int(a[2])); return true;
    case SYS_recvfrom:
        r = on_recvfrom(fd, ptr<void>(a[1]), size_t(a[2]), int(a[3]), ptr<sockaddr>(a[4]), ptr<socklen_t>(a[5]));
        return true;
    case SYS_sendto:
        r = on_sendto(fd, ptr<const void>(a[1]), size_t(a[2]), int(a[3]), ptr<const sockaddr>(a[4]),
                      socklen_t(a[5]));
        return true;
    case SYS_recvmsg: r = on_recvmsg(fd, ptr<msghdr>(a[1]), int(a[2])); return true;
    case SYS_sendmsg: r = on_sendmsg(fd, ptr<const msghdr>(a[1]), int(a[2])); return true;
    case SYS_recvmmsg:
        r = on_recvmmsg(fd, ptr<mmsghdr>(a[1]), unsigned(a[2]), int(a[3]), ptr<timespec>(a[4]));
        return true;
    case SYS_sendmmsg: r = on_sendmmsg(fd, ptr<mmsghdr>(a[1]), unsigned(a[2]), int(a[3])); return true;
    default:
        return false;
    }
}

}  // namespace

// Like libc's, reads six long arguments whatever the number takes (the unused ones are whatever
// the caller's registers and stack hold, never dereferenced).
ZTI_HOOK(long, syscall, long nr, ...) {
    va_list ap;
    va_start(ap, nr);
    long a[6];
    for (long& x : a) x = va_arg(ap, long);
    va_end(ap);
    long r;
    if (zti::g_active && !zti::in_shim()) {
        if (dispatch(nr, a, r)) return r;
        if (nr == SYS_setuid || nr == SYS_setreuid || nr == SYS_setresuid) zti::before_raw_identity_change(nr, a);
    }
    return zti::real::syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

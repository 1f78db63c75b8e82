// dlsym(RTLD_NEXT) resolution of the hooked libc functions, with raw-syscall fallbacks. The
// fallbacks go through libc's syscall() found the same way: the name `syscall` is our own hook.
#undef _FORTIFY_SOURCE
#include "intercept/real.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <type_traits>

extern "C" {
ssize_t __read_chk(int, void*, size_t, size_t);
ssize_t __recv_chk(int, void*, size_t, size_t, int);
ssize_t __recvfrom_chk(int, void*, size_t, size_t, int, sockaddr*, socklen_t*);
}

namespace zti::real {
namespace {

// One cached pointer per function; nullptr until resolved, kMissing if libc lacks it.
void* const kMissing = reinterpret_cast<void*>(1);

template <class F>
F lookup(std::atomic<void*>& cache, const char* name) noexcept {
    void* p = cache.load(std::memory_order_acquire);
    if (!p) {
        p = dlsym(RTLD_NEXT, name);
        if (!p) p = kMissing;
        cache.store(p, std::memory_order_release);
    }
    return p == kMissing ? nullptr : reinterpret_cast<F>(p);
}

#define ZTI_SLOT(name) std::atomic<void*> p_##name{nullptr};
#define ZTI_FN(name, sym) lookup<decltype(&::sym)>(p_##name, #sym)

ZTI_SLOT(socket) ZTI_SLOT(socketpair) ZTI_SLOT(connect) ZTI_SLOT(bind) ZTI_SLOT(listen) ZTI_SLOT(accept) ZTI_SLOT(accept4)
ZTI_SLOT(getsockname) ZTI_SLOT(getpeername) ZTI_SLOT(getsockopt) ZTI_SLOT(setsockopt) ZTI_SLOT(close)
ZTI_SLOT(shutdown) ZTI_SLOT(dup) ZTI_SLOT(dup2) ZTI_SLOT(dup3) ZTI_SLOT(fcntl) ZTI_SLOT(ioctl)
ZTI_SLOT(read) ZTI_SLOT(write) ZTI_SLOT(readv) ZTI_SLOT(writev) ZTI_SLOT(recv) ZTI_SLOT(send)
ZTI_SLOT(recvfrom) ZTI_SLOT(sendto) ZTI_SLOT(recvmsg) ZTI_SLOT(sendmsg) ZTI_SLOT(recvmmsg)
ZTI_SLOT(sendmmsg) ZTI_SLOT(close_range) ZTI_SLOT(epoll_ctl) ZTI_SLOT(read_chk) ZTI_SLOT(recv_chk)
ZTI_SLOT(recvfrom_chk) ZTI_SLOT(syscall)

// A system call with its arguments widened to long, as libc's syscall() takes them.
template <class T>
long as_arg(T v) noexcept {
    if constexpr (std::is_null_pointer_v<T>) {
        return 0;
    } else if constexpr (std::is_pointer_v<T>) {
        return reinterpret_cast<long>(v);
    } else {
        return long(v);
    }
}
template <class... A>
long raw(long nr, A... args) noexcept {
    static_assert(sizeof...(A) <= 6);
    long a[6] = {as_arg(args)...};
    return syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

}  // namespace

void resolve_all() noexcept {
    (void)ZTI_FN(socketpair, socketpair);
    (void)ZTI_FN(socket, socket), (void)ZTI_FN(connect, connect), (void)ZTI_FN(bind, bind);
    (void)ZTI_FN(listen, listen), (void)ZTI_FN(accept, accept), (void)ZTI_FN(accept4, accept4);
    (void)ZTI_FN(getsockname, getsockname), (void)ZTI_FN(getpeername, getpeername);
    (void)ZTI_FN(getsockopt, getsockopt), (void)ZTI_FN(setsockopt, setsockopt), (void)ZTI_FN(close, close);
    (void)ZTI_FN(shutdown, shutdown), (void)ZTI_FN(dup, dup), (void)ZTI_FN(dup2, dup2);
    (void)ZTI_FN(dup3, dup3), (void)ZTI_FN(fcntl, fcntl), (void)ZTI_FN(ioctl, ioctl);
    (void)ZTI_FN(read, read), (void)ZTI_FN(write, write), (void)ZTI_FN(readv, readv);
    (void)ZTI_FN(writev, writev), (void)ZTI_FN(recv, recv), (void)ZTI_FN(send, send);
    (void)ZTI_FN(recvfrom, recvfrom), (void)ZTI_FN(sendto, sendto), (void)ZTI_FN(recvmsg, recvmsg);
    (void)ZTI_FN(sendmsg, sendmsg), (void)ZTI_FN(recvmmsg, recvmmsg), (void)ZTI_FN(sendmmsg, sendmmsg);
    (void)ZTI_FN(close_range, close_range), (void)ZTI_FN(epoll_ctl, epoll_ctl);
    (void)ZTI_FN(read_chk, __read_chk), (void)ZTI_FN(recv_chk, __recv_chk);
    (void)ZTI_FN(recvfrom_chk, __recvfrom_chk);
    (void)ZTI_FN(syscall, syscall);
}

long syscall6(long nr, long a, long b, long c, long d, long e, long f) noexcept {
    if (auto fn = ZTI_FN(syscall, syscall)) return fn(nr, a, b, c, d, e, f);
    errno = ENOSYS;
    return -1;
}

int socket(int d, int t, int p) noexcept {
    if (auto f = ZTI_FN(socket, socket)) return f(d, t, p);
    return int(raw(SYS_socket, d, t, p));
}
int socketpair(int d, int t, int p, int sv[2]) noexcept {
    if (auto f = ZTI_FN(socketpair, socketpair)) return f(d, t, p, sv);
    return int(raw(SYS_socketpair, d, t, p, sv));
}
int connect(int fd, const sockaddr* sa, socklen_t len) noexcept {
    if (auto f = ZTI_FN(connect, connect)) return f(fd, sa, len);
    return int(raw(SYS_connect, fd, sa, len));
}
int bind(int fd, const sockaddr* sa, socklen_t len) noexcept {
    if (auto f = ZTI_FN(bind, bind)) return f(fd, sa, len);
    return int(raw(SYS_bind, fd, sa, len));
}
int listen(int fd, int backlog) noexcept {
    if (auto f = ZTI_FN(listen, listen)) return f(fd, backlog);
    return int(raw(SYS_listen, fd, backlog));
}
int accept(int fd, sockaddr* sa, socklen_t* len) noexcept {
    if (auto f = ZTI_FN(accept, accept)) return f(fd, sa, len);
    return int(raw(SYS_accept, fd, sa, len));
}
int accept4(int fd, sockaddr* sa, socklen_t* len, int flags) noexcept {
    if (auto f = ZTI_FN(accept4, accept4)) return f(fd, sa, len, flags);
    return int(raw(SYS_accept4, fd, sa, len, flags));
}
int getsockname(int fd, sockaddr* sa, socklen_t* len) noexcept {
    if (auto f = ZTI_FN(getsockname, getsockname)) return f(fd, sa, len);
    return int(raw(SYS_getsockname, fd, sa, len));
}
int getpeername(int fd, sockaddr* sa, socklen_t* len) noexcept {
    if (auto f = ZTI_FN(getpeername, getpeername)) return f(fd, sa, len);
    return int(raw(SYS_getpeername, fd, sa, len));
}
int getsockopt(int fd, int level, int name, void* val, socklen_t* len) noexcept {
    if (auto f = ZTI_FN(getsockopt, getsockopt)) return f(fd, level, name, val, len);
    return int(raw(SYS_getsockopt, fd, level, name, val, len));
}
int setsockopt(int fd, int level, int name, const void* val, socklen_t len) noexcept {
    if (auto f = ZTI_FN(setsockopt, setsockopt)) return f(fd, level, name, val, len);
    return int(raw(SYS_setsockopt, fd, level, name, val, len));
}
int close(int fd) noexcept {
    if (auto f = ZTI_FN(close, close)) return f(fd);
    return int(raw(SYS_close, fd));
}
int shutdown(int fd, int how) noexcept {
    if (auto f = ZTI_FN(shutdown, shutdown)) return f(fd, how);
    return int(raw(SYS_shutdown, fd, how));
}
int dup(int fd) noexcept {
    if (auto f = ZTI_FN(dup, dup)) return f(fd);
    return int(raw(SYS_dup, fd));
}
int dup2(int fd, int fd2) noexcept {
    if (auto f = ZTI_FN(dup2, dup2)) return f(fd, fd2);
#ifdef SYS_dup2
    return int(raw(SYS_dup2, fd, fd2));
#else  // aarch64: no dup2 system call; dup2(fd, fd) only checks fd
    if (fd == fd2) return raw(SYS_fcntl, fd, F_GETFD) < 0 ? -1 : fd;
    return int(raw(SYS_dup3, fd, fd2, 0));
#endif
}
int dup3(int fd, int fd2, int flags) noexcept {
    if (auto f = ZTI_FN(dup3, dup3)) return f(fd, fd2, flags);
    return int(raw(SYS_dup3, fd, fd2, flags));
}
int fcntl(int fd, int cmd, void* arg) noexcept {
    if (auto f = ZTI_FN(fcntl, fcntl)) return f(fd, cmd, arg);
    return int(raw(SYS_fcntl, fd, cmd, arg));
}
int ioctl(int fd, unsigned long req, void* arg) noexcept {
    if (auto f = ZTI_FN(ioctl, ioctl)) return f(fd, req, arg);
    return int(raw(SYS_ioctl, fd, req, arg));
}
ssize_t read(int fd, void* buf, size_t n) noexcept {
    if (auto f = ZTI_FN(read, read)) return f(fd, buf, n);
    return raw(SYS_read, fd, buf, n);
}
ssize_t write(int fd, const void* buf, size_t n) noexcept {
    if (auto f = ZTI_FN(write, write)) return f(fd, buf, n);
    return raw(SYS_write, fd, buf, n);
}
ssize_t readv(int fd, const iovec* iov, int cnt) noexcept {
    if (auto f = ZTI_FN(readv, readv)) return f(fd, iov, cnt);
    return raw(SYS_readv, fd, iov, cnt);
}
ssize_t writev(int fd, const iovec* iov, int cnt) noexcept {
    if (auto f = ZTI_FN(writev, writev)) return f(fd, iov, cnt);
    return raw(SYS_writev, fd, iov, cnt);
}
ssize_t recv(int fd, void* buf, size_t n, int flags) noexcept {
    if (auto f = ZTI_FN(recv, recv)) return f(fd, buf, n, flags);
    return raw(SYS_recvfrom, fd, buf, n, flags, nullptr, nullptr);
}
ssize_t send(int fd, const void* buf, size_t n, int flags) noexcept {
    if (auto f = ZTI_FN(send, send)) return f(fd, buf, n, flags);
    return raw(SYS_sendto, fd, buf, n, flags, nullptr, 0);
}
ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* sa, socklen_t* len) noexcept {
    if (auto f = ZTI_FN(recvfrom, recvfrom)) return f(fd, buf, n, flags, sa, len);
    return raw(SYS_recvfrom, fd, buf, n, flags, sa, len);
}
ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* sa, socklen_t len) noexcept {
    if (auto f = ZTI_FN(sendto, sendto)) return f(fd, buf, n, flags, sa, len);
    return raw(SYS_sendto, fd, buf, n, flags, sa, len);
}
ssize_t recvmsg(int fd, msghdr* msg, int flags) noexcept {
    if (auto f = ZTI_FN(recvmsg, recvmsg)) return f(fd, msg, flags);
    return raw(SYS_recvmsg, fd, msg, flags);
}
ssize_t sendmsg(int fd, const msghdr* msg, int flags) noexcept {
    if (auto f = ZTI_FN(sendmsg, sendmsg)) return f(fd, msg, flags);
    return raw(SYS_sendmsg, fd, msg, flags);
}
int recvmmsg(int fd, mmsghdr* v, unsigned n, int flags, timespec* timeout) noexcept {
    if (auto f = ZTI_FN(recvmmsg, recvmmsg)) return f(fd, v, n, flags, timeout);
    return int(raw(SYS_recvmmsg, fd, v, n, flags, timeout));
}
int sendmmsg(int fd, mmsghdr* v, unsigned n, int flags) noexcept {
    if (auto f = ZTI_FN(sendmmsg, sendmmsg)) return f(fd, v, n, flags);
    return int(raw(SYS_sendmmsg, fd, v, n, flags));
}
int close_range(unsigned first, unsigned last, int flags) noexcept {
    if (auto f = ZTI_FN(close_range, close_range)) return f(first, last, flags);
    return int(raw(SYS_close_range, first, last, flags));
}
int epoll_ctl(int epfd, int op, int fd, epoll_event* ev) noexcept {
    if (auto f = ZTI_FN(epoll_ctl, epoll_ctl)) return f(epfd, op, fd, ev);
    return int(raw(SYS_epoll_ctl, epfd, op, fd, ev));
}
ssize_t read_chk(int fd, void* buf, size_t n, size_t buflen) noexcept {
    if (auto f = ZTI_FN(read_chk, __read_chk)) return f(fd, buf, n, buflen);
    return real::read(fd, buf, n);
}
ssize_t recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) noexcept {
    if (auto f = ZTI_FN(recv_chk, __recv_chk)) return f(fd, buf, n, buflen, flags);
    return real::recv(fd, buf, n, flags);
}
ssize_t recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags, sockaddr* sa, socklen_t* len) noexcept {
    if (auto f = ZTI_FN(recvfrom_chk, __recvfrom_chk)) return f(fd, buf, n, buflen, flags, sa, len);
    return real::recvfrom(fd, buf, n, flags, sa, len);
}

}  // namespace zti::real

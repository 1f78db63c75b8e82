// The libc functions behind our hooks, resolved with dlsym(RTLD_NEXT) once (in the library
// constructor, and lazily if a hook runs before it). A symbol libc lacks falls back to the raw
// system call. Shim-internal code calls these, never the hooked names.
#pragma once

#include <dlfcn.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>

namespace zti::real {

void resolve_all() noexcept;

// The next definition of `name` after ours (dlsym RTLD_NEXT), looked up once into `cache`: for
// hooks of functions outside the table below (exec, setuid, sendfile families).
template <class F>
F next_symbol(std::atomic<void*>& cache, const char* name) noexcept {
    void* p = cache.load(std::memory_order_acquire);
    if (!p) {
        p = dlsym(RTLD_NEXT, name);
        cache.store(p, std::memory_order_release);
    }
    return reinterpret_cast<F>(p);
}

int socket(int domain, int type, int protocol) noexcept;
int socketpair(int domain, int type, int protocol, int sv[2]) noexcept;
int connect(int fd, const sockaddr* sa, socklen_t len) noexcept;
int bind(int fd, const sockaddr* sa, socklen_t len) noexcept;
int listen(int fd, int backlog) noexcept;
int accept(int fd, sockaddr* sa, socklen_t* len) noexcept;
int accept4(int fd, sockaddr* sa, socklen_t* len, int flags) noexcept;
int getsockname(int fd, sockaddr* sa, socklen_t* len) noexcept;
int getpeername(int fd, sockaddr* sa, socklen_t* len) noexcept;
int getsockopt(int fd, int level, int name, void* val, socklen_t* len) noexcept;
int setsockopt(int fd, int level, int name, const void* val, socklen_t len) noexcept;
int close(int fd) noexcept;
int shutdown(int fd, int how) noexcept;
int dup(int fd) noexcept;
int dup2(int fd, int fd2) noexcept;
int dup3(int fd, int fd2, int flags) noexcept;
int fcntl(int fd, int cmd, void* arg) noexcept;
int ioctl(int fd, unsigned long req, void* arg) noexcept;
ssize_t read(int fd, void* buf, size_t n) noexcept;
ssize_t write(int fd, const void* buf, size_t n) noexcept;
ssize_t readv(int fd, const iovec* iov, int cnt) noexcept;
ssize_t writev(int fd, const iovec* iov, int cnt) noexcept;
ssize_t recv(int fd, void* buf, size_t n, int flags) noexcept;
ssize_t send(int fd, const void* buf, size_t n, int flags) noexcept;
ssize_t recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* sa, socklen_t* len) noexcept;
ssize_t sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* sa, socklen_t len) noexcept;
ssize_t recvmsg(int fd, msghdr* msg, int flags) noexcept;
ssize_t sendmsg(int fd, const msghdr* msg, int flags) noexcept;
int recvmmsg(int fd, mmsghdr* v, unsigned n, int flags, timespec* timeout) noexcept;
int sendmmsg(int fd, mmsghdr* v, unsigned n, int flags) noexcept;
int close_range(unsigned first, unsigned last, int flags) noexcept;
int epoll_ctl(int epfd, int op, int fd, epoll_event* ev) noexcept;
ssize_t read_chk(int fd, void* buf, size_t n, size_t buflen) noexcept;
ssize_t recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) noexcept;
ssize_t recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags, sockaddr* sa, socklen_t* len) noexcept;
// libc's syscall(): -1 and errno on failure, like the named functions.
long syscall6(long nr, long a, long b, long c, long d, long e, long f) noexcept;

}  // namespace zti::real

// The logic behind the hooks (one .cpp per call family, beside this header) and the helpers
// they share. Hooks (intercept/hooks/*.cpp) call on_* only when the shim is active and not
// re-entered; every on_* passes untracked fds straight to libc.
#pragma once

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "intercept/fd_table.hpp"

namespace zti {

// socket.cpp
int on_socket(int domain, int type, int protocol) noexcept;
int on_socketpair(int domain, int type, int protocol, int sv[2]) noexcept;
void record_socket(int fd, int domain, int type, int protocol) noexcept;
Kind adopt(int fd) noexcept;       // learns what an untracked fd is (kernel inet socket or ours)
Kind adopt_unix(int fd) noexcept;  // recognises our unix carriers by their "\0zti" names
void adopt_inherited() noexcept;   // at load: every inherited fd
void capture_exec_env() noexcept;  // exec.cpp, at load: what exec'd programs get back
// Swaps the file behind `fd` for `carrier` (dup3, keeping O_NONBLOCK and FD_CLOEXEC, moving
// recorded epoll registrations) and closes `carrier`. Returns 0 or an errno.
int swap_in(int fd, int carrier, const FdEntry& e) noexcept;
// Re-applies buffer and timeout options recorded on the kernel socket to a fresh carrier.
void apply_carrier_options(int s, const FdEntry& e) noexcept;
ztctl::NameAddr wildcard_for(int domain) noexcept;
// Where a connect or send to `dst` goes. `refused`: it is meant for the virtual network (inside a
// range the program was started with, or anything not loopback in strict mode) but no node can
// carry it, so it fails with ENETUNREACH rather than go out on the physical network.
enum class DestRoute { kernel, virtual_net, refused };
// SO_BINDTODEVICE names a kernel interface: the socket stays the kernel's, which routes it out of
// that interface only (the virtual network has no kernel device).
bool bound_to_device(int fd) noexcept;
DestRoute dest_route(const ztctl::NameAddr& dst) noexcept;

// connect.cpp
int on_connect(int fd, const sockaddr* sa, socklen_t len) noexcept;
enum class Progress { pending, established, failed };
Progress probe_connect(int fd) noexcept;
// A connecting fd has failed: clears the carrier's own error, asks the node for the reason,
// marks the entry failed. Returns the errno to report.
int take_connect_error(int fd) noexcept;
int send_option(uint64_t id, int option, int value) noexcept;  // ztctl::OptionId

// bind.cpp
int on_bind(int fd, const sockaddr* sa, socklen_t len) noexcept;
int on_listen(int fd, int backlog) noexcept;
// Opens the node's UDP pcb bound to `local`, swaps its pair end in; entry becomes udp.
int open_udp(int fd, FdEntry& e, const ztctl::NameAddr& local) noexcept;
void release_sock(uint64_t sock_id) noexcept;

// accept.cpp
int on_accept4(int fd, sockaddr* sa, socklen_t* len, int flags, bool is_accept4) noexcept;

// sockname.cpp
int on_getsockname(int fd, sockaddr* sa, socklen_t* len) noexcept;
int on_getpeername(int fd, sockaddr* sa, socklen_t* len) noexcept;

// sockopt.cpp
int on_getsockopt(int fd, int level, int name, void* val, socklen_t* len) noexcept;
int on_setsockopt(int fd, int level, int name, const void* val, socklen_t len) noexcept;

// close.cpp
int on_close(int fd) noexcept;
int on_close_range(unsigned first, unsigned last, int flags) noexcept;

// shutdown.cpp
int on_shutdown(int fd, int how) noexcept;

// dup.cpp
int on_dup(int fd) noexcept;
int on_dup3(int fd, int fd2, int flags, bool is_dup2) noexcept;
int on_fcntl(int fd, int cmd, void* arg) noexcept;

// ioctl.cpp
int on_ioctl(int fd, unsigned long req, void* arg) noexcept;

// epoll.cpp
int on_epoll_ctl(int epfd, int op, int fd, epoll_event* ev) noexcept;

// io.cpp: data calls; only virtual UDP fds (and a few TCP corner cases) are handled here.
ssize_t on_read(int fd, void* buf, size_t n) noexcept;
ssize_t on_write(int fd, const void* buf, size_t n) noexcept;
ssize_t on_readv(int fd, const iovec* iov, int cnt) noexcept;
ssize_t on_writev(int fd, const iovec* iov, int cnt) noexcept;
ssize_t on_recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* sa, socklen_t* len) noexcept;
ssize_t on_sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* sa, socklen_t len) noexcept;
ssize_t on_recvmsg(int fd, msghdr* msg, int flags) noexcept;
ssize_t on_sendmsg(int fd, const msghdr* msg, int flags) noexcept;
int on_recvmmsg(int fd, mmsghdr* v, unsigned n, int flags, timespec* timeout) noexcept;
int on_sendmmsg(int fd, mmsghdr* v, unsigned n, int flags) noexcept;

// udp_io.cpp: UdpHeader framing on the SOCK_SEQPACKET pair. Return -2 when the fd turned out
// not to be our socket any more (stale entry, now cleared): the caller retries with libc.
ssize_t udp_send(int fd, const iovec* iov, size_t cnt, int flags, const sockaddr* dst, socklen_t dlen) noexcept;
ssize_t udp_recv(int fd, const iovec* iov, size_t cnt, int flags, sockaddr* src, socklen_t* slen,
                 int* msg_flags) noexcept;
int udp_fionread(int fd, int* out) noexcept;

// init.cpp
void init_once() noexcept;

}  // namespace zti

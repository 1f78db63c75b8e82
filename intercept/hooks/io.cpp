// read(), write(), readv(), writev(), recv(), send(), recvfrom(), sendto(), recvmsg(),
// sendmsg(), recvmmsg(), sendmmsg(), and the _FORTIFY_SOURCE entry points __read_chk(),
// __recv_chk(), __recvfrom_chk().
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

extern "C" [[noreturn]] void __chk_fail(void);

#define ZTI_PASS (!zti::g_active || zti::in_shim())

ZTI_HOOK(ssize_t, read, int fd, void* buf, size_t n) {
    if (ZTI_PASS) return zti::real::read(fd, buf, n);
    return zti::on_read(fd, buf, n);
}

ZTI_HOOK(ssize_t, write, int fd, const void* buf, size_t n) {
    if (ZTI_PASS) return zti::real::write(fd, buf, n);
    return zti::on_write(fd, buf, n);
}

ZTI_HOOK(ssize_t, readv, int fd, const iovec* iov, int cnt) {
    if (ZTI_PASS) return zti::real::readv(fd, iov, cnt);
    return zti::on_readv(fd, iov, cnt);
}

ZTI_HOOK(ssize_t, writev, int fd, const iovec* iov, int cnt) {
    if (ZTI_PASS) return zti::real::writev(fd, iov, cnt);
    return zti::on_writev(fd, iov, cnt);
}

ZTI_HOOK(ssize_t, recv, int fd, void* buf, size_t n, int flags) {
    if (ZTI_PASS) return zti::real::recv(fd, buf, n, flags);
    return zti::on_recvfrom(fd, buf, n, flags, nullptr, nullptr);
}

ZTI_HOOK(ssize_t, send, int fd, const void* buf, size_t n, int flags) {
    if (ZTI_PASS) return zti::real::send(fd, buf, n, flags);
    return zti::on_sendto(fd, buf, n, flags, nullptr, 0);
}

ZTI_HOOK(ssize_t, recvfrom, int fd, void* buf, size_t n, int flags, sockaddr* sa, socklen_t* len) {
    if (ZTI_PASS) return zti::real::recvfrom(fd, buf, n, flags, sa, len);
    return zti::on_recvfrom(fd, buf, n, flags, sa, len);
}

ZTI_HOOK(ssize_t, sendto, int fd, const void* buf, size_t n, int flags, const sockaddr* sa, socklen_t len) {
    if (ZTI_PASS) return zti::real::sendto(fd, buf, n, flags, sa, len);
    return zti::on_sendto(fd, buf, n, flags, sa, len);
}

ZTI_HOOK(ssize_t, recvmsg, int fd, msghdr* msg, int flags) {
    if (ZTI_PASS) return zti::real::recvmsg(fd, msg, flags);
    return zti::on_recvmsg(fd, msg, flags);
}

ZTI_HOOK(ssize_t, sendmsg, int fd, const msghdr* msg, int flags) {
    if (ZTI_PASS) return zti::real::sendmsg(fd, msg, flags);
    return zti::on_sendmsg(fd, msg, flags);
}

ZTI_HOOK(int, recvmmsg, int fd, mmsghdr* v, unsigned n, int flags, timespec* timeout) {
    if (ZTI_PASS) return zti::real::recvmmsg(fd, v, n, flags, timeout);
    return zti::on_recvmmsg(fd, v, n, flags, timeout);
}

ZTI_HOOK(int, sendmmsg, int fd, mmsghdr* v, unsigned n, int flags) {
    if (ZTI_PASS) return zti::real::sendmmsg(fd, v, n, flags);
    return zti::on_sendmmsg(fd, v, n, flags);
}

ZTI_HOOK(ssize_t, __read_chk, int fd, void* buf, size_t n, size_t buflen) {
    if (ZTI_PASS) return zti::real::read_chk(fd, buf, n, buflen);
    if (n > buflen) __chk_fail();
    return zti::on_read(fd, buf, n);
}

ZTI_HOOK(ssize_t, __recv_chk, int fd, void* buf, size_t n, size_t buflen, int flags) {
    if (ZTI_PASS) return zti::real::recv_chk(fd, buf, n, buflen, flags);
    if (n > buflen) __chk_fail();
    return zti::on_recvfrom(fd, buf, n, flags, nullptr, nullptr);
}

ZTI_HOOK(ssize_t, __recvfrom_chk, int fd, void* buf, size_t n, size_t buflen, int flags, sockaddr* sa,
         socklen_t* len) {
    if (ZTI_PASS) return zti::real::recvfrom_chk(fd, buf, n, buflen, flags, sa, len);
    if (n > buflen) __chk_fail();
    return zti::on_recvfrom(fd, buf, n, flags, sa, len);
}

// sendfile()/sendfile64()/splice() into a virtual UDP socket. A virtual TCP socket is a unix
// stream socket, which the kernel's sendfile and splice feed as they are; a virtual UDP socket is
// a SOCK_SEQPACKET carrier whose messages start with our header, so raw bytes must not reach it.
// The kernel sends what sendfile or splice move into a connected UDP socket as datagrams; here
// each call reads up to one datagram's worth (65507 bytes) and sends it through the UDP path.
// Everything else goes to libc untouched.
#include <fcntl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/fd_table.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

#include <dlfcn.h>

#include <atomic>

namespace {

constexpr size_t kMaxDatagram = 65507;

std::atomic<void*> p_sendfile{nullptr}, p_sendfile64{nullptr}, p_splice{nullptr};

bool virtual_udp(int fd) { return zti::g_active && !zti::in_shim() && zti::g_fds.kind(fd) == zti::Kind::udp; }

// Reads up to `count` bytes of in_fd (at *offset if given, which then advances) and sends them as
// one datagram on the virtual UDP socket out_fd.
ssize_t copy_datagram(int out_fd, int in_fd, off64_t* offset, size_t count) {
    // A heap buffer per call: this path is rare, and 64 KB of TLS in every thread of every
    // wrapped program would not be.
    const size_t want = count < kMaxDatagram ? count : kMaxDatagram;
    char* buf = static_cast<char*>(std::malloc(want ? want : 1));
    if (!buf) return zti::fail_l(ENOMEM);
    ssize_t n;
    {
        zti::Guard guard;
        n = offset ? pread64(in_fd, buf, want, *offset) : zti::real::read(in_fd, buf, want);
    }
    if (n <= 0) {
        const int e = errno;
        std::free(buf);
        errno = e;
        return n;
    }
    iovec v{buf, size_t(n)};
    const ssize_t sent = zti::udp_send(out_fd, &v, 1, 0, nullptr, 0);
    const int e = errno;
    std::free(buf);
    errno = e;
    if (sent < 0) return sent;
    if (offset) *offset += sent;
    return sent;
}

}  // namespace

ZTI_HOOK(ssize_t, sendfile, int out_fd, int in_fd, off_t* offset, size_t count) {
    if (!virtual_udp(out_fd))
        return zti::real::next_symbol<ssize_t (*)(int, int, off_t*, size_t)>(p_sendfile, "sendfile")(out_fd, in_fd, offset, count);
    off64_t off = offset ? *offset : 0;
    const ssize_t r = copy_datagram(out_fd, in_fd, offset ? &off : nullptr, count);
    if (offset && r > 0) *offset = off_t(off);
    return r;
}

ZTI_HOOK(ssize_t, sendfile64, int out_fd, int in_fd, off64_t* offset, size_t count) {
    if (!virtual_udp(out_fd))
        return zti::real::next_symbol<ssize_t (*)(int, int, off64_t*, size_t)>(p_sendfile64, "sendfile64")(out_fd, in_fd, offset, count);
    return copy_datagram(out_fd, in_fd, offset, count);
}

ZTI_HOOK(ssize_t, splice, int fd_in, off64_t* off_in, int fd_out, off64_t* off_out, size_t len, unsigned flags) {
    if (!virtual_udp(fd_out) || off_out)
        return zti::real::next_symbol<ssize_t (*)(int, off64_t*, int, off64_t*, size_t, unsigned)>(p_splice, "splice")(
            fd_in, off_in, fd_out, off_out, len, flags);
    return copy_datagram(fd_out, fd_in, off_in, len);
}

// close()/close_range()/closefrom(): table bookkeeping, tcp_release for virtual listeners and
// bound sockets, SO_LINGER {1, 0} as an abort, and our own fds left alone.
#include <linux/close_range.h>
#include <sys/socket.h>

#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/own_fds.hpp"
#include "intercept/real.hpp"

namespace zti {
namespace {

bool linger_abort(const FdEntry& e) {
    const StoredOption* o = e.find_opt(SOL_SOCKET, SO_LINGER);
    if (!o || o->len < sizeof(linger)) return false;
    linger l;
    __builtin_memcpy(&l, o->value, sizeof l);
    return l.l_onoff && l.l_linger == 0;
}

}  // namespace

int on_close(int fd) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::none || foreign_process()) return real::close(fd);
    if (k == Kind::ours) return fail(EBADF);
    FdEntry e;
    const bool known = g_fds.get(fd, e);
    if (known && (e.kind == Kind::tcp_client || e.kind == Kind::tcp_accepted) && linger_abort(e))
        send_option(e.id, int(ztctl::OptionId::abort_on_close), 1);
    g_fds.clear(fd);
    const int r = real::close(fd);
    const int err = errno;
    if (known && (e.kind == Kind::tcp_listener || e.kind == Kind::tcp_bound)) release_sock(e.id);
    errno = err;
    return r;
}

int on_close_range(unsigned first, unsigned last, int flags) noexcept {
    if (first > last || (flags & CLOSE_RANGE_CLOEXEC) || foreign_process())
        return real::close_range(first, last, flags);
    // Forget the entries first (so a number reused meanwhile by another thread keeps its new one).
    uint64_t released[64];
    int nrel = 0;
    g_fds.take_range(first, last, [&](int, const FdEntry& e) {
        if ((e.kind == Kind::tcp_listener || e.kind == Kind::tcp_bound) && nrel < 64) released[nrel++] = e.id;
    });
    int own[2];
    const int n = own_fds_in_range(first, last, own);
    int result = 0, err = 0;
    auto close_part = [&](unsigned lo, unsigned hi) {
        if (real::close_range(lo, hi, flags) != 0 && result == 0) {
            result = -1;
            err = errno;
        }
    };
    unsigned lo = first;
    for (int i = 0; i < n; ++i) {  // own[] is ascending, inside [first, last], never ~0U
        if (unsigned(own[i]) > lo) close_part(lo, unsigned(own[i]) - 1);
        lo = unsigned(own[i]) + 1;
    }
    if (lo <= last) close_part(lo, last);
    for (int i = 0; i < nrel; ++i) release_sock(released[i]);
    if (result) errno = err;
    return result;
}

}  // namespace zti

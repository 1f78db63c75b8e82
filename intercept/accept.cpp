// accept()/accept4(): on a virtual listener the connection comes from the node, bound to an 'A'
// name carrying the virtual peer and local addresses; translate it, check the connector is the
// node (SO_PEERCRED), record the new fd. accept4 flags go to the kernel for the new fd as usual.
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/names.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"
#include "intercept/sockaddr.hpp"

namespace zti {
namespace {

// Checks and records a connection accepted on virtual listener `l`. Returns false (and closes
// nfd) for a connection that does not come from our node.
bool take_accepted(int nfd, const FdEntry& l, const sockaddr_storage& ss, socklen_t sl, sockaddr* sa,
                   socklen_t* len) {
    DecodedName dn;
    if (!decode_name(reinterpret_cast<const sockaddr*>(&ss), sl, dn) || dn.kind != ztctl::NameKind::accepted ||
        dn.home_hash != g_cfg.home_hash || !ctl::peer_is_us(nfd)) {
        ZTI_DEBUG("accept: dropped a connection that is not from our node");
        real::close(nfd);
        return false;
    }
    FdEntry e = make_entry(Kind::tcp_accepted, l.domain, SOCK_STREAM, IPPROTO_TCP);
    std::memcpy(e.opts, l.opts, sizeof e.opts);  // accepted sockets inherit the listener's options
    e.nopts = l.nopts;
    e.id = dn.id;
    e.peer = dn.addr1;
    e.local = dn.addr2;
    e.state = ConnState::connected;
    e.flags = kLocalKnown | kPeerKnown;
    g_fds.set(nfd, e);
    if (sa && len) {
        sockaddr_storage out;
        copy_out(out, to_sockaddr(e.peer, e.domain, out), sa, len);
    }
    return true;
}

int accept_virtual(int fd, sockaddr* sa, socklen_t* len, int flags) {
    FdEntry l;
    if (!g_fds.get(fd, l)) return fail(EBADF);
    for (;;) {
        sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        const int nfd = real::accept4(fd, reinterpret_cast<sockaddr*>(&ss), &sl, flags);
        if (nfd < 0) return -1;
        if (take_accepted(nfd, l, ss, sl, sa, len)) return nfd;
    }
}

}  // namespace

int on_accept4(int fd, sockaddr* sa, socklen_t* len, int flags, bool is_accept4) noexcept {
    const Kind k = g_fds.kind(fd);
    if (k == Kind::tcp_listener) return accept_virtual(fd, sa, len, flags);
    if (k == Kind::none) {
        // Untracked listener: maybe one of ours inherited across exec. Read the name ourselves.
        sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        const int nfd = is_accept4 ? real::accept4(fd, reinterpret_cast<sockaddr*>(&ss), &sl, flags)
                                   : real::accept(fd, reinterpret_cast<sockaddr*>(&ss), &sl);
        if (nfd < 0) return -1;
        DecodedName dn;
        FdEntry l;
        if (ss.ss_family == AF_UNIX && decode_name(reinterpret_cast<sockaddr*>(&ss), sl, dn) &&
            dn.kind == ztctl::NameKind::accepted && adopt_unix(fd) == Kind::tcp_listener && g_fds.get(fd, l)) {
            if (take_accepted(nfd, l, ss, sl, sa, len)) return nfd;
            return accept_virtual(fd, sa, len, flags);
        }
        if (g_fds.kind(nfd) != Kind::none) g_fds.clear(nfd);
        copy_out(ss, sl, sa, len);
        return nfd;
    }
    const int nfd = is_accept4 ? real::accept4(fd, sa, len, flags) : real::accept(fd, sa, len);
    if (nfd >= 0 && g_fds.kind(nfd) != Kind::none) g_fds.clear(nfd);
    if (nfd >= 0 && k == Kind::inet) {
        FdEntry l;
        if (g_fds.get(fd, l)) record_socket(nfd, l.domain, l.type, l.protocol);
    }
    return nfd;
}

}  // namespace zti

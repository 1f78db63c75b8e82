// unix_listeners.hpp: SOCK_DIAG_BY_FAMILY dumps of AF_UNIX sockets, names decoded with
// decode_name().
#include "stack/unix_listeners.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

namespace zt::stack {

namespace {

constexpr unsigned kTcpListen = 10;  // the state a listening unix socket reports (TCP_LISTEN)

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// One socket of a dump with the attributes asked for.
struct Entry {
    const unix_diag_msg* msg = nullptr;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> peer;
    const char* name = nullptr;  // sun_path bytes
    size_t name_len = 0;
};

// Dumps the unix sockets in `states` (a bit per state) with the `show` attributes, calling `each`.
bool dump(uint32_t states, uint32_t show, const std::function<void(const Entry&)>& each, std::string& error) {
    Fd s{::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)};
    if (s.fd < 0) {
        error = std::string("sock_diag socket: ") + std::strerror(errno);
        return false;
    }
    struct {
        nlmsghdr nlh;
        unix_diag_req req;
    } msg{};
    msg.nlh.nlmsg_len = sizeof msg;
    msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    msg.nlh.nlmsg_seq = 1;
    msg.req.sdiag_family = AF_UNIX;
    msg.req.udiag_states = states;
    msg.req.udiag_show = show;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(s.fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
        error = std::string("sock_diag request: ") + std::strerror(errno);
        return false;
    }

    alignas(nlmsghdr) static thread_local char buf[32768];
    for (;;) {
        ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::string("sock_diag reply: ") + (n < 0 ? std::strerror(errno) : "closed");
            return false;
        }
        int len = int(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) return true;
            if (h->nlmsg_type == NLMSG_ERROR) {
                auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
                error = std::string("sock_diag: ") + std::strerror(-e->error);
                return false;
            }
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
            Entry e;
            e.msg = static_cast<unix_diag_msg*>(NLMSG_DATA(h));
            int alen = int(h->nlmsg_len - NLMSG_LENGTH(sizeof *e.msg));
            for (auto* a = reinterpret_cast<const rtattr*>(e.msg + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                uint32_t v;
                if ((a->rta_type == UNIX_DIAG_UID || a->rta_type == UNIX_DIAG_PEER) && RTA_PAYLOAD(a) >= sizeof v) {
                    std::memcpy(&v, RTA_DATA(a), sizeof v);
                    (a->rta_type == UNIX_DIAG_UID ? e.uid : e.peer) = v;
                } else if (a->rta_type == UNIX_DIAG_NAME && RTA_PAYLOAD(a) <= sizeof(sockaddr_un::sun_path)) {
                    e.name = static_cast<const char*>(RTA_DATA(a));
                    e.name_len = RTA_PAYLOAD(a);
                }
            }
            each(e);
        }
    }
}

}  // namespace

std::optional<std::vector<DecodedName>> find_app_listeners(uint64_t home_hash, uid_t uid, std::string& error,
                                                           const std::vector<KeyedListener>& keyed) {
    std::vector<DecodedName> found;
    auto each = [&](const Entry& e) {
        if (e.msg->udiag_type != SOCK_STREAM || e.msg->udiag_state != kTcpListen || !e.name) return;
        if (!e.uid) return;  // a socket whose owner the kernel does not say is not ours
        sockaddr_un sa{};
        sa.sun_family = AF_UNIX;
        std::memcpy(sa.sun_path, e.name, e.name_len);
        auto name = decode_name(sa, socklen_t(offsetof(sockaddr_un, sun_path) + e.name_len));
        if (!name || name->kind != ztctl::NameKind::listener || name->home_hash != home_hash) return;
        if (*e.uid == uid || std::find(keyed.begin(), keyed.end(), KeyedListener{*e.uid, name->id}) != keyed.end())
            found.push_back(*name);
    };
    if (!dump(1u << kTcpListen, UDIAG_SHOW_NAME | UDIAG_SHOW_UID, each, error)) return std::nullopt;
    return found;
}

std::optional<UnixSocketTable> unix_socket_table(std::string& error) {
    UnixSocketTable t;
    auto each = [&](const Entry& e) {
        if (e.peer && *e.peer) t.peer[e.msg->udiag_ino] = *e.peer;
        // Accepted sockets carry their listener's name too: only listeners are looked up by name.
        if (e.name && e.name_len && e.msg->udiag_state == kTcpListen)
            t.by_name[std::string(e.name, e.name_len)] = e.msg->udiag_ino;
    };
    if (!dump(~0u, UDIAG_SHOW_NAME | UDIAG_SHOW_PEER, each, error)) return std::nullopt;
    return t;
}

uint64_t UnixSocketTable::peer_of(uint64_t inode) const {
    auto it = peer.find(inode);
    return it == peer.end() ? 0 : it->second;
}

uint64_t UnixSocketTable::inode_of(const UnixName& name) const {
    const size_t len = name.len > offsetof(sockaddr_un, sun_path) ? name.len - offsetof(sockaddr_un, sun_path) : 0;
    auto it = by_name.find(std::string(name.sa.sun_path, len));
    return it == by_name.end() ? 0 : it->second;
}

uint64_t socket_inode(int fd) {
    struct stat st {};
    return fd >= 0 && ::fstat(fd, &st) == 0 ? uint64_t(st.st_ino) : 0;
}

pid_t peer_pid(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    return fd >= 0 && ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.pid : 0;
}

}  // namespace zt::stack

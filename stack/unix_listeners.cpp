// find_app_listeners (unix_listeners.hpp): one SOCK_DIAG_BY_FAMILY dump of listening AF_UNIX
// sockets with UDIAG_SHOW_NAME, decoded with decode_name().
#include "stack/unix_listeners.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zt::stack {

namespace {

constexpr unsigned kTcpListen = 10;  // the state a listening unix socket reports (TCP_LISTEN)

struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::optional<std::vector<DecodedName>> find_app_listeners(uint64_t home_hash, uid_t uid, std::string& error) {
    Fd s{::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)};
    if (s.fd < 0) {
        error = std::string("sock_diag socket: ") + std::strerror(errno);
        return std::nullopt;
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
    msg.req.udiag_states = 1u << kTcpListen;
    msg.req.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_UID;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(s.fd, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
        error = std::string("sock_diag request: ") + std::strerror(errno);
        return std::nullopt;
    }

    std::vector<DecodedName> found;
    alignas(nlmsghdr) static thread_local char buf[32768];
    for (;;) {
        ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = std::string("sock_diag reply: ") + (n < 0 ? std::strerror(errno) : "closed");
            return std::nullopt;
        }
        int len = int(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) return found;
            if (h->nlmsg_type == NLMSG_ERROR) {
                auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(h));
                error = std::string("sock_diag: ") + std::strerror(-e->error);
                return std::nullopt;
            }
            if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
            auto* m = static_cast<unix_diag_msg*>(NLMSG_DATA(h));
            if (m->udiag_type != SOCK_STREAM || m->udiag_state != kTcpListen) continue;
            int alen = int(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
            std::optional<DecodedName> name;
            bool ours = false;  // a socket whose owner the kernel does not say is not ours
            for (auto* a = reinterpret_cast<rtattr*>(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == UNIX_DIAG_UID && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
                    uint32_t owner;
                    std::memcpy(&owner, RTA_DATA(a), sizeof owner);
                    ours = owner == uid;
                }
                if (a->rta_type != UNIX_DIAG_NAME) continue;
                size_t name_len = RTA_PAYLOAD(a);
                sockaddr_un sa{};
                if (name_len > sizeof sa.sun_path) continue;
                sa.sun_family = AF_UNIX;
                std::memcpy(sa.sun_path, RTA_DATA(a), name_len);
                name = decode_name(sa, socklen_t(offsetof(sockaddr_un, sun_path) + name_len));
            }
            if (ours && name && name->kind == ztctl::NameKind::listener && name->home_hash == home_hash)
                found.push_back(*name);
        }
    }
}

}  // namespace zt::stack

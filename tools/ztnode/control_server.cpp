// Control requests -> stack operations -> replies (control_server.hpp).
#include "tools/ztnode/control_server.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ipc/control_protocol.hpp"
#include "stack/names.hpp"

namespace zt::node {

namespace {
constexpr size_t kMaxConnections = 8192;
constexpr size_t kMaxRequest = 1024;  // every request is far smaller
constexpr int kBatch = 32;

ztctl::ReplyHeader reply_header(const ztctl::MsgHeader& req, int err) {
    ztctl::ReplyHeader r{};
    r.h.version = ztctl::kVersion;
    r.h.op = req.op;
    r.h.req_id = req.req_id;
    r.err = err;
    return r;
}

// Copies a request of type T out of `msg` if it is long enough.
template <class T>
bool take(const uint8_t* msg, size_t len, T& out) {
    static_assert(ztctl::kWireSafe<T>);
    if (len < sizeof(T)) return false;
    std::memcpy(&out, msg, sizeof(T));
    return true;
}

ztctl::AccessKey key_of(const uint8_t (&b)[ztctl::kAccessKeyLen]) {
    ztctl::AccessKey k;
    std::memcpy(k.b, b, sizeof k.b);
    return k;
}

ztctl::NetworkInfo network_info(const stack::NetworkSetup& n) {
    ztctl::NetworkInfo info{};
    info.nwid = n.nwid.value;
    info.mtu = n.mtu;
    for (const auto& a : n.addrs) {
        if (info.addr_count >= std::size(info.addrs)) break;
        auto& p = info.addrs[info.addr_count++];
        p.addr = a.addr.to_name();
        p.prefix_len = a.len;
    }
    for (const auto& r : n.routes) {
        if (info.route_count >= std::size(info.routes)) break;
        auto& p = info.routes[info.route_count++];
        p.addr = r.target.addr.to_name();
        p.prefix_len = r.target.len;
    }
    return info;
}
}  // namespace

ControlServer::ControlServer(EventLoop& loop, stack::Stack& stack, uint64_t home_hash, uid_t uid,
                             std::function<uint64_t()> node_address, JoinFn join, KeyedListenFn keyed_listen)
    : loop_(loop),
      stack_(stack),
      home_hash_(home_hash),
      uid_(uid),
      node_address_(std::move(node_address)),
      join_(std::move(join)),
      keyed_listen_(std::move(keyed_listen)) {}

ControlServer::~ControlServer() {
    close_listener();
    for (const auto& [fd, pid] : conns_) {
        loop_.remove_fd(fd);
        ::close(fd);
    }
}

bool ControlServer::start(std::string& error) {
    listen_fd_ = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) {
        error = std::string("control socket: ") + std::strerror(errno);
        return false;
    }
    stack::UnixName name = stack::node_name(ztctl::NameKind::control, home_hash_);
    if (::bind(listen_fd_, name.addr(), name.len) != 0 || ::listen(listen_fd_, 4096) != 0) {
        error = "control socket " + name.printable() + ": " + std::strerror(errno);
        ::close(listen_fd_);
        listen_fd_ = -1;
        return false;
    }
    loop_.add_fd(listen_fd_, EPOLLIN, [this](uint32_t) { accept_pending(); });
    return true;
}

void ControlServer::close_listener() {
    if (listen_fd_ < 0) return;
    loop_.remove_fd(listen_fd_);
    ::close(listen_fd_);
    listen_fd_ = -1;
}

int ControlServer::accept_pending() {
    int accepted = 0;
    while (listen_fd_ >= 0) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) spdlog::warn("control accept: {}", std::strerror(errno));
            break;
        }
        ucred cred{};
        socklen_t len = sizeof cred;
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
            ::close(fd);
            continue;
        }
        // Another uid (a server that dropped privileges, or anyone else on the machine) must
        // show the home's access key before anything else (Op::attach).
        const bool trusted = cred.uid == uid_;
        if (conns_.size() >= kMaxConnections) {
            spdlog::warn("control: too many connections, refusing pid {}", cred.pid);
            ::close(fd);
            continue;
        }
        if (!loop_.add_fd(fd, EPOLLIN, [this, fd](uint32_t ev) { on_readable(fd, ev); })) {
            ::close(fd);
            continue;
        }
        conns_.emplace(fd, cred.pid);
        if (!trusted) untrusted_.emplace(fd, cred.uid);
        ++accepted;
        spdlog::debug("control: connection fd {} from pid {} uid {}{}", fd, cred.pid, cred.uid,
                      trusted ? "" : " (must attach)");
    }
    return accepted;
}

std::optional<uid_t> ControlServer::fsuid_of(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%d/status", int(pid));
    FILE* f = std::fopen(path, "re");
    if (!f) return std::nullopt;
    std::optional<uid_t> out;
    char line[256];
    unsigned long real = 0, eff = 0, saved = 0, fs = 0;
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "Uid: %lu %lu %lu %lu", &real, &eff, &saved, &fs) == 4) {
            out = uid_t(fs);
            break;
        }
    std::fclose(f);
    return out;
}

void ControlServer::drop(int fd) {
    untrusted_.erase(fd);
    keyed_.erase(fd);
    if (!conns_.erase(fd)) return;
    loop_.remove_fd(fd);
    ::close(fd);
}

void ControlServer::on_readable(int fd, uint32_t) {
    uint8_t buf[kMaxRequest];
    for (int i = 0; i < kBatch && conns_.count(fd); ++i) {
        iovec iov{buf, sizeof buf};
        alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * 4)];
        msghdr m{};
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = cbuf;
        m.msg_controllen = sizeof cbuf;
        ssize_t n = ::recvmsg(fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) drop(fd);
            return;
        }
        // Nobody sends us fds; close any that came.
        for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t k = 0; k < count; ++k) {
                int passed;
                std::memcpy(&passed, CMSG_DATA(c) + k * sizeof(int), sizeof passed);
                ::close(passed);
            }
        }
        if (n == 0) {  // EOF (requests are never empty)
            drop(fd);
            return;
        }
        if (m.msg_flags & MSG_TRUNC) {  // oversize: answer with EINVAL if it has a header
            ztctl::MsgHeader h;
            if (take(buf, size_t(n), h)) {
                auto r = reply_header(h, EINVAL);
                send_reply(fd, &r, sizeof r);
            }
            continue;
        }
        handle_message(fd, buf, size_t(n));
    }
}

bool ControlServer::send_reply(int fd, const void* data, size_t len, int pass_fd) {
    iovec iov{const_cast<void*>(data), len};
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    if (pass_fd >= 0) {
        m.msg_control = cbuf;
        m.msg_controllen = sizeof cbuf;
        cmsghdr* c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    for (;;) {
        if (::sendmsg(fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) == ssize_t(len)) return true;
        if (errno == EINTR) continue;
        // A client that does not read its replies (or has gone) loses its connection.
        spdlog::debug("control fd {}: reply failed: {}", fd, std::strerror(errno));
        drop(fd);
        return false;
    }
}

void ControlServer::handle_message(int fd, const uint8_t* msg, size_t len) {
    ztctl::MsgHeader h;
    if (!take(msg, len, h)) return;  // no request id to answer
    auto fail = [&](auto reply, int err) {
        reply.r = reply_header(h, err);
        send_reply(fd, &reply, sizeof reply);
    };
    if (h.version != ztctl::kVersion) {
        auto r = reply_header(h, EINVAL);
        send_reply(fd, &r, sizeof r);
        return;
    }
    if (auto u = untrusted_.find(fd); u != untrusted_.end()) {
        ztctl::Attach req;
        const auto& want = stack_.access_key();
        if (h.op != ztctl::Op::attach || !take(msg, len, req) || ztctl::key_is_zero(want) ||
            !ztctl::keys_equal(key_of(req.key), want)) {
            spdlog::warn("control fd {}: refused: another uid without the home's access key", fd);
            stack_.count_refused_uid();
            auto r = reply_header(h, EACCES);
            ::send(fd, &r, sizeof r, MSG_DONTWAIT | MSG_NOSIGNAL);
            drop(fd);
            return;
        }
        keyed_.emplace(fd, u->second);
        untrusted_.erase(u);
        ztctl::AttachReply rep{};
        rep.r = reply_header(h, 0);
        rep.node_uid = uint32_t(uid_);
        spdlog::debug("control fd {}: attached by key (pid {})", fd, int32_t(req.pid));
        send_reply(fd, &rep, sizeof rep);
        return;
    }
    switch (h.op) {
    case ztctl::Op::attach: {  // trusted by uid: the key is handed over
        ztctl::AttachReply rep{};
        rep.r = reply_header(h, 0);
        rep.node_uid = uint32_t(uid_);
        std::memcpy(rep.key, stack_.access_key().b, sizeof rep.key);
        send_reply(fd, &rep, sizeof rep);
        return;
    }
    case ztctl::Op::hello: {
        ztctl::Hello req;
        if (!take(msg, len, req)) return fail(ztctl::HelloReply{}, EINVAL);
        const auto& nets = stack_.networks();
        size_t count = std::min(nets.size(), ztctl::kMaxNetworks);
        std::vector<uint8_t> out(sizeof(ztctl::HelloReply) + count * sizeof(ztctl::NetworkInfo));
        ztctl::HelloReply rep{};
        rep.r = reply_header(h, 0);
        rep.node_address = node_address_();
        rep.network_count = uint32_t(count);
        std::memcpy(out.data(), &rep, sizeof rep);
        for (size_t i = 0; i < count; ++i) {
            ztctl::NetworkInfo info = network_info(nets[i]);
            std::memcpy(out.data() + sizeof rep + i * sizeof info, &info, sizeof info);
        }
        spdlog::debug("control fd {}: hello from pid {}", fd, int32_t(req.pid));
        send_reply(fd, out.data(), out.size());
        return;
    }
    case ztctl::Op::tcp_bind: {
        ztctl::TcpBind req;
        if (!take(msg, len, req)) return fail(ztctl::BindReply{}, EINVAL);
        auto res = stack_.op_tcp_bind(req, pid_of(fd));
        ztctl::BindReply rep{};
        rep.r = reply_header(h, res.err);
        rep.local = res.local;
        send_reply(fd, &rep, sizeof rep);
        return;
    }
    case ztctl::Op::tcp_listen: {
        ztctl::TcpListen req;
        auto r = reply_header(h, take(msg, len, req) ? stack_.op_tcp_listen(req) : EINVAL);
        // A listener of another uid is remembered, so that a node started after this one ends
        // can take it over (stack/unix_listeners.hpp): one of a process attached by key, or of
        // one that changed its identity after it connected (its fsuid owns what it creates).
        if (r.err == 0 && keyed_listen_) {
            auto k = keyed_.find(fd);
            const uid_t owner = k != keyed_.end() ? k->second : fsuid_of(pid_of(fd)).value_or(uid_);
            if (owner != uid_) keyed_listen_(owner, req.sock_id);
        }
        send_reply(fd, &r, sizeof r);
        return;
    }
    case ztctl::Op::tcp_release: {
        ztctl::SockRef req;
        auto r = reply_header(h, take(msg, len, req) ? stack_.op_tcp_release(req.sock_id) : EINVAL);
        send_reply(fd, &r, sizeof r);
        return;
    }
    case ztctl::Op::conn_status: {
        ztctl::ConnRef req;
        if (!take(msg, len, req)) return fail(ztctl::ConnStatusReply{}, EINVAL);
        auto st = stack_.op_conn_status(req.conn_id);
        ztctl::ConnStatusReply rep{};
        rep.r = reply_header(h, 0);
        rep.state = st.state;
        rep.conn_err = st.conn_err;
        rep.local = st.local;
        rep.peer = st.peer;
        send_reply(fd, &rep, sizeof rep);
        return;
    }
    case ztctl::Op::udp_open: {
        ztctl::UdpOpen req;
        if (!take(msg, len, req)) return fail(ztctl::BindReply{}, EINVAL);
        auto res = stack_.op_udp_open(req, pid_of(fd));
        ztctl::BindReply rep{};
        rep.r = reply_header(h, res.err);
        rep.local = res.local;
        send_reply(fd, &rep, sizeof rep, res.app_fd);
        if (res.app_fd >= 0) ::close(res.app_fd);
        return;
    }
    case ztctl::Op::udp_connect: {
        ztctl::UdpConnect req;
        if (!take(msg, len, req)) return fail(ztctl::BindReply{}, EINVAL);
        auto res = stack_.op_udp_connect(req);
        ztctl::BindReply rep{};
        rep.r = reply_header(h, res.err);
        rep.local = res.local;
        send_reply(fd, &rep, sizeof rep);
        return;
    }
    case ztctl::Op::join: {
        ztctl::Join req;
        if (!take(msg, len, req) || req.addr_count > std::size(req.addrs)) {
            auto r = reply_header(h, EINVAL);
            send_reply(fd, &r, sizeof r);
            return;
        }
        std::vector<stack::InetPrefix> addrs;
        for (uint8_t i = 0; i < req.addr_count; ++i)
            addrs.push_back(stack::InetPrefix{stack::InetAddr::from_name(req.addrs[i].addr), req.addrs[i].prefix_len});
        const std::string why = join_ ? join_(NetworkId{req.nwid}, addrs) : "not supported";
        auto r = reply_header(h, why.empty() ? 0 : EINVAL);
        send_reply(fd, &r, sizeof r);
        return;
    }
    case ztctl::Op::set_option: {
        ztctl::SetOption req;
        auto r = reply_header(h, take(msg, len, req) ? stack_.op_set_option(req) : EINVAL);
        send_reply(fd, &r, sizeof r);
        return;
    }
    }
    auto r = reply_header(h, EINVAL);  // unknown op
    send_reply(fd, &r, sizeof r);
}

}  // namespace zt::node

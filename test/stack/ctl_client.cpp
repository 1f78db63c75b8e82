// TEST ONLY: control protocol client (ctl_client.hpp).
#include "test/stack/ctl_client.hpp"

#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zt::test {

uint64_t random_id() {
    uint64_t v = 0;
    while (getrandom(&v, sizeof v, 0) != sizeof v) {
    }
    return v;
}

short wait_for(int fd, short events, int timeout_ms) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, timeout_ms);
    return n > 0 ? p.revents : 0;
}

int ctl_connect(uint64_t home_hash) {
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    auto name = stack::node_name(ztctl::NameKind::control, home_hash);
    if (::connect(fd, name.addr(), name.len) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

Ctl::Ctl(uint64_t home_hash) : fd_(ctl_connect(home_hash)), hash_(home_hash) {}

Ctl::~Ctl() {
    if (fd_ >= 0) ::close(fd_);
}

bool Ctl::call(void* req, size_t req_len, void* out, size_t out_cap, size_t* out_len, int* passed_fd,
               int timeout_ms) {
    if (fd_ < 0 || req_len < sizeof(ztctl::MsgHeader)) return false;
    ztctl::MsgHeader h;
    std::memcpy(&h, req, sizeof h);
    h.version = ztctl::kVersion;
    h.req_id = next_req_++;
    std::memcpy(req, &h, sizeof h);
    if (::send(fd_, req, req_len, MSG_NOSIGNAL) != ssize_t(req_len)) return false;
    if (!(wait_for(fd_, POLLIN, timeout_ms) & POLLIN)) return false;
    iovec iov{out, out_cap};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    ssize_t n = ::recvmsg(fd_, &m, MSG_CMSG_CLOEXEC);
    if (n < ssize_t(sizeof(ztctl::ReplyHeader))) return false;
    if (out_len) *out_len = size_t(n);
    if (passed_fd) *passed_fd = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int f;
            std::memcpy(&f, CMSG_DATA(c), sizeof f);
            if (passed_fd)
                *passed_fd = f;
            else
                ::close(f);
        }
    }
    ztctl::ReplyHeader r;
    std::memcpy(&r, out, sizeof r);
    return r.h.req_id == h.req_id && r.h.op == h.op;
}

Ctl::Hello Ctl::hello() {
    Hello res;
    ztctl::Hello req{};
    req.h.op = ztctl::Op::hello;
    req.pid = ::getpid();
    std::vector<uint8_t> buf(sizeof(ztctl::HelloReply) + ztctl::kMaxNetworks * sizeof(ztctl::NetworkInfo));
    size_t len = 0;
    if (!call(&req, sizeof req, buf.data(), buf.size(), &len) || len < sizeof(ztctl::HelloReply)) return res;
    ztctl::HelloReply rep;
    std::memcpy(&rep, buf.data(), sizeof rep);
    res.err = rep.r.err;
    res.node_address = rep.node_address;
    if (len != sizeof rep + rep.network_count * sizeof(ztctl::NetworkInfo)) {
        res.err = -2;  // length does not match the count
        return res;
    }
    for (uint32_t i = 0; i < rep.network_count; ++i) {
        ztctl::NetworkInfo info;
        std::memcpy(&info, buf.data() + sizeof rep + i * sizeof info, sizeof info);
        res.networks.push_back(info);
    }
    return res;
}

ztctl::BindReply Ctl::tcp_bind(uint64_t sock_id, const stack::InetAddr& local, bool reuse, bool v6only) {
    ztctl::TcpBind req{};
    req.h.op = ztctl::Op::tcp_bind;
    req.sock_id = sock_id;
    req.local = local.to_name();
    req.reuseaddr = reuse;
    req.v6only = v6only;
    ztctl::BindReply rep{};
    rep.r.err = -1;
    if (!call(&req, sizeof req, &rep, sizeof rep)) rep.r.err = -1;
    return rep;
}

int Ctl::tcp_listen(uint64_t sock_id, int backlog) {
    ztctl::TcpListen req{};
    req.h.op = ztctl::Op::tcp_listen;
    req.sock_id = sock_id;
    req.backlog = backlog;
    ztctl::ReplyHeader rep{};
    return call(&req, sizeof req, &rep, sizeof rep) ? rep.err : -1;
}

int Ctl::tcp_release(uint64_t sock_id) {
    ztctl::SockRef req{};
    req.h.op = ztctl::Op::tcp_release;
    req.sock_id = sock_id;
    ztctl::ReplyHeader rep{};
    return call(&req, sizeof req, &rep, sizeof rep) ? rep.err : -1;
}

ztctl::ConnStatusReply Ctl::conn_status(uint64_t conn_id) {
    ztctl::ConnRef req{};
    req.h.op = ztctl::Op::conn_status;
    req.conn_id = conn_id;
    ztctl::ConnStatusReply rep{};
    if (!call(&req, sizeof req, &rep, sizeof rep)) rep.r.err = -1;
    return rep;
}

int Ctl::set_option(uint64_t id, ztctl::OptionId opt, int32_t value) {
    ztctl::SetOption req{};
    req.h.op = ztctl::Op::set_option;
    req.id = id;
    req.option = opt;
    req.value = value;
    ztctl::ReplyHeader rep{};
    return call(&req, sizeof req, &rep, sizeof rep) ? rep.err : -1;
}

int Ctl::udp_open(uint64_t sock_id, const stack::InetAddr& local, ztctl::BindReply& rep) {
    ztctl::UdpOpen req{};
    req.h.op = ztctl::Op::udp_open;
    req.sock_id = sock_id;
    req.local = local.to_name();
    int fd = -1;
    rep = {};
    if (!call(&req, sizeof req, &rep, sizeof rep, nullptr, &fd)) return -1;
    return fd;
}

ztctl::BindReply Ctl::udp_connect(uint64_t sock_id, const stack::InetAddr& peer) {
    ztctl::UdpConnect req{};
    req.h.op = ztctl::Op::udp_connect;
    req.sock_id = sock_id;
    req.peer = peer.to_name();
    ztctl::BindReply rep{};
    if (!call(&req, sizeof req, &rep, sizeof rep)) rep.r.err = -1;
    return rep;
}

int tcp_connect(uint64_t home_hash, const stack::InetAddr& peer, uint64_t conn_id, bool* pollout_hidden,
                uint32_t flags, uint64_t sock_id) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    auto cname = stack::client_name(home_hash, peer.to_name(), conn_id);
    auto tname = stack::node_name(ztctl::NameKind::tcp_connect, home_hash);
    if (::bind(fd, cname.addr(), cname.len) != 0 || ::connect(fd, tname.addr(), tname.len) != 0) {
        ::close(fd);
        return -1;
    }
    int sndbuf = 0;
    socklen_t sl = sizeof sndbuf;
    ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl);
    std::vector<uint8_t> pre(size_t(sndbuf / 4 + 4096), 0);
    ztctl::PreambleHeader h{};
    h.magic = ztctl::kPreambleMagic;
    h.version = ztctl::kVersion;
    h.header_len = sizeof h;
    h.total_len = uint32_t(pre.size());
    h.flags = flags;
    h.conn_id = conn_id;
    h.sock_id = sock_id;
    h.peer = peer.to_name();
    std::memcpy(pre.data(), &h, sizeof h);
    // A connection that fails at once (no route, our own closed port) is closed by the node as
    // soon as it has read the header, maybe before the rest of the preamble is in: the shim then
    // keeps the carrier, which shows the failure (intercept/connect.cpp), and so do we.
    const ssize_t sent = ::send(fd, pre.data(), pre.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno != EPIPE && errno != ECONNRESET) {
        ::close(fd);
        return -1;
    }
    if (pollout_hidden) {
        const short ev = wait_for(fd, POLLOUT, 0);
        *pollout_hidden = !(ev & POLLOUT) || (ev & (POLLERR | POLLHUP));
    }
    return fd;
}

int tcp_listener(Ctl& ctl, uint64_t sock_id, const stack::InetAddr& local, stack::InetAddr* bound, bool reuseaddr) {
    ztctl::BindReply rep = ctl.tcp_bind(sock_id, local, reuseaddr);
    if (rep.r.err != 0) return -1;
    if (bound) *bound = stack::InetAddr::from_name(rep.local);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto lname = stack::listener_name(ctl.home_hash(), rep.local, sock_id);
    if (fd < 0 || ::bind(fd, lname.addr(), lname.len) != 0 || ::listen(fd, 128) != 0) {
        if (fd >= 0) ::close(fd);
        return -1;
    }
    if (ctl.tcp_listen(sock_id) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

Accepted accept_virtual(int listen_fd, int timeout_ms) {
    Accepted a;
    if (!(wait_for(listen_fd, POLLIN, timeout_ms) & POLLIN)) return a;
    sockaddr_un sa{};
    socklen_t len = sizeof sa;
    a.fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_CLOEXEC);
    if (a.fd < 0) return a;
    if (auto d = stack::decode_name(sa, len); d && d->kind == ztctl::NameKind::accepted) {
        a.peer = stack::InetAddr::from_name(d->first);
        a.local = stack::InetAddr::from_name(d->second);
        a.uniq = d->id;
    }
    return a;
}

bool udp_send(int fd, const stack::InetAddr& to, const void* data, size_t len) {
    ztctl::UdpHeader h{};
    h.addr = to.to_name();
    iovec iov[2] = {{&h, sizeof h}, {const_cast<void*>(data), len}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    return ::sendmsg(fd, &m, MSG_NOSIGNAL) == ssize_t(sizeof h + len);
}

long udp_recv(int fd, stack::InetAddr& from, void* data, size_t cap, int timeout_ms) {
    if (!(wait_for(fd, POLLIN, timeout_ms) & POLLIN)) return -1;
    ztctl::UdpHeader h{};
    iovec iov[2] = {{&h, sizeof h}, {data, cap}};
    msghdr m{};
    m.msg_iov = iov;
    m.msg_iovlen = 2;
    ssize_t n = ::recvmsg(fd, &m, MSG_DONTWAIT);
    if (n < ssize_t(sizeof h)) return -1;
    from = stack::InetAddr::from_name(h.addr);
    return long(n) - long(sizeof h);
}

}  // namespace zt::test

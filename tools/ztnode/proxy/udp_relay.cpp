// UDP forwards and exposes (udp_relay.hpp).
#include "tools/ztnode/proxy/udp_relay.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "ipc/control_protocol.hpp"
#include "stack/sockaddr.hpp"

namespace zt::node {

namespace {
constexpr size_t kMaxDatagram = 65535;
constexpr int kBatch = 64;
constexpr Ticks kSweepMs = 30000;
constexpr size_t kHeader = sizeof(ztctl::UdpHeader);

uint8_t* scratch() {
    static thread_local std::vector<uint8_t> buf(kHeader + kMaxDatagram);
    return buf.data();
}
}  // namespace

bool UdpRelay::Key::operator<(const Key& o) const {
    if (a.family != o.a.family) return a.family < o.a.family;
    if (a.port != o.a.port) return a.port < o.a.port;
    return a.ip < o.a.ip;
}

UdpRelay::UdpRelay(EventLoop& loop, stack::Stack& stack, bool expose, const stack::InetAddr& from,
                   const stack::InetAddr& to)
    : loop_(loop), stack_(stack), expose_(expose), from_(from), to_(to) {}

UdpRelay::~UdpRelay() {
    if (sweep_timer_) loop_.cancel_timer(sweep_timer_);
    while (!flows_.empty()) close_flow(flows_.begin());
    if (outer_fd_ >= 0) {
        loop_.remove_fd(outer_fd_);
        ::close(outer_fd_);
    }
}

int open_virtual_udp(stack::Stack& stack, const stack::InetAddr& local) {
    static std::mt19937_64 ids{std::random_device{}()};
    ztctl::UdpOpen req{};
    req.sock_id = ids();
    req.local = local.to_name();
    auto res = stack.op_udp_open(req, ::getpid());
    if (res.err) {
        errno = res.err;
        return -1;
    }
    ::fcntl(res.app_fd, F_SETFL, ::fcntl(res.app_fd, F_GETFL) | O_NONBLOCK);
    return res.app_fd;
}

int UdpRelay::start() {
    if (outer_fd_ >= 0) return 0;
    if (expose_) {
        outer_fd_ = open_virtual_udp(stack_, from_);
        if (outer_fd_ < 0) return errno;
    } else {
        outer_fd_ = ::socket(from_.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (outer_fd_ < 0) return errno;
        sockaddr_storage ss;
        socklen_t len = stack::to_sockaddr(from_, ss);
        if (::bind(outer_fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            const int e = errno;
            ::close(outer_fd_);
            outer_fd_ = -1;
            return e;
        }
    }
    loop_.add_fd(outer_fd_, EPOLLIN, [this](uint32_t) { on_outer(); });
    sweep_timer_ = loop_.add_timer(kSweepMs, [this] { sweep(); });
    spdlog::info("{} udp {} -> {}", expose_ ? "expose" : "forward", from_.to_string(), to_.to_string());
    return 0;
}

UdpRelay::Flow* UdpRelay::flow_for(const stack::InetAddr& client) {
    auto it = flows_.find(Key{client});
    if (it != flows_.end()) {
        it->second.last = loop_.now();
        return &it->second;
    }
    if (flows_.size() >= kMaxFlows) {  // the least recently used goes
        auto oldest = flows_.begin();
        for (auto i = flows_.begin(); i != flows_.end(); ++i)
            if (i->second.last < oldest->second.last) oldest = i;
        close_flow(oldest);
    }
    int fd = -1;
    if (expose_) {
        fd = ::socket(to_.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_storage ss;
        socklen_t len = stack::to_sockaddr(to_, ss);
        if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            ::close(fd);
            fd = -1;
        }
    } else {
        stack::InetAddr any;
        any.family = to_.family;
        fd = open_virtual_udp(stack_, any);
    }
    if (fd < 0) {
        spdlog::warn("{} udp {}: no socket for {}: {}", expose_ ? "expose" : "forward", from_.to_string(),
                     client.to_string(), std::strerror(errno));
        return nullptr;
    }
    Flow& f = flows_[Key{client}];
    f.fd = fd;
    f.last = loop_.now();
    ++counters_.flows;
    loop_.add_fd(fd, EPOLLIN, [this, client, fd](uint32_t) { on_inner(client, fd); });
    return &f;
}

void UdpRelay::close_flow(std::map<Key, Flow>::iterator it) {
    loop_.remove_fd(it->second.fd);
    ::close(it->second.fd);
    flows_.erase(it);
}

void UdpRelay::on_outer() {
    uint8_t* buf = scratch();
    for (int i = 0; i < kBatch; ++i) {
        stack::InetAddr client;
        size_t len = 0;
        if (expose_) {
            ssize_t n = ::recv(outer_fd_, buf, kHeader + kMaxDatagram, MSG_DONTWAIT);
            if (n < 0) return;
            if (size_t(n) < kHeader) {
                ++counters_.dropped;
                continue;
            }
            ztctl::UdpHeader h;
            std::memcpy(&h, buf, kHeader);
            client = stack::InetAddr::from_name(h.addr);
            len = size_t(n) - kHeader;
        } else {
            sockaddr_storage ss{};
            socklen_t sl = sizeof ss;
            ssize_t n = ::recvfrom(outer_fd_, buf + kHeader, kMaxDatagram, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), &sl);
            if (n < 0) return;
            client = stack::from_sockaddr(ss);
            len = size_t(n);
        }
        Flow* f = flow_for(client);
        if (!f) {
            ++counters_.dropped;
            continue;
        }
        ssize_t sent;
        if (expose_) {
            sent = ::send(f->fd, buf + kHeader, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            ztctl::UdpHeader h{};
            h.addr = to_.to_name();
            std::memcpy(buf, &h, kHeader);
            sent = ::send(f->fd, buf, kHeader + len, MSG_DONTWAIT | MSG_NOSIGNAL);
        }
        ++(sent < 0 ? counters_.dropped : counters_.datagrams);
    }
}

void UdpRelay::on_inner(const stack::InetAddr& client, int fd) {
    auto it = flows_.find(Key{client});
    if (it == flows_.end() || it->second.fd != fd) return;
    it->second.last = loop_.now();
    uint8_t* buf = scratch();
    for (int i = 0; i < kBatch; ++i) {
        ssize_t sent;
        if (expose_) {
            ssize_t n = ::recv(fd, buf + kHeader, kMaxDatagram, MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
                ++counters_.dropped;  // ECONNREFUSED: nothing listens at the target (ICMP)
                return;
            }
            ztctl::UdpHeader h{};
            h.addr = client.to_name();
            std::memcpy(buf, &h, kHeader);
            sent = ::send(outer_fd_, buf, kHeader + size_t(n), MSG_DONTWAIT | MSG_NOSIGNAL);
        } else {
            ssize_t n = ::recv(fd, buf, kHeader + kMaxDatagram, MSG_DONTWAIT);
            if (n < 0) return;
            if (size_t(n) < kHeader) {
                ++counters_.dropped;
                continue;
            }
            sockaddr_storage ss;
            socklen_t sl = stack::to_sockaddr(client, ss);
            sent = ::sendto(outer_fd_, buf + kHeader, size_t(n) - kHeader, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&ss), sl);
        }
        ++(sent < 0 ? counters_.dropped : counters_.datagrams);
    }
}

void UdpRelay::sweep() {
    sweep_timer_ = loop_.add_timer(kSweepMs, [this] { sweep(); });
    const Ticks now = loop_.now();
    for (auto it = flows_.begin(); it != flows_.end();) {
        auto next = std::next(it);
        if (now - it->second.last >= kIdleMs) close_flow(it);
        it = next;
    }
}

}  // namespace zt::node

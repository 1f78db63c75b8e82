// Underlay UDP sockets with batched I/O (udp_transport.hpp).
#include "tools/ztnode/link/udp_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zt::link {

namespace {

constexpr size_t kBatch = 64;
constexpr size_t kMaxDatagram = 10324 + 64;  // ZT_MAX_PHYSMTU and change
constexpr int kSocketBuffer = 8 << 20;
constexpr size_t kReadsPerWakeup = 8;        // batches; then let other fds run

void set_buffers(int fd) {
    for (int opt : {SO_RCVBUF, SO_SNDBUF}) {
        int v = kSocketBuffer;
        int force = opt == SO_RCVBUF ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
        if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof v) != 0) setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v);
    }
}

}  // namespace

bool endpoint_from_sockaddr(const sockaddr* sa, socklen_t len, Endpoint& out) {
    if (sa->sa_family == AF_INET && len >= socklen_t(sizeof(sockaddr_in))) {
        auto* in = reinterpret_cast<const sockaddr_in*>(sa);
        std::array<uint8_t, 4> ip;
        std::memcpy(ip.data(), &in->sin_addr, 4);
        out = Endpoint::v4(ip, ntohs(in->sin_port));
        return true;
    }
    if (sa->sa_family == AF_INET6 && len >= socklen_t(sizeof(sockaddr_in6))) {
        auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
        std::array<uint8_t, 16> ip;
        std::memcpy(ip.data(), &in6->sin6_addr, 16);
        out = Endpoint::v6(ip, ntohs(in6->sin6_port));
        return true;
    }
    return false;
}

socklen_t sockaddr_from_endpoint(const Endpoint& e, sockaddr_storage& out) {
    std::memset(&out, 0, sizeof out);
    if (e.family == Endpoint::Family::v4) {
        auto* in = reinterpret_cast<sockaddr_in*>(&out);
        in->sin_family = AF_INET;
        in->sin_port = htons(e.port);
        std::memcpy(&in->sin_addr, e.ip.data(), 4);
        return sizeof(sockaddr_in);
    }
    if (e.family == Endpoint::Family::v6) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(e.port);
        std::memcpy(&in6->sin6_addr, e.ip.data(), 16);
        return sizeof(sockaddr_in6);
    }
    return 0;
}

struct UdpTransport::Socket {
    int fd = -1;
    LocalSocket id = 0;
    int family = AF_INET;
    // Receive batch.
    std::array<mmsghdr, kBatch> rx_msgs{};
    std::array<iovec, kBatch> rx_iov{};
    std::array<sockaddr_storage, kBatch> rx_addr{};
    std::unique_ptr<uint8_t[]> rx_buf = std::make_unique<uint8_t[]>(kBatch * kMaxDatagram);
    // Send queue.
    std::array<mmsghdr, kBatch> tx_msgs{};
    std::array<iovec, kBatch> tx_iov{};
    std::array<sockaddr_storage, kBatch> tx_addr{};
    std::unique_ptr<uint8_t[]> tx_buf = std::make_unique<uint8_t[]>(kBatch * kMaxDatagram);
    size_t tx_count = 0;
};

UdpTransport::UdpTransport(stack::Reactor& loop, Receive on_receive) : loop_(loop), on_receive_(std::move(on_receive)) {}

UdpTransport::~UdpTransport() { close(); }

bool UdpTransport::open(uint16_t port, std::string& error) {
    auto make = [&](int family, uint16_t p, std::unique_ptr<Socket>& out) -> int {
        int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) return errno;
        int one = 1;
        if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
        set_buffers(fd);
        sockaddr_storage ss{};
        socklen_t len;
        if (family == AF_INET) {
            auto* in = reinterpret_cast<sockaddr_in*>(&ss);
            in->sin_family = AF_INET;
            in->sin_port = htons(p);
            len = sizeof(sockaddr_in);
        } else {
            auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons(p);
            len = sizeof(sockaddr_in6);
        }
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
            int e = errno;
            ::close(fd);
            return e;
        }
        auto s = std::make_unique<Socket>();
        s->fd = fd;
        s->family = family;
        s->id = family == AF_INET ? kV4 : kV6;
        for (size_t i = 0; i < kBatch; ++i) {
            s->rx_iov[i] = iovec{s->rx_buf.get() + i * kMaxDatagram, kMaxDatagram};
            s->rx_msgs[i].msg_hdr.msg_iov = &s->rx_iov[i];
            s->rx_msgs[i].msg_hdr.msg_iovlen = 1;
            s->rx_msgs[i].msg_hdr.msg_name = &s->rx_addr[i];
        }
        Socket* raw = s.get();
        if (!loop_.add_fd(fd, EPOLLIN, [this, raw](uint32_t) { on_readable(*raw); })) {
            int e = errno;
            ::close(fd);
            return e;
        }
        out = std::move(s);
        return 0;
    };
    if (int e = make(AF_INET, port, v4_)) {
        if (e == EADDRINUSE)
            error = "UDP port " + std::to_string(port) + " is in use by another program: choose another port (0: any)";
        else
            error = "UDP port " + std::to_string(port) + " (IPv4): " + std::strerror(e);
        return false;
    }
    sockaddr_in bound{};
    socklen_t blen = sizeof bound;
    getsockname(v4_->fd, reinterpret_cast<sockaddr*>(&bound), &blen);
    port_ = ntohs(bound.sin_port);
    make(AF_INET6, port_, v6_);  // best effort
    return true;
}

void UdpTransport::close() {
    for (auto* s : {&v4_, &v6_}) {
        if (!*s) continue;
        flush(**s);
        loop_.remove_fd((*s)->fd);
        ::close((*s)->fd);
        s->reset();
    }
}

void UdpTransport::on_readable(Socket& s) {
    for (size_t round = 0; round < kReadsPerWakeup; ++round) {
        for (size_t i = 0; i < kBatch; ++i) s.rx_msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
        int n = ::recvmmsg(s.fd, s.rx_msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;
        ++stats_.rx_batches;
        for (int i = 0; i < n; ++i) {
            Endpoint from;
            const auto& h = s.rx_msgs[i].msg_hdr;
            if (!endpoint_from_sockaddr(static_cast<const sockaddr*>(h.msg_name), h.msg_namelen, from)) continue;
            ++stats_.rx_datagrams;
            on_receive_(s.id, from, std::span<const uint8_t>(s.rx_buf.get() + size_t(i) * kMaxDatagram, s.rx_msgs[i].msg_len));
        }
        if (size_t(n) < kBatch) return;
    }
}

UdpTransport::Socket* UdpTransport::pick(LocalSocket local, const Endpoint& to) {
    if (local == kV4 && v4_ && to.family == Endpoint::Family::v4) return v4_.get();
    if (local == kV6 && v6_ && to.family == Endpoint::Family::v6) return v6_.get();
    return to.family == Endpoint::Family::v6 ? v6_.get() : v4_.get();
}

void UdpTransport::send(LocalSocket local, const Endpoint& to, std::span<const uint8_t> d, int ttl) {
    Socket* s = pick(local, to);
    if (!s || d.size() > kMaxDatagram) {
        ++stats_.tx_dropped;
        return;
    }
    if (ttl > 0) {
        // Rare (NAT punching): send now with the TTL, then restore the default.
        flush(*s);
        sockaddr_storage ss;
        socklen_t len = sockaddr_from_endpoint(to, ss);
        int level = s->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
        int opt = s->family == AF_INET ? IP_TTL : IPV6_UNICAST_HOPS;
        int old = 64;
        socklen_t olen = sizeof old;
        getsockopt(s->fd, level, opt, &old, &olen);
        setsockopt(s->fd, level, opt, &ttl, sizeof ttl);
        if (::sendto(s->fd, d.data(), d.size(), 0, reinterpret_cast<sockaddr*>(&ss), len) < 0) ++stats_.tx_dropped;
        else ++stats_.tx_datagrams;
        setsockopt(s->fd, level, opt, &old, sizeof old);
        return;
    }
    if (s->tx_count == kBatch) flush(*s);
    size_t i = s->tx_count++;
    uint8_t* slot = s->tx_buf.get() + i * kMaxDatagram;
    std::memcpy(slot, d.data(), d.size());
    s->tx_iov[i] = iovec{slot, d.size()};
    auto& h = s->tx_msgs[i].msg_hdr;
    h = msghdr{};
    h.msg_name = &s->tx_addr[i];
    h.msg_namelen = sockaddr_from_endpoint(to, s->tx_addr[i]);
    h.msg_iov = &s->tx_iov[i];
    h.msg_iovlen = 1;
    if (!flush_scheduled_) {
        flush_scheduled_ = true;
        loop_.defer([this] { flush(); });
    }
}

void UdpTransport::flush() {
    flush_scheduled_ = false;
    if (v4_) flush(*v4_);
    if (v6_) flush(*v6_);
}

void UdpTransport::flush(Socket& s) {
    size_t done = 0;
    while (done < s.tx_count) {
        int n = ::sendmmsg(s.fd, s.tx_msgs.data() + done, unsigned(s.tx_count - done), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            // EAGAIN (buffer full) or a per-destination error: drop this one, go on.
            ++stats_.tx_dropped;
            ++done;
            continue;
        }
        ++stats_.tx_batches;
        stats_.tx_datagrams += size_t(n);
        done += size_t(n);
    }
    s.tx_count = 0;
}

}  // namespace zt::link

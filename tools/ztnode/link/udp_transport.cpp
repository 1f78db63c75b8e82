// Underlay UDP sockets with batched I/O (udp_transport.hpp).
#include "tools/ztnode/link/udp_transport.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
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
// UDP GSO/GRO (Linux 4.18/5.0): equal-sized datagrams to one destination leave in one send
// and one skb, cut at the edge (by the NIC, or by the kernel just before a device that cannot);
// the receiver takes a run of them from one skb in one read. Bulk TCP is runs of full frames.
constexpr size_t kGsoMaxSegments = 64;       // UDP_MAX_SEGMENTS of older kernels
constexpr size_t kGsoMaxBytes = 65000;       // under 65535 - IP and UDP headers
constexpr size_t kRxSlot = 65536;            // a GRO read holds up to 64 KiB

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

// Room for one int-sized control message (UDP_GRO in, UDP_SEGMENT out), aligned as the
// kernel's cmsghdr walk needs.
struct alignas(cmsghdr) CmsgBuf {
    uint8_t bytes[CMSG_SPACE(sizeof(int))];
    uint8_t* data() { return bytes; }
    static constexpr size_t size() { return sizeof bytes; }
};

struct UdpTransport::Socket {
    int fd = -1;
    LocalSocket id = 0;
    int family = AF_INET;
    // Receive batch.
    std::array<mmsghdr, kBatch> rx_msgs{};
    std::array<iovec, kBatch> rx_iov{};
    std::array<sockaddr_storage, kBatch> rx_addr{};
    std::unique_ptr<uint8_t[]> rx_buf;  // kBatch slots of rx_slot bytes
    size_t rx_slot = kMaxDatagram;
    bool gro = false;  // UDP_GRO is on: a read may hold a run of datagrams
    std::array<CmsgBuf, kBatch> rx_cmsg{};
    // Send queue.
    std::array<mmsghdr, kBatch> tx_msgs{};
    std::array<iovec, kBatch> tx_iov{};
    std::array<sockaddr_storage, kBatch> tx_addr{};
    // Not zeroed: pages are touched only as datagrams land (RSS and start-up time).
    std::unique_ptr<uint8_t[]> tx_buf = std::make_unique_for_overwrite<uint8_t[]>(kBatch * kMaxDatagram);
    size_t tx_count = 0;
    // The queue as it leaves: runs of datagrams (GSO) or single ones.
    bool gso = false;
    std::array<mmsghdr, kBatch> out_msgs{};
    std::array<size_t, kBatch> out_first{};  // index of the run's first datagram in the queue
    std::array<CmsgBuf, kBatch> out_cmsg{};
};

UdpTransport::UdpTransport(stack::Reactor& loop, Receive on_receive, bool offload)
    : loop_(loop), offload_(offload), on_receive_(std::move(on_receive)) {}

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
        if (offload_) {
            int v = 0;
            socklen_t vlen = sizeof v;
            s->gso = getsockopt(fd, SOL_UDP, UDP_SEGMENT, &v, &vlen) == 0;
            s->gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0;
        }
        s->rx_slot = s->gro ? kRxSlot : kMaxDatagram;
        s->rx_buf = std::make_unique_for_overwrite<uint8_t[]>(kBatch * s->rx_slot);
        for (size_t i = 0; i < kBatch; ++i) {
            s->rx_iov[i] = iovec{s->rx_buf.get() + i * s->rx_slot, s->rx_slot};
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
        for (size_t i = 0; i < kBatch; ++i) {
            auto& h = s.rx_msgs[i].msg_hdr;
            h.msg_namelen = sizeof(sockaddr_storage);
            if (s.gro) {
                h.msg_control = s.rx_cmsg[i].data();
                h.msg_controllen = s.rx_cmsg[i].size();
            }
        }
        int n = ::recvmmsg(s.fd, s.rx_msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (n <= 0) return;
        ++stats_.rx_batches;
        for (int i = 0; i < n; ++i) {
            Endpoint from;
            const auto& h = s.rx_msgs[i].msg_hdr;
            if (!endpoint_from_sockaddr(static_cast<const sockaddr*>(h.msg_name), h.msg_namelen, from)) continue;
            const uint8_t* data = s.rx_buf.get() + size_t(i) * s.rx_slot;
            size_t len = s.rx_msgs[i].msg_len;
            size_t seg = len;  // a run of GRO-coalesced datagrams: all `seg` long but the last
            if (s.gro) {
                for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
                    if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
                        int v;
                        std::memcpy(&v, CMSG_DATA(c), sizeof v);
                        if (v > 0) seg = size_t(v);
                    }
                }
                if (seg < len) ++stats_.rx_gro_runs;
            }
            for (size_t off = 0; off < len; off += seg) {
                ++stats_.rx_datagrams;
                on_receive_(s.id, from, std::span<const uint8_t>(data + off, std::min(seg, len - off)));
            }
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

// Groups the queue into what leaves in one sendmmsg: a run of datagrams to one destination,
// all of one size but the last (which may be shorter), becomes one message with UDP_SEGMENT.
size_t UdpTransport::plan(Socket& s) {
    size_t out = 0;
    for (size_t i = 0; i < s.tx_count;) {
        const msghdr& first = s.tx_msgs[i].msg_hdr;
        const size_t seg = s.tx_iov[i].iov_len;
        size_t j = i + 1;
        size_t bytes = seg;
        if (s.gso) {
            while (j < s.tx_count && j - i < kGsoMaxSegments) {
                const msghdr& h = s.tx_msgs[j].msg_hdr;
                size_t len = s.tx_iov[j].iov_len;
                if (len > seg || bytes + len > kGsoMaxBytes || h.msg_namelen != first.msg_namelen ||
                    std::memcmp(h.msg_name, first.msg_name, h.msg_namelen) != 0)
                    break;
                bytes += len;
                ++j;
                if (len < seg) break;  // a shorter one ends the run
            }
        }
        mmsghdr& m = s.out_msgs[out];
        m = mmsghdr{};
        m.msg_hdr.msg_name = first.msg_name;
        m.msg_hdr.msg_namelen = first.msg_namelen;
        m.msg_hdr.msg_iov = &s.tx_iov[i];
        m.msg_hdr.msg_iovlen = j - i;
        if (j - i > 1) {
            auto& buf = s.out_cmsg[out];
            std::memset(buf.data(), 0, buf.size());
            m.msg_hdr.msg_control = buf.data();
            m.msg_hdr.msg_controllen = buf.size();
            cmsghdr* c = CMSG_FIRSTHDR(&m.msg_hdr);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t gso_size = uint16_t(seg);
            std::memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
        }
        s.out_first[out] = i;
        ++out;
        i = j;
    }
    return out;
}

void UdpTransport::flush(Socket& s) {
    size_t out = plan(s);
    size_t done = 0;
    while (done < out) {
        int n = ::sendmmsg(s.fd, s.out_msgs.data() + done, unsigned(out - done), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            size_t first = s.out_first[done];
            size_t count = s.out_msgs[done].msg_hdr.msg_iovlen;
            if (count > 1 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
                // The route's device cannot take GSO (no checksum offload: EIO): send the rest
                // of the queue one datagram at a time, from now on.
                s.gso = false;
                ++stats_.gso_refused;
                std::copy(s.tx_msgs.begin() + ptrdiff_t(first), s.tx_msgs.begin() + ptrdiff_t(s.tx_count),
                          s.tx_msgs.begin());
                std::copy(s.tx_iov.begin() + ptrdiff_t(first), s.tx_iov.begin() + ptrdiff_t(s.tx_count),
                          s.tx_iov.begin());
                // msg_iov of the moved headers still points at their old iovecs: re-point.
                s.tx_count -= first;
                for (size_t k = 0; k < s.tx_count; ++k) s.tx_msgs[k].msg_hdr.msg_iov = &s.tx_iov[k];
                out = plan(s);
                done = 0;
                continue;
            }
            // EAGAIN (buffer full) or a per-destination error: drop this run, go on.
            stats_.tx_dropped += count;
            ++done;
            continue;
        }
        ++stats_.tx_batches;
        for (int k = 0; k < n; ++k) {
            size_t count = s.out_msgs[done + size_t(k)].msg_hdr.msg_iovlen;
            stats_.tx_datagrams += count;
            if (count > 1) ++stats_.tx_gso_runs;
        }
        done += size_t(n);
    }
    s.tx_count = 0;
}

}  // namespace zt::link

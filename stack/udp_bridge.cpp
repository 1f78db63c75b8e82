// Virtual UDP sockets: lwIP udp pcbs bridged to SOCK_SEQPACKET pairs.
#include "stack/udp_bridge.hpp"

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "stack/context.hpp"
#include "stack/lwip_errno.hpp"
#include "stack/lwip_glue.hpp"
#include "stack/unix_listeners.hpp"

namespace zt::stack {

namespace {
constexpr size_t kMaxPayload = 65535 - 8;  // UDP length field; IPv4 further limits to 65507
constexpr int kNodeSndBuf = 1 << 20;       // room for bursts towards the app
constexpr int kBatch = 64;
}  // namespace

class UdpSocket {
public:
    UdpSocket(UdpBridge& bridge, StackContext& ctx, uint64_t sock_id, struct udp_pcb* pcb, int fd, pid_t pid,
              bool reuseport)
        : bridge_(bridge), ctx_(ctx), sock_id_(sock_id), pcb_(pcb), fd_(fd), pid_(pid), reuseport_(reuseport) {
        udp_recv(pcb_, &UdpSocket::on_recv_cb, this);
        watched_ = ctx_.reactor().add_fd(fd_, EPOLLIN, [this](uint32_t ev) { handle_fd(ev); });
    }
    ~UdpSocket() { close(); }
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    bool done() const { return pcb_ == nullptr; }
    struct udp_pcb* pcb() const { return pcb_; }
    uint64_t sock_id() const { return sock_id_; }
    // An unconnected member of a SO_REUSEPORT group, which takes its share of the group's datagrams.
    bool dealt() const { return reuseport_ && pcb_ && !(pcb_->flags & UDP_FLAGS_CONNECTED); }

    InetAddr local() const {
        InetAddr a = from_ip_addr(pcb_->local_ip, pcb_->local_port);
        if (IP_IS_ANY_TYPE_VAL(pcb_->local_ip)) a.family = 6;
        return a;
    }

    // The local address as getsockname shows it once connected to `dst`: a wildcard pcb sends
    // from the address that reaches `dst`.
    InetAddr local_toward(const InetAddr& dst) const {
        InetAddr l = from_ip_addr(pcb_->local_ip, pcb_->local_port);
        if (l.unmapped().is_unspecified() || IP_IS_ANY_TYPE_VAL(pcb_->local_ip)) {
            if (ctx_.is_own_address(dst))
                l = dst;
            else if (auto src = ctx_.source_for(dst))
                l = *src;
            l.port = pcb_->local_port;
        }
        return l;
    }

    // Accepts datagrams from `src` (kernel UDP: a connected socket takes only its peer's).
    bool accepts_from(const InetAddr& src) const {
        if (!(pcb_->flags & UDP_FLAGS_CONNECTED)) return true;
        InetAddr peer = from_ip_addr(pcb_->remote_ip, pcb_->remote_port);
        return peer.same_ip(src) && peer.port == src.port;
    }

    // One datagram towards the app: header + payload segments in one message, or a drop.
    void deliver(const InetAddr& src, const iovec* payload, int count) {
        ztctl::UdpHeader h{};
        h.addr = src.to_name();
        iovec iov[1 + 16];
        iov[0] = {&h, sizeof h};
        int n = 1;
        for (int i = 0; i < count && n < 17; ++i) iov[n++] = payload[i];
        msghdr m{};
        m.msg_iov = iov;
        m.msg_iovlen = size_t(n);
        const ssize_t sent = ::sendmsg(fd_, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent < 0)
            ++ctx_.stats().udp_dropped_app_full;
        else
            bytes_in_ += uint64_t(sent) - sizeof h;
    }

    // For Stack::sockets.
    void describe(const UnixSocketTable& table, SocketInfo& out) const {
        out.tcp = false;
        const bool connected = pcb_->flags & UDP_FLAGS_CONNECTED;
        if (connected) out.remote = from_ip_addr(pcb_->remote_ip, pcb_->remote_port);
        out.local = connected ? local_toward(out.remote) : local();
        out.state = connected ? "CONNECTED" : "UNCONNECTED";
        out.pid = pid_;
        out.app_inode = table.peer_of(socket_inode(fd_));
        out.bytes_in = bytes_in_;
        out.bytes_out = bytes_out_;
    }

    void close() {
        if (!pcb_) return;
        udp_recv(pcb_, nullptr, nullptr);
        udp_remove(pcb_);
        pcb_ = nullptr;
        if (watched_) ctx_.reactor().remove_fd(fd_);
        watched_ = false;
        ::close(fd_);
        fd_ = -1;
    }

private:
    static void on_recv_cb(void* arg, struct udp_pcb*, struct pbuf* p, const ip_addr_t* addr, u16_t port) {
        PbufRef owned(p);  // the recv callback owns p
        auto* s = static_cast<UdpSocket*>(arg);
        if (!s || !p || !addr) return;
        iovec iov[16];
        int n = 0;
        int segs = 0;
        for (struct pbuf* q = p; q; q = q->next) ++segs;
        if (segs <= 16) {
            for (struct pbuf* q = p; q; q = q->next) iov[n++] = {q->payload, q->len};
        } else {  // a very fragmented chain: flatten it
            auto& buf = s->ctx_.scratch(p->tot_len);
            pbuf_copy_partial(p, buf.data(), p->tot_len, 0);
            iov[n++] = {buf.data(), p->tot_len};
        }
        const InetAddr src = from_ip_addr(*addr, port);
        s->bridge_.deal(s, src)->deliver(src, iov, n);
    }

    void handle_fd(uint32_t) {
        const size_t cap = sizeof(ztctl::UdpHeader) + kMaxPayload;
        for (int i = 0; i < kBatch && pcb_; ++i) {
            auto& buf = ctx_.scratch(cap);
            ssize_t n = ::recv(fd_, buf.data(), cap, MSG_DONTWAIT | MSG_TRUNC);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return;
                n = 0;
            }
            if (n == 0) {  // every message has a header, so 0 is EOF: the app closed its end
                close();
                bridge_.retire(this);
                return;
            }
            if (size_t(n) < sizeof(ztctl::UdpHeader) || size_t(n) > cap) {
                ++ctx_.stats().udp_dropped_bad;
                continue;
            }
            ztctl::UdpHeader h;
            std::memcpy(&h, buf.data(), sizeof h);
            send(h, buf.data() + sizeof h, size_t(n) - sizeof h);
        }
    }

    void send(const ztctl::UdpHeader& h, const uint8_t* data, size_t len) {
        InetAddr dst;
        if (h.addr.family == 0) {
            if (!(pcb_->flags & UDP_FLAGS_CONNECTED)) {
                ++ctx_.stats().udp_dropped_bad;  // kernel: EDESTADDRREQ
                return;
            }
            dst = from_ip_addr(pcb_->remote_ip, pcb_->remote_port);
        } else {
            dst = InetAddr::from_name(h.addr).unmapped();
        }
        if (dst.family == 0 || dst.port == 0 || (dst.is_v4() && len > 65507)) {
            ++ctx_.stats().udp_dropped_bad;
            return;
        }
        if (ctx_.is_own_address(dst)) {
            InetAddr src = local();
            if (src.unmapped().is_unspecified() || src.family != dst.family) {
                src = dst;
                src.port = pcb_->local_port;
            }
            if (UdpSocket* to = bridge_.find_local(dst, src)) {
                iovec iov{const_cast<uint8_t*>(data), len};
                to->deliver(src, &iov, 1);
            }
            bytes_out_ += len;  // sent, as a kernel's send to a port nobody holds is
            return;
        }
        if (ctx_.check_destination(dst, true) != 0) {
            ++ctx_.stats().udp_dropped_bad;
            return;
        }
        PbufRef p(pbuf_alloc(PBUF_TRANSPORT, u16_t(len), PBUF_RAM));
        if (!p) {
            ++ctx_.stats().udp_dropped_bad;
            return;
        }
        if (len) std::memcpy(p.get()->payload, data, len);
        ip_addr_t ip = to_ip_addr(dst);
        // udp_sendto_if does not take ownership of p.
        if (udp_sendto_if(pcb_, p.get(), &ip, dst.port, ctx_.netif_for(dst)) != ERR_OK)
            ++ctx_.stats().udp_dropped_bad;
        else
            bytes_out_ += len;
    }

    UdpBridge& bridge_;
    StackContext& ctx_;
    uint64_t sock_id_;
    struct udp_pcb* pcb_;
    int fd_;
    pid_t pid_;                // the process that opened it (its control connection)
    bool reuseport_;           // SO_REUSEPORT: in a group with the sockets bound to its address
    bool watched_ = false;
    uint64_t bytes_in_ = 0;    // payload bytes delivered to the app
    uint64_t bytes_out_ = 0;   // payload bytes the app sent that went out
};

UdpBridge::UdpBridge(StackContext& ctx) : ctx_(ctx) {}

UdpBridge::~UdpBridge() { sockets_.clear(); }

Stack::UdpOpenResult UdpBridge::open(const ztctl::UdpOpen& req, pid_t pid) {
    Stack::UdpOpenResult res;
    InetAddr want = InetAddr::from_name(req.local);
    if (want.family == 0) {
        res.err = EAFNOSUPPORT;
        return res;
    }
    if (sockets_.count(req.sock_id)) {
        res.err = EINVAL;
        return res;
    }
    InetAddr ip = want.unmapped();
    bool wildcard = ip.is_unspecified();
    if (!wildcard && !ctx_.is_own_address(ip) && !(req.freebind && ctx_.on_virtual_network(ip))) {
        res.err = EADDRNOTAVAIL;
        return res;
    }
    u8_t type = ip.is_v4() ? IPADDR_TYPE_V4 : (wildcard && !req.v6only ? IPADDR_TYPE_ANY : IPADDR_TYPE_V6);
    struct udp_pcb* pcb = udp_new_ip_type(type);
    if (!pcb) {
        res.err = ENOMEM;
        return res;
    }
    if (req.reuseaddr) ip_set_option(pcb, SOF_REUSEADDR);
    ip_addr_t addr = to_ip_addr(ip);
    const ip_addr_t* bind_to = &addr;
    if (wildcard) bind_to = type == IPADDR_TYPE_ANY ? IP_ANY_TYPE : (type == IPADDR_TYPE_V6 ? IP6_ADDR_ANY : IP4_ADDR_ANY);
    err_t err = udp_bind(pcb, bind_to, want.port);
    if (err != ERR_OK) {
        udp_remove(pcb);
        res.err = errno_from_err(err, ErrWhen::call);
        return res;
    }
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        res.err = errno;
        udp_remove(pcb);
        return res;
    }
    ::fcntl(sv[0], F_SETFL, ::fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    int sndbuf = kNodeSndBuf;
    ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    sockets_.emplace(req.sock_id, std::make_unique<UdpSocket>(*this, ctx_, req.sock_id, pcb, sv[0], pid,
                                                                req.reuseport != 0));
    res.local = req.local;
    res.local.port_be = htons(pcb->local_port);
    res.app_fd = sv[1];
    return res;
}

Stack::BindResult UdpBridge::connect(const ztctl::UdpConnect& req) {
    Stack::BindResult res;
    auto it = sockets_.find(req.sock_id);
    if (it == sockets_.end() || it->second->done()) {
        res.err = EBADF;
        return res;
    }
    struct udp_pcb* pcb = it->second->pcb();
    if (req.peer.family == 0) {
        udp_disconnect(pcb);
        res.local = it->second->local().to_name();
        return res;
    }
    InetAddr dst = InetAddr::from_name(req.peer).unmapped();
    if (!ctx_.is_own_address(dst)) {
        if (int e = ctx_.check_destination(dst, true)) {
            res.err = e;
            return res;
        }
    }
    ip_addr_t ip = to_ip_addr(dst);
    err_t err = udp_connect(pcb, &ip, dst.port);
    if (err != ERR_OK) {
        res.err = errno_from_err(err, ErrWhen::call);
        return res;
    }
    res.local = it->second->local_toward(dst).to_name();
    return res;
}

UdpSocket* UdpBridge::find_local(const InetAddr& dst, const InetAddr& src) {
    UdpSocket* wildcard = nullptr;
    for (auto& [id, s] : sockets_) {
        if (s->done() || s->pcb()->local_port != dst.port) continue;
        InetAddr l = from_ip_addr(s->pcb()->local_ip, s->pcb()->local_port);
        bool any_type = IP_IS_ANY_TYPE_VAL(s->pcb()->local_ip);
        if (!any_type && !l.is_unspecified()) {
            if (l.same_ip(dst) && s->accepts_from(src)) return deal(s.get(), src);
            continue;
        }
        bool family_ok = any_type || l.family == dst.family;
        if (family_ok && !wildcard && s->accepts_from(src)) wildcard = s.get();
    }
    return wildcard ? deal(wildcard, src) : nullptr;
}

UdpSocket* UdpBridge::deal(UdpSocket* s, const InetAddr& src) {
    if (!s->dealt()) return s;
    const struct udp_pcb* pcb = s->pcb();
    UdpSocket* group[64];
    size_t n = 0;
    for (auto& [id, m] : sockets_) {
        if (n == std::size(group) || !m->dealt()) continue;
        const struct udp_pcb* q = m->pcb();
        if (q->local_port == pcb->local_port && IP_GET_TYPE(&q->local_ip) == IP_GET_TYPE(&pcb->local_ip) &&
            ip_addr_cmp(&q->local_ip, &pcb->local_ip))
            group[n++] = m.get();
    }
    if (n < 2) return s;
    // In sock_id order, so that the choice does not depend on the map's iteration order.
    std::sort(group, group + n, [](const UdpSocket* a, const UdpSocket* b) { return a->sock_id() < b->sock_id(); });
    const ztctl::NameAddr name = src.to_name();
    uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the source's address and port
    for (size_t i = 0; i < sizeof name; ++i) h = (h ^ reinterpret_cast<const uint8_t*>(&name)[i]) * 0x100000001b3ull;
    return group[h % n];
}

void UdpBridge::retire(UdpSocket* s) {
    ctx_.reactor().defer([this, s] {
        std::erase_if(sockets_, [s](const auto& kv) { return kv.second.get() == s; });
    });
}

void UdpBridge::sockets(const UnixSocketTable& table, std::vector<SocketInfo>& out) const {
    for (const auto& [id, s] : sockets_) {
        if (s->done()) continue;
        SocketInfo info;
        s->describe(table, info);
        out.push_back(info);
    }
}

size_t UdpBridge::live_count() const {
    size_t n = 0;
    for (const auto& [id, s] : sockets_) n += !s->done();
    return n;
}

}  // namespace zt::stack

// The Stack facade: netifs per network, the frame filter in front of lwIP, the address
// policy shared by the bridges, and dispatch of control operations.
#include "stack/stack.hpp"

#include <lwip/netif.h>

#include <cstdio>
#include <map>

#include "stack/context.hpp"
#include "stack/lwip_glue.hpp"
#include "stack/netif.hpp"
#include "stack/tcp_bridge.hpp"
#include "stack/udp_bridge.hpp"
#include "stack/unix_listeners.hpp"

namespace zt::stack {

void StackContext::logf(LogLevel level, const char* fmt, ...) const {
    if (!options_.log) return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    options_.log(level, buf);
}

struct Stack::Impl final : StackContext {
    Impl(Reactor& r, const StackOptions& o, FrameOut f) : StackContext(r, o), out(std::move(f)) {}

    ~Impl() override {
        // Connections first (they hold pcbs bound to the netifs), then the netifs.
        tcp.reset();
        udp.reset();
        netifs.clear();
    }

    bool is_own_address(const InetAddr& a) const override {
        for (const auto& [id, n] : netifs)
            if (n->has_address(a)) return true;
        return false;
    }

    // The network whose most specific prefix (assigned subnet or managed route) covers `dst`:
    // networks may overlap, and the longest match keeps traffic on the right one.
    VirtualNetif* route(const InetAddr& dst) const {
        VirtualNetif* best = nullptr;
        int best_len = -1;
        for (const auto& [id, n] : netifs)
            if (int len = n->match_length(dst); len > best_len) {
                best = n.get();
                best_len = len;
            }
        return best;
    }

    int check_destination(const InetAddr& dst, bool allow_broadcast) const override {
        if (dst.family != 4 && dst.family != 6) return EAFNOSUPPORT;
        if (dst.is_unspecified() || dst.is_loopback() || dst.is_multicast()) return ENETUNREACH;
        if (is_own_address(dst)) return EADDRNOTAVAIL;  // callers handle our own addresses first
        VirtualNetif* n = route(dst);
        if (!n) return ENETUNREACH;
        if (!allow_broadcast && n->is_broadcast_for(dst)) return ENETUNREACH;
        return 0;
    }

    struct netif* netif_for(const InetAddr& dst) const override {
        VirtualNetif* n = route(dst);
        return n ? n->raw() : nullptr;
    }

    std::optional<InetAddr> source_for(const InetAddr& dst) const override {
        VirtualNetif* n = route(dst);
        if (!n) return std::nullopt;
        for (const auto& p : n->addresses())
            if (p.addr.family == dst.family) return p.addr;
        return std::nullopt;
    }

    // Drops what lwIP must not see: foreign unicast (IP_FORWARD is on in Debian's build and
    // would route between our networks), packets claiming one of our own or a loopback
    // source (lwIP would answer them through its loopback path and abort), and anything
    // that is not ARP, IPv4 or IPv6.
    bool admit(const VirtualNetif& n, std::span<const uint8_t> frame) const {
        if (frame.size() < 14) return false;
        const uint16_t type = uint16_t(frame[12] << 8 | frame[13]);
        std::span<const uint8_t> ip = frame.subspan(14);
        InetAddr src, dst;
        switch (type) {
        case 0x0806:  // ARP: lwIP answers with an Ethernet frame, never through loopback
            return true;
        case 0x0800:
            if (ip.size() < 20 || (ip[0] >> 4) != 4) return false;
            src = InetAddr::v4(ip[12], ip[13], ip[14], ip[15]);
            dst = InetAddr::v4(ip[16], ip[17], ip[18], ip[19]);
            if (is_own_address(src) || src.is_loopback() || src.is_multicast()) return false;
            return n.has_address(dst) || n.is_broadcast_for(dst) || dst.is_multicast();
        case 0x86dd:
            if (ip.size() < 40 || (ip[0] >> 4) != 6) return false;
            src.family = dst.family = 6;
            std::copy(ip.begin() + 8, ip.begin() + 24, src.ip.begin());
            std::copy(ip.begin() + 24, ip.begin() + 40, dst.ip.begin());
            if (is_own_address(src) || src.is_loopback() || src.is_multicast()) return false;
            return n.has_address(dst) || dst.is_multicast();
        default:
            return false;
        }
    }

    FrameOut out;
    std::map<uint64_t, std::unique_ptr<VirtualNetif>> netifs;
    std::vector<NetworkSetup> networks;
    std::unique_ptr<TcpBridge> tcp;
    std::unique_ptr<UdpBridge> udp;
};

Stack::Stack(Reactor& reactor, StackOptions options, FrameOut send_frame)
    : impl_(std::make_unique<Impl>(reactor, options, std::move(send_frame))) {}

Stack::~Stack() = default;

bool Stack::start(std::string& error) {
    lwip_setup_once();
    impl_->tcp = std::make_unique<TcpBridge>(*impl_);
    impl_->udp = std::make_unique<UdpBridge>(*impl_);
    if (!impl_->tcp->start(error)) return false;
    // lwIP's timers (TCP retransmission, ARP, ND, reassembly) run before every wait.
    impl_->reactor().add_before_wait([this] {
        uint32_t ms = lwip_run_timers();
        return ms == UINT32_MAX ? kNever : impl_->reactor().now() + Ticks(ms);
    });
    return true;
}

int Stack::accept_pending() { return impl_->tcp ? impl_->tcp->accept_pending() : 0; }

int Stack::adopt_listeners(std::vector<KeyedListener>& keyed) {
    return impl_->tcp ? impl_->tcp->adopt_listeners(keyed) : 0;
}

void Stack::stop_accepting() {
    if (impl_->tcp) impl_->tcp->stop_accepting();
}

void Stack::set_networks(const std::vector<NetworkSetup>& networks) {
    Impl& s = *impl_;
    // Remove networks that are gone (lwIP aborts their pcbs; the err callbacks clean up).
    for (auto it = s.netifs.begin(); it != s.netifs.end();) {
        bool keep = false;
        for (const auto& n : networks) keep = keep || n.nwid.value == it->first;
        if (keep) {
            ++it;
        } else {
            s.logf(LogLevel::info, "network %s removed", it->second->nwid().to_string().c_str());
            it = s.netifs.erase(it);
        }
    }
    s.networks.clear();
    for (const auto& want : networks) {
        auto it = s.netifs.find(want.nwid.value);
        if (it != s.netifs.end() && it->second->mac() != want.mac) it = s.netifs.erase(it);  // new identity
        if (it == s.netifs.end() || it->first != want.nwid.value) {
            auto n = std::make_unique<VirtualNetif>(
                want.nwid, want.mac, want.mtu,
                [&s](NetworkId id, std::span<const uint8_t> frame) {
                    ++s.stats().frames_out;
                    if (s.out) s.out(id, frame);
                },
                s.options().multicast_changed);
            if (!n->ok()) {
                s.logf(LogLevel::error, "network %s: lwIP refused the netif", want.nwid.to_string().c_str());
                continue;
            }
            it = s.netifs.emplace(want.nwid.value, std::move(n)).first;
        }
        VirtualNetif& n = *it->second;
        n.set_mtu(want.mtu);
        NetworkSetup eff = want;
        eff.addrs = n.set_addresses(want.addrs);
        n.set_routes(want.routes);
        n.set_ndp_emulation(want.ndp_emulation);
        std::string list;
        for (const auto& a : eff.addrs) list += " " + a.to_string();
        for (const auto& r : want.routes) list += " route " + r.target.to_string() + (r.via ? " via " + r.via->ip_string() : "");
        s.logf(LogLevel::info, "network %s mac %s mtu %u:%s", want.nwid.to_string().c_str(),
               want.mac.to_string().c_str(), want.mtu, list.c_str());
        s.networks.push_back(std::move(eff));
    }
}

const std::vector<NetworkSetup>& Stack::networks() const { return impl_->networks; }
const ztctl::AccessKey& Stack::access_key() const { return impl_->options().access_key; }
void Stack::count_refused_uid() { ++impl_->stats().refused_uid; }

void Stack::on_frame(NetworkId nwid, std::span<const uint8_t> frame) {
    Impl& s = *impl_;
    ++s.stats().frames_in;
    auto it = s.netifs.find(nwid.value);
    if (it == s.netifs.end() || !s.admit(*it->second, frame)) {
        ++s.stats().frames_dropped;
        return;
    }
    it->second->input(frame);
}

Stack::BindResult Stack::op_tcp_bind(const ztctl::TcpBind& req, pid_t pid) { return impl_->tcp->bind(req, pid); }
int Stack::op_tcp_listen(const ztctl::TcpListen& req) { return impl_->tcp->listen(req); }
int Stack::op_tcp_release(uint64_t sock_id) { return impl_->tcp->release(sock_id); }
Stack::ConnStatus Stack::op_conn_status(uint64_t conn_id) const { return impl_->tcp->status(conn_id); }
Stack::UdpOpenResult Stack::op_udp_open(const ztctl::UdpOpen& req, pid_t pid) { return impl_->udp->open(req, pid); }
Stack::BindResult Stack::op_udp_connect(const ztctl::UdpConnect& req) { return impl_->udp->connect(req); }
int Stack::op_set_option(const ztctl::SetOption& req) { return impl_->tcp->set_option(req); }

void Stack::connect_external(int fd, const InetAddr& dst, std::vector<uint8_t> prefix, ExternalDone done) {
    impl_->tcp->connect_external(fd, dst, std::move(prefix), std::move(done));
}

bool Stack::on_network(const InetAddr& a) const { return impl_->is_own_address(a) || impl_->on_virtual_network(a); }

int Stack::expose(const InetAddr& vaddr, const InetAddr& target) { return impl_->tcp->expose(vaddr, target); }

size_t Stack::live_count() const {
    size_t n = 0;
    if (impl_->tcp) n += impl_->tcp->live_count();
    if (impl_->udp) n += impl_->udp->live_count();
    return n;
}

std::vector<SocketInfo> Stack::sockets() const {
    std::vector<SocketInfo> out;
    std::string error;
    // Without sock_diag the programs' inodes stay unknown (0); everything else is still right.
    const UnixSocketTable table = unix_socket_table(error).value_or(UnixSocketTable{});
    if (!error.empty()) impl_->logf(LogLevel::debug, "sockets: %s", error.c_str());
    if (impl_->tcp) impl_->tcp->sockets(table, out);
    if (impl_->udp) impl_->udp->sockets(table, out);
    return out;
}

StackStats Stack::stats() const {
    StackStats st = impl_->stats();
    for (const auto& [id, n] : impl_->netifs) {
        const auto& r = n->reassembly_stats();
        st.ip_fragments += r.fragments;
        st.ip_reassembled += r.completed;
        st.ip_reassembly_timeouts += r.timed_out;
        st.ip_fragments_dropped += r.dropped;
    }
    return st;
}

}  // namespace zt::stack

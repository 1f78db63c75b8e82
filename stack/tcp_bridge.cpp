// The node side of the TCP fd model: 'T' preambles, reservations, listeners, status records.
#include "stack/tcp_bridge.hpp"

#include <lwip/ip.h>

#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "stack/context.hpp"
#include "stack/lwip_errno.hpp"
#include "stack/lwip_glue.hpp"
#include "stack/time_wait.hpp"
#include "stack/unix_listeners.hpp"

namespace zt::stack {

namespace {
constexpr Ticks kPreambleWaitMs = 10000;   // a 'T' connection must show its header by then
constexpr Ticks kRecordKeepMs = 60000;     // failed/closed connection reasons stay this long
constexpr Ticks kSweepMs = 2000;           // record expiry and listener liveness probes
constexpr size_t kMaxTimeWait = 4096;       // TIME-WAIT pcbs kept (time_wait.hpp)
constexpr uint32_t kMaxPreamble = 16u << 20;
constexpr size_t kMaxRecords = 1u << 17;
constexpr int kAcceptBatch = 64;

bool peer_uid_ok(int fd, uid_t uid) {
    ucred cred{};
    socklen_t len = sizeof cred;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == uid;
}

bool is_terminal(ztctl::ConnState s) { return s == ztctl::ConnState::failed || s == ztctl::ConnState::closed; }
}  // namespace

TcpBridge::TcpBridge(StackContext& ctx) : ctx_(ctx) {
    std::random_device rd;
    uniq_ = (uint64_t(rd()) << 32);  // distinct 'A' names across node restarts
    next_splice_port_ = uint16_t(49152 + (rd() % 16384));
}

TcpBridge::~TcpBridge() {
    if (sweep_timer_) ctx_.reactor().cancel_timer(sweep_timer_);
    if (t_fd_ >= 0) {
        ctx_.reactor().remove_fd(t_fd_);
        ::close(t_fd_);
    }
    for (auto& [fd, p] : pending_) {
        ctx_.reactor().remove_fd(fd);
        ctx_.reactor().cancel_timer(p.timer);
        ::close(fd);
    }
    conns_.clear();    // aborts their pcbs
    splices_.clear();
    for (auto& e : exposes_) {
        tcp_arg(e->pcb, nullptr);
        tcp_accept(e->pcb, nullptr);
        tcp_close(e->pcb);
    }
    for (auto& [id, r] : reservations_) {
        if (!r->pcb) continue;  // a member of a SO_REUSEPORT group
        if (r->pcb->state == LISTEN) {
            tcp_arg(r->pcb, nullptr);
            tcp_accept(r->pcb, nullptr);
        }
        tcp_close(r->pcb);
    }
}

bool TcpBridge::start(std::string& error) {
    t_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (t_fd_ < 0) {
        error = std::string("socket: ") + std::strerror(errno);
        return false;
    }
    UnixName name = node_name(ztctl::NameKind::tcp_connect, ctx_.home_hash());
    if (::bind(t_fd_, name.addr(), name.len) != 0 || ::listen(t_fd_, 4096) != 0) {
        error = std::string("tcp-connect socket ") + name.printable() + ": " + std::strerror(errno);
        ::close(t_fd_);
        t_fd_ = -1;
        return false;
    }
    ctx_.reactor().add_fd(t_fd_, EPOLLIN, [this](uint32_t) { on_t_readable(); });
    sweep_timer_ = ctx_.reactor().add_timer(kSweepMs, [this] { sweep(); });
    return true;
}

int TcpBridge::accept_pending() { return t_fd_ >= 0 ? on_t_readable() : 0; }

void TcpBridge::stop_accepting() {
    if (t_fd_ < 0) return;
    ctx_.reactor().remove_fd(t_fd_);
    ::close(t_fd_);
    t_fd_ = -1;
}

// ---- 'T': outgoing connections -------------------------------------------------------------

int TcpBridge::on_t_readable() {
    int accepted = 0;
    for (int i = 0; i < kAcceptBatch; ++i) {
        int fd = ::accept4(t_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                ctx_.logf(LogLevel::warn, "tcp-connect accept: %s", std::strerror(errno));
            return accepted;
        }
        ++accepted;
        Pending p;
        p.trusted = peer_uid_ok(fd, ctx_.uid());  // others must show the access key in the preamble
        p.deadline = ctx_.reactor().now() + kPreambleWaitMs;
        p.timer = ctx_.reactor().add_timer(kPreambleWaitMs, [this, fd] { drop_pending(fd); });
        pending_[fd] = p;
        // Edge-triggered: we only peek, so level-triggered EPOLLIN would spin on a partial header.
        if (!ctx_.reactor().add_fd(fd, EPOLLIN | EPOLLRDHUP | EPOLLET, [this, fd](uint32_t) { on_pending(fd); })) {
            drop_pending(fd);
            continue;
        }
        on_pending(fd);
    }
    return accepted;
}

void TcpBridge::drop_pending(int fd) {
    auto it = pending_.find(fd);
    if (it == pending_.end()) return;
    ctx_.reactor().cancel_timer(it->second.timer);
    ctx_.reactor().remove_fd(fd);
    pending_.erase(it);
    ::close(fd);
}

void TcpBridge::on_pending(int fd) {
    if (!pending_.count(fd)) return;
    ztctl::PreambleHeader h;
    ssize_t n = ::recv(fd, &h, sizeof h, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n >= 0 && size_t(n) < sizeof h) {
        if (n == 0) drop_pending(fd);  // EOF before a header: the app gave up
        return;                        // partial header: wait for the next edge
    }
    if (n < 0) {
        drop_pending(fd);
        return;
    }
    // Take it out of the pending set; from here the fd belongs to the connection attempt.
    auto it = pending_.find(fd);
    const bool trusted = it->second.trusted;
    ctx_.reactor().cancel_timer(it->second.timer);
    ctx_.reactor().remove_fd(fd);
    pending_.erase(it);

    if (h.magic != ztctl::kPreambleMagic || h.version != ztctl::kVersion) {
        ctx_.logf(LogLevel::warn, "tcp-connect: bad preamble magic/version, closing");
        ::close(fd);
        return;
    }
    if (!trusted && !ctx_.key_ok(h.key)) {  // nothing recorded: the connection never was ours
        ctx_.logf(LogLevel::warn, "tcp-connect: refused a connection from another uid without the access key");
        ++ctx_.stats().refused_uid;
        ::close(fd);
        return;
    }
    InetAddr peer = InetAddr::from_name(h.peer);
    if (h.header_len != sizeof h || h.total_len < sizeof h || h.total_len > kMaxPreamble || peer.family == 0 ||
        peer.port == 0) {
        ctx_.logf(LogLevel::warn, "tcp-connect %016llx: malformed preamble", (unsigned long long)h.conn_id);
        fail_connect(fd, h.conn_id, EINVAL, peer);
        return;
    }
    start_connect(fd, h);
}

void TcpBridge::fail_connect(int fd, uint64_t conn_id, int err, const InetAddr& peer) {
    record(conn_id, ztctl::ConnState::failed, err, InetAddr{}, peer);
    ::close(fd);  // preamble unread: the app sees OUT|ERR|HUP
}

void TcpBridge::start_connect(int fd, const ztctl::PreambleHeader& h, std::vector<uint8_t> prefix, bool external) {
    InetAddr dst = InetAddr::from_name(h.peer).unmapped();
    if (ctx_.is_own_address(dst)) {
        start_splice(fd, h, dst, std::move(prefix));
        return;
    }
    if (int e = ctx_.check_destination(dst, false)) {
        fail_connect(fd, h.conn_id, e, dst);
        return;
    }
    KeepaliveOpts ka;
    struct tcp_pcb* pcb = nullptr;
    if (h.flags & ztctl::kPreambleBound) {
        auto it = reservations_.find(h.sock_id);
        if (it == reservations_.end() || it->second->listening || !it->second->pcb ||
            !it->second->members.empty()) {
            fail_connect(fd, h.conn_id, EINVAL, dst);
            return;
        }
        Reservation& r = *it->second;
        u8_t type = IP_GET_TYPE(&r.pcb->local_ip);
        if ((dst.is_v4() && type == IPADDR_TYPE_V6) || (dst.is_v6() && type == IPADDR_TYPE_V4)) {
            fail_connect(fd, h.conn_id, dst.is_v4() ? ENETUNREACH : EAFNOSUPPORT, dst);
            return;
        }
        pcb = r.pcb;
        ka = r.keepalive;
        reservations_.erase(it);  // the pcb now belongs to the connection
    } else {
        pcb = tcp_new_ip_type(dst.is_v4() ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6);
        if (!pcb) {
            fail_connect(fd, h.conn_id, ENOMEM, dst);
            return;
        }
    }
    if (h.flags & ztctl::kPreambleKeepalive) {
        ka.on = true;
        if (h.keepalive_idle_s) ka.idle_s = h.keepalive_idle_s;
        if (h.keepalive_intvl_s) ka.intvl_s = h.keepalive_intvl_s;
        if (h.keepalive_cnt) ka.cnt = h.keepalive_cnt;
    }
    apply_keepalive(pcb, ka);
    tcp_bind_netif(pcb, ctx_.netif_for(dst));
    auto conn = std::make_unique<TcpConn>(*this, ctx_, TcpConn::Role::client, pcb, fd);
    TcpConn* raw = conn.get();
    conns_.emplace(raw, std::move(conn));
    if (external) raw->set_external(std::move(prefix));
    raw->begin_connecting(h.conn_id, h.total_len, dst);
}

void TcpBridge::start_splice(int fd, const ztctl::PreambleHeader& h, const InetAddr& dst, std::vector<uint8_t> prefix) {
    Reservation* r = find_listener_for(dst);
    if (!r) {
        fail_connect(fd, h.conn_id, ECONNREFUSED, dst);
        return;
    }
    InetAddr src = dst;  // we connect from the very address we connect to
    src.port = next_splice_port_;
    next_splice_port_ = next_splice_port_ == 65535 ? 49152 : uint16_t(next_splice_port_ + 1);
    uint64_t uniq = next_uniq();
    int cfd = make_connector(src, dst, uniq);
    if (cfd < 0) {
        fail_connect(fd, h.conn_id, errno ? errno : EIO, dst);
        return;
    }
    record(h.conn_id, ztctl::ConnState::connecting, 0, src, dst);
    auto s = std::make_unique<UnixSplice>(*this, ctx_, fd, cfd, h.conn_id, h.total_len, r->sock_id, r->lname, src, dst);
    UnixSplice* raw = s.get();
    splices_.emplace(raw, std::move(s));
    if (!prefix.empty()) raw->set_upstream_prefix(std::move(prefix));
    raw->start();
}

// ---- node-made connections ------------------------------------------------------------------

void TcpBridge::connect_external(int fd, const InetAddr& dst, std::vector<uint8_t> prefix, Stack::ExternalDone done) {
    // The shim draws its conn_ids at random; ours have the top bit set and count up.
    const uint64_t conn_id = (uint64_t(1) << 63) | next_uniq();
    ztctl::PreambleHeader h{};
    h.conn_id = conn_id;
    h.total_len = 0;  // nothing to skip: the socket carries only the client's bytes
    h.peer = dst.to_name();
    external_.emplace(conn_id, std::move(done));
    if (dst.family == 0 || dst.port == 0) {
        fail_connect(fd, conn_id, EINVAL, dst);
        return;
    }
    start_connect(fd, h, std::move(prefix), true);
}

void TcpBridge::notify_external(uint64_t conn_id, ztctl::ConnState state, int err, const InetAddr& local) {
    if (external_.empty() || state == ztctl::ConnState::connecting) return;
    auto it = external_.find(conn_id);
    if (it == external_.end()) return;
    Stack::ExternalDone done = std::move(it->second);
    external_.erase(it);
    if (state != ztctl::ConnState::established && err == 0) err = ECONNABORTED;
    if (done) done(state == ztctl::ConnState::established ? 0 : err, local);
}

int TcpBridge::expose(const InetAddr& vaddr, const InetAddr& target) {
    if ((vaddr.family != 4 && vaddr.family != 6) || vaddr.port == 0 || target.family == 0 || target.port == 0)
        return EINVAL;
    struct tcp_pcb* pcb = tcp_new_ip_type(vaddr.is_v4() ? IPADDR_TYPE_V4 : IPADDR_TYPE_V6);
    if (!pcb) return ENOMEM;
    ip_addr_t ip = to_ip_addr(vaddr);
    if (vaddr.is_v6() && vaddr.is_unspecified()) ip = *IP_ANY_TYPE;  // [::] takes IPv4 too, as Linux
    err_t err = tcp_bind(pcb, &ip, vaddr.port);
    if (err != ERR_OK) {
        tcp_close(pcb);
        return errno_from_err(err, ErrWhen::call);
    }
    struct tcp_pcb* lpcb = tcp_listen_with_backlog_and_err(pcb, 255, &err);
    if (!lpcb) {
        tcp_close(pcb);
        return errno_from_err(err, ErrWhen::call);
    }
    auto e = std::make_unique<Expose>();
    e->pcb = lpcb;
    e->vaddr = vaddr;
    e->target = target;
    e->bridge = this;
    tcp_arg(lpcb, e.get());
    tcp_accept(lpcb, &TcpBridge::on_expose_accept_cb);
    ctx_.logf(LogLevel::info, "expose %s -> %s", vaddr.to_string().c_str(), target.to_string().c_str());
    exposes_.push_back(std::move(e));
    return 0;
}

err_t TcpBridge::on_expose_accept_cb(void* arg, struct tcp_pcb* newpcb, err_t err) {
    auto* e = static_cast<Expose*>(arg);
    if (!e || err != ERR_OK || !newpcb) return ERR_VAL;
    return e->bridge->handle_expose_accept(*e, newpcb);
}

err_t TcpBridge::handle_expose_accept(Expose& e, struct tcp_pcb* newpcb) {
    InetAddr peer = from_ip_addr(newpcb->remote_ip, newpcb->remote_port);
    int fd = ::socket(e.target.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ctx_.logf(LogLevel::warn, "expose %s: accept %s: socket: %s", e.vaddr.to_string().c_str(),
                  peer.to_string().c_str(), std::strerror(errno));
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    if (struct netif* in = ip_current_input_netif()) tcp_bind_netif(newpcb, in);
    auto conn = std::make_unique<TcpConn>(*this, ctx_, TcpConn::Role::accepted, newpcb, fd);
    TcpConn* raw = conn.get();
    conns_.emplace(raw, std::move(conn));
    raw->set_external({});
    raw->begin_linking_external(next_uniq(), e.target);
    return raw->state() == TcpConn::State::done ? ERR_ABRT : ERR_OK;
}

TcpBridge::Reservation* TcpBridge::find_listener_for(const InetAddr& dst) {
    Reservation* wildcard = nullptr;
    for (auto& [id, r] : reservations_) {
        if (!r->listening) continue;
        InetAddr bound = InetAddr::from_name(r->bound);
        if (bound.port != dst.port) continue;
        InetAddr bound_ip = bound.unmapped();
        if (!bound_ip.is_unspecified()) {
            if (bound_ip.same_ip(dst)) return r.get();
            continue;
        }
        bool family_ok = bound_ip.family == dst.family || (bound_ip.is_v6() && dst.is_v4() && !r->v6only);
        if (family_ok && !wildcard) wildcard = r.get();
    }
    return wildcard;
}

int TcpBridge::make_connector(const InetAddr& peer, const InetAddr& local, uint64_t uniq) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    UnixName name = accepted_name(ctx_.home_hash(), peer.to_name(), local.to_name(), uniq);
    if (::bind(fd, name.addr(), name.len) != 0) {
        int e = errno;
        ::close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

// ---- reservations and listeners ------------------------------------------------------------

Stack::BindResult TcpBridge::bind(const ztctl::TcpBind& req, pid_t pid) {
    Stack::BindResult res;
    InetAddr want = InetAddr::from_name(req.local);
    if (want.family == 0) {
        res.err = EAFNOSUPPORT;
        return res;
    }
    if (reservations_.count(req.sock_id)) {
        res.err = EINVAL;  // bound twice
        return res;
    }
    InetAddr ip = want.unmapped();
    bool wildcard = ip.is_unspecified();
    // IP_FREEBIND: an address of the virtual network that is not ours (yet), as the kernel allows.
    if (!wildcard && !ctx_.is_own_address(ip) && !(req.freebind && ctx_.on_virtual_network(ip))) {
        res.err = EADDRNOTAVAIL;
        return res;
    }
    ztctl::NameAddr exact = req.local;
    if (req.reuseport && want.port != 0)
        if (Reservation* owner = group_owner_for(exact, req.v6only != 0); owner) {
            // SO_REUSEPORT: a member of the group, served by the owner's pcb.
            auto r = std::make_unique<Reservation>();
            r->sock_id = req.sock_id;
            r->v6only = req.v6only != 0;
            r->bound = owner->bound;
            r->lname = listener_name(ctx_.home_hash(), r->bound, req.sock_id);
            r->bridge = this;
            r->reuseport = true;
            r->owner = owner->sock_id;
            r->pid = pid;
            owner->members.push_back(req.sock_id);
            res.local = r->bound;
            reservations_.emplace(req.sock_id, std::move(r));
            return res;
        }
    u8_t type = ip.is_v4() ? IPADDR_TYPE_V4 : (wildcard && !req.v6only ? IPADDR_TYPE_ANY : IPADDR_TYPE_V6);
    struct tcp_pcb* pcb = tcp_new_ip_type(type);
    if (!pcb) {
        res.err = ENOMEM;
        return res;
    }
    if (req.reuseaddr) ip_set_option(pcb, SOF_REUSEADDR);
    ip_addr_t addr = to_ip_addr(ip);
    const ip_addr_t* bind_to = &addr;
    if (wildcard) bind_to = type == IPADDR_TYPE_ANY ? IP_ANY_TYPE : (type == IPADDR_TYPE_V6 ? IP6_ADDR_ANY : IP4_ADDR_ANY);
    err_t err = tcp_bind(pcb, bind_to, want.port);
    if (err != ERR_OK) {
        tcp_close(pcb);
        res.err = err == ERR_BUF ? EADDRINUSE : errno_from_err(err, ErrWhen::call);
        return res;
    }
    auto r = std::make_unique<Reservation>();
    r->sock_id = req.sock_id;
    r->pcb = pcb;
    r->v6only = req.v6only != 0;
    r->bound = req.local;
    r->bound.port_be = htons(pcb->local_port);
    r->lname = listener_name(ctx_.home_hash(), r->bound, req.sock_id);
    r->bridge = this;
    r->reuseport = req.reuseport != 0;
    r->pid = pid;
    res.local = r->bound;
    reservations_.emplace(req.sock_id, std::move(r));
    return res;
}

// The reservation holding the pcb of a SO_REUSEPORT group bound to exactly `bound` (port given).
TcpBridge::Reservation* TcpBridge::group_owner_for(const ztctl::NameAddr& bound, bool v6only) {
    for (auto& [id, r] : reservations_)
        if (r->reuseport && r->pcb && !r->owner && r->v6only == v6only &&
            std::memcmp(&r->bound, &bound, sizeof bound) == 0)
            return r.get();
    return nullptr;
}

// Makes the owner's pcb listen (the first listen() of any member of its group).
int TcpBridge::ensure_listening(Reservation& owner, int backlog) {
    if (owner.pcb->state == LISTEN) return 0;
    err_t err = ERR_OK;
    struct tcp_pcb* lpcb = tcp_listen_with_backlog_and_err(owner.pcb, u8_t(backlog), &err);
    if (!lpcb) return errno_from_err(err, ErrWhen::call);
    owner.pcb = lpcb;  // lwIP freed the bound pcb
    tcp_arg(lpcb, &owner);
    tcp_accept(lpcb, &TcpBridge::on_accept_cb);
    return 0;
}

// Round-robin over the listening members of the owner's group (itself included).
TcpBridge::Reservation& TcpBridge::pick_member(Reservation& owner) {
    const size_t n = owner.members.size() + 1;
    for (size_t k = 0; k < n; ++k) {
        const size_t i = owner.next++ % n;
        if (i == 0) {
            if (owner.listening) return owner;
            continue;
        }
        auto it = reservations_.find(owner.members[i - 1]);
        if (it != reservations_.end() && it->second->listening) return *it->second;
    }
    return owner;
}

int TcpBridge::listen(const ztctl::TcpListen& req) {
    auto it = reservations_.find(req.sock_id);
    if (it == reservations_.end()) return EINVAL;
    Reservation& r = *it->second;
    if (r.listening) return 0;
    if (!listener_alive(r)) {
        ctx_.logf(LogLevel::warn, "tcp_listen %016llx: nothing holds %s", (unsigned long long)req.sock_id,
                  r.lname.printable().c_str());
        return EINVAL;
    }
    int backlog = std::clamp(req.backlog, 1, 255);
    Reservation* owner = &r;
    if (r.owner) {
        auto o = reservations_.find(r.owner);
        if (o == reservations_.end()) return EINVAL;
        owner = o->second.get();
    }
    if (int e = ensure_listening(*owner, backlog)) return e;
    r.listening = true;
    ctx_.logf(LogLevel::info, "tcp listen %s (sock %016llx)", InetAddr::from_name(r.bound).to_string().c_str(),
              (unsigned long long)r.sock_id);
    return 0;
}

// The name says where the app's socket was bound and its sock_id; what it does not say (the
// backlog, keepalive options, IPV6_V6ONLY) takes defaults, except that an IPv6 wildcard on a
// port an IPv4 listener also holds must have been v6-only: IPv4 ones are taken first.
int TcpBridge::adopt_listeners(std::vector<KeyedListener>& keyed) {
    std::string error;
    auto found = find_app_listeners(ctx_.home_hash(), ctx_.uid(), error, keyed);
    if (!found) {
        ctx_.logf(LogLevel::warn, "cannot look for listeners to take over: %s", error.c_str());
        return 0;
    }
    std::stable_sort(found->begin(), found->end(),
                     [](const DecodedName& a, const DecodedName& b) { return a.first.family < b.first.family; });
    int adopted = 0;
    for (const DecodedName& d : *found) {
        if (reservations_.count(d.id)) continue;
        ztctl::TcpBind b{};
        b.sock_id = d.id;
        b.local = d.first;
        b.reuseaddr = 1;
        if (d.first.family == 6 && InetAddr::from_name(d.first).is_unspecified())
            for (const auto& [id, r] : reservations_)
                b.v6only |= r->bound.family == 4 && r->bound.port_be == d.first.port_be;
        const std::string where = InetAddr::from_name(d.first).to_string();
        auto bound = bind(b, 0);
        if (bound.err) {
            ctx_.logf(LogLevel::warn, "listener %s (sock %016llx) not taken over: %s", where.c_str(),
                      (unsigned long long)d.id, std::strerror(bound.err));
            continue;
        }
        ztctl::TcpListen l{};
        l.sock_id = d.id;
        l.backlog = 128;
        if (int err = listen(l)) {
            ctx_.logf(LogLevel::warn, "listener %s (sock %016llx) not taken over: %s", where.c_str(),
                      (unsigned long long)d.id, std::strerror(err));
            close_reservation(d.id);
            continue;
        }
        ++adopted;
    }
    std::erase_if(keyed, [this](const KeyedListener& k) { return !reservations_.count(k.sock_id); });
    return adopted;
}

err_t TcpBridge::on_accept_cb(void* arg, struct tcp_pcb* newpcb, err_t err) {
    auto* r = static_cast<Reservation*>(arg);
    if (!r || !newpcb || err != ERR_OK) return ERR_VAL;  // lwIP aborts newpcb
    return r->bridge->handle_accept(r->bridge->pick_member(*r), newpcb);
}

err_t TcpBridge::handle_accept(Reservation& r, struct tcp_pcb* newpcb) {
    uint64_t uniq = next_uniq();
    InetAddr peer = from_ip_addr(newpcb->remote_ip, newpcb->remote_port);
    InetAddr local = from_ip_addr(newpcb->local_ip, newpcb->local_port);
    int cfd = make_connector(peer, local, uniq);
    if (cfd < 0) {
        ctx_.logf(LogLevel::warn, "tcp accept %s: connector: %s", peer.to_string().c_str(), std::strerror(errno));
        tcp_abort(newpcb);
        return ERR_ABRT;
    }
    if (r.keepalive.on || r.keepalive.idle_s || r.keepalive.intvl_s || r.keepalive.cnt)
        apply_keepalive(newpcb, r.keepalive);
    // Answer through the netif the SYN came in on (lwIP's route lookup knows no managed routes).
    if (struct netif* in = ip_current_input_netif()) tcp_bind_netif(newpcb, in);
    auto conn = std::make_unique<TcpConn>(*this, ctx_, TcpConn::Role::accepted, newpcb, cfd);
    TcpConn* raw = conn.get();
    conns_.emplace(raw, std::move(conn));
    raw->begin_linking(uniq, r.sock_id, r.lname);
    return raw->state() == TcpConn::State::done ? ERR_ABRT : ERR_OK;
}

bool TcpBridge::listener_alive(const Reservation& r) const {
    // Binding the 'L' name succeeds only if no socket holds it. Unlike a probe connection,
    // this never shows up in the app's accept queue.
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return true;
    bool alive = ::bind(fd, r.lname.addr(), r.lname.len) != 0 && errno == EADDRINUSE;
    ::close(fd);
    return alive;
}

void TcpBridge::listener_gone(uint64_t sock_id) {
    // May run inside an lwIP callback: close the listen pcb from the loop.
    ctx_.reactor().defer([this, sock_id] {
        auto it = reservations_.find(sock_id);
        if (it == reservations_.end() || !it->second->listening) return;
        if (listener_alive(*it->second)) return;  // a fresh holder (should not happen)
        ctx_.logf(LogLevel::info, "tcp listener %016llx gone", (unsigned long long)sock_id);
        close_reservation(sock_id);
    });
}

void TcpBridge::close_reservation(uint64_t sock_id) {
    auto it = reservations_.find(sock_id);
    if (it == reservations_.end()) return;
    Reservation& r = *it->second;
    if (r.owner) {  // a group member: the owner's pcb serves the others
        if (auto o = reservations_.find(r.owner); o != reservations_.end()) std::erase(o->second->members, sock_id);
        reservations_.erase(it);
        return;
    }
    if (!r.members.empty()) {
        // The group lives on: its first member takes the pcb over.
        auto m = reservations_.find(r.members.front());
        if (m != reservations_.end()) {
            Reservation& heir = *m->second;
            heir.pcb = r.pcb;
            heir.owner = 0;
            heir.members.assign(r.members.begin() + 1, r.members.end());
            for (uint64_t id : heir.members)
                if (auto x = reservations_.find(id); x != reservations_.end()) x->second->owner = heir.sock_id;
            if (heir.pcb->state == LISTEN) tcp_arg(heir.pcb, &heir);
            reservations_.erase(it);
            return;
        }
    }
    if (r.pcb->state == LISTEN) {
        tcp_arg(r.pcb, nullptr);
        tcp_accept(r.pcb, nullptr);
    }
    tcp_close(r.pcb);  // frees listen and bound-only pcbs at once
    reservations_.erase(it);
}

int TcpBridge::release(uint64_t sock_id) {
    auto it = reservations_.find(sock_id);
    if (it == reservations_.end()) return 0;
    // A listening socket may still be held by another process (fork): keep it while its 'L'
    // name is bound. A bound-only reservation has no such witness; the app's close ends it.
    if (!it->second->listening || !listener_alive(*it->second)) close_reservation(sock_id);
    return 0;
}

// ---- status, options, liveness ---------------------------------------------------------------

void TcpBridge::record(uint64_t conn_id, ztctl::ConnState state, int err, const InetAddr& local,
                       const InetAddr& peer) {
    notify_external(conn_id, state, err, local);
    if (records_.size() >= kMaxRecords && !records_.count(conn_id)) return;
    Record& rec = records_[conn_id];
    rec.state = state;
    rec.err = err;
    rec.local = local;
    rec.peer = peer;
    rec.expires = is_terminal(state) ? ctx_.reactor().now() + kRecordKeepMs : 0;
}

void TcpBridge::record_finished(uint64_t conn_id) {
    notify_external(conn_id, ztctl::ConnState::closed, ECONNABORTED, InetAddr{});
    auto it = records_.find(conn_id);
    if (it == records_.end() || is_terminal(it->second.state)) return;
    it->second.state = ztctl::ConnState::closed;
    it->second.expires = ctx_.reactor().now() + kRecordKeepMs;
}

void TcpBridge::record_end(uint64_t conn_id, ztctl::ConnState state, int err) {
    auto it = records_.find(conn_id);
    if (it == records_.end()) {
        record(conn_id, state, err, InetAddr{}, InetAddr{});
        return;
    }
    it->second.state = state;
    it->second.err = err;
    it->second.expires = is_terminal(state) ? ctx_.reactor().now() + kRecordKeepMs : 0;
    notify_external(conn_id, state, err, it->second.local);
}

Stack::ConnStatus TcpBridge::status(uint64_t conn_id) const {
    Stack::ConnStatus st;
    auto it = records_.find(conn_id);
    if (it == records_.end()) return st;
    st.state = it->second.state;
    st.conn_err = it->second.err;
    st.local = it->second.local.to_name();
    st.peer = it->second.peer.to_name();
    return st;
}

int TcpBridge::set_option(const ztctl::SetOption& req) {
    for (auto& [raw, c] : conns_) {
        if (c->state() == TcpConn::State::done) continue;
        if ((c->role() == TcpConn::Role::client && c->conn_id() == req.id) ||
            (c->role() == TcpConn::Role::accepted && c->uniq() == req.id))
            return c->set_option(uint16_t(req.option), req.value);
    }
    for (auto& [raw, s] : splices_)
        if (s->conn_id() == req.id) return 0;  // nothing to tune on a unix relay
    auto it = reservations_.find(req.id);
    if (it == reservations_.end()) return ENOENT;
    if (req.value < 0) return EINVAL;
    KeepaliveOpts& ka = it->second->keepalive;
    switch (req.option) {
    case ztctl::OptionId::keepalive: ka.on = req.value != 0; break;
    case ztctl::OptionId::keepalive_idle: ka.idle_s = uint32_t(req.value); break;
    case ztctl::OptionId::keepalive_intvl: ka.intvl_s = uint32_t(req.value); break;
    case ztctl::OptionId::keepalive_cnt: ka.cnt = uint32_t(req.value); break;
    case ztctl::OptionId::abort_on_close: break;  // applies to connections, not to listeners
    default: return ENOPROTOOPT;
    }
    return 0;
}

size_t TcpBridge::live_count() const {
    size_t n = pending_.size();
    for (const auto& [raw, c] : conns_) n += c->state() != TcpConn::State::done;
    for (const auto& [raw, s] : splices_) n += !s->done();
    for (const auto& [id, r] : reservations_) n += r->listening;
    return n;
}

void TcpBridge::sockets(const UnixSocketTable& table, std::vector<SocketInfo>& out) const {
    for (const auto& [id, r] : reservations_) {
        SocketInfo s;
        s.tcp = true;
        s.state = r->listening ? "LISTEN" : "BOUND";
        s.local = InetAddr::from_name(r->bound);
        s.pid = r->pid;
        // A listening program's fd is its 'L' socket itself; a bound one is still an inet
        // socket the node never sees.
        if (r->listening) s.app_inode = table.inode_of(r->lname);
        out.push_back(s);
    }
    for (const auto& [raw, c] : conns_) {
        if (c->state() == TcpConn::State::done) continue;
        SocketInfo s;
        c->describe(table, s);
        out.push_back(s);
    }
    for (const auto& [raw, sp] : splices_) sp->describe(table, out);
}

void TcpBridge::schedule(TcpConn* c) {
    scheduled_.push_back(c);
    if (scheduled_pending_) return;
    scheduled_pending_ = true;
    ctx_.reactor().defer([this] { run_scheduled(); });
}

void TcpBridge::run_scheduled() {
    scheduled_pending_ = false;
    std::vector<TcpConn*> batch;
    batch.swap(scheduled_);
    for (TcpConn* c : batch) {
        // A connection retired since it was queued is gone from conns_ (retire() erases it in
        // a task deferred before this one ran) or is done (progress() does nothing then).
        if (conns_.count(c)) c->run_scheduled();
    }
}

void TcpBridge::retire(TcpConn* c) {
    ctx_.reactor().defer([this, c] { conns_.erase(c); });
}

void TcpBridge::retire(UnixSplice* s) {
    ctx_.reactor().defer([this, s] { splices_.erase(s); });
}

void TcpBridge::sweep() {
    sweep_timer_ = ctx_.reactor().add_timer(kSweepMs, [this] { sweep(); });
    Ticks now = ctx_.reactor().now();
    if (size_t n = trim_time_wait(kMaxTimeWait))
        ctx_.logf(LogLevel::debug, "freed %zu TIME-WAIT connection(s) beyond %zu", n, kMaxTimeWait);
    std::erase_if(records_, [now](const auto& kv) { return kv.second.expires && kv.second.expires <= now; });
    std::vector<uint64_t> dead;
    for (const auto& [id, r] : reservations_)
        if (r->listening && !listener_alive(*r)) dead.push_back(id);
    for (uint64_t id : dead) {
        ctx_.logf(LogLevel::info, "tcp listener %016llx closed by the app", (unsigned long long)id);
        close_reservation(id);
    }
}

}  // namespace zt::stack

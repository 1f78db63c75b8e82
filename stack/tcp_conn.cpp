// One bridged TCP connection: the state machine and the data pump described in tcp_conn.hpp.
#include "stack/tcp_conn.hpp"

#include <lwip/etharp.h>
#include <lwip/priv/tcp_priv.h>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>

#include "stack/context.hpp"
#include "stack/lwip_errno.hpp"
#include "stack/sockaddr.hpp"
#include "stack/tcp_bridge.hpp"
#include "stack/unix_listeners.hpp"

namespace zt::stack {

namespace {
constexpr Ticks kLinkRetryMs = 20;
constexpr Ticks kLinkTimeoutMs = 5000;
constexpr Ticks kArpGiveUpMs = 3000;  // Linux: 3 ARP probes, 1 s apart
constexpr size_t kIoChunk = 0xffff;  // tcp_write takes a u16_t length
constexpr int kMaxIov = 32;
constexpr u8_t kPollInterval = 2;  // lwIP coarse ticks (500 ms each)
}  // namespace

// Marks that we are inside an lwIP callback for this connection's pcb; lwIP must get
// ERR_ABRT back if the pcb was aborted meanwhile.
struct CallbackScope {
    TcpConn& c;
    explicit CallbackScope(TcpConn& conn) : c(conn) {
        if (c.cb_depth_++ == 0) c.aborted_in_cb_ = false;
    }
    ~CallbackScope() { --c.cb_depth_; }
    CallbackScope(const CallbackScope&) = delete;
    CallbackScope& operator=(const CallbackScope&) = delete;
    err_t result() const { return c.aborted_in_cb_ ? ERR_ABRT : ERR_OK; }
};

uint32_t discard(int fd, uint32_t count) {
    uint8_t buf[16384];
    uint32_t done = 0;
    while (done < count) {
        ssize_t n = ::recv(fd, buf, std::min<size_t>(count - done, sizeof buf), MSG_DONTWAIT);
        if (n > 0) {
            done += uint32_t(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
    return done;
}

void apply_keepalive(struct tcp_pcb* pcb, const KeepaliveOpts& ka) {
    if (ka.on)
        ip_set_option(pcb, SOF_KEEPALIVE);
    else
        ip_reset_option(pcb, SOF_KEEPALIVE);
    if (ka.idle_s) pcb->keep_idle = ka.idle_s * 1000u;
    if (ka.intvl_s) pcb->keep_intvl = ka.intvl_s * 1000u;
    if (ka.cnt) pcb->keep_cnt = ka.cnt;
}

TcpConn::TcpConn(TcpBridge& bridge, StackContext& ctx, Role role, struct tcp_pcb* pcb, int fd)
    : bridge_(bridge), ctx_(ctx), role_(role), pcb_(pcb), fd_(fd) {
    install_callbacks();
    tcp_nagle_disable(pcb_);  // the unix socket already coalesces the app's small writes
    ++ctx_.stats().tcp_conns_total;
}

TcpConn::~TcpConn() {
    if (link_timer_) ctx_.reactor().cancel_timer(link_timer_);
    if (abort_timer_) ctx_.reactor().cancel_timer(abort_timer_);
    if (pcb_) {
        struct tcp_pcb* p = pcb_;
        detach_pcb();
        tcp_abort(p);
    }
    if (fd_ >= 0) {
        if (fd_watched_) ctx_.reactor().remove_fd(fd_);
        ::close(fd_);
    }
}

void TcpConn::install_callbacks() {
    tcp_arg(pcb_, this);
    tcp_recv(pcb_, &TcpConn::on_recv_cb);
    tcp_sent(pcb_, &TcpConn::on_sent_cb);
    tcp_err(pcb_, &TcpConn::on_err_cb);
    tcp_poll(pcb_, &TcpConn::on_poll_cb, kPollInterval);
}

void TcpConn::detach_pcb() {
    if (!pcb_) return;
    tcp_arg(pcb_, nullptr);
    tcp_recv(pcb_, nullptr);
    tcp_sent(pcb_, nullptr);
    tcp_err(pcb_, nullptr);
    tcp_poll(pcb_, nullptr, 0);
    pcb_ = nullptr;
}

// ---- lwIP callback trampolines --------------------------------------------------------

err_t TcpConn::on_connected_cb(void* arg, struct tcp_pcb*, err_t) {
    auto* c = static_cast<TcpConn*>(arg);
    if (!c) return ERR_OK;
    CallbackScope scope(*c);
    c->handle_connected();
    return scope.result();
}

err_t TcpConn::on_recv_cb(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
    auto* c = static_cast<TcpConn*>(arg);
    if (!c) {  // detached: nobody wants the data
        if (p) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p && err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    CallbackScope scope(*c);
    c->handle_recv(p);
    return scope.result();
}

err_t TcpConn::on_sent_cb(void* arg, struct tcp_pcb*, u16_t) {
    auto* c = static_cast<TcpConn*>(arg);
    if (!c) return ERR_OK;
    CallbackScope scope(*c);
    c->schedule();  // room in the send buffer: read the app once per batch of ACKs
    return scope.result();
}

err_t TcpConn::on_poll_cb(void* arg, struct tcp_pcb*) {
    auto* c = static_cast<TcpConn*>(arg);
    if (!c) return ERR_OK;
    CallbackScope scope(*c);
    c->progress();
    return scope.result();
}

void TcpConn::on_err_cb(void* arg, err_t err) {
    auto* c = static_cast<TcpConn*>(arg);
    if (c) c->handle_err(err);
}

// ---- connecting (client) ----------------------------------------------------------------

void TcpConn::begin_connecting(uint64_t conn_id, uint32_t preamble_len, const InetAddr& peer) {
    state_ = State::connecting;
    conn_id_ = conn_id;
    preamble_left_ = preamble_len;
    peer_ = peer;
    bridge_.record(conn_id_, ztctl::ConnState::connecting, 0, InetAddr{}, peer_);
    // Only the app giving up matters now. Edge-triggered, because the unread preamble keeps
    // the fd readable.
    watched_events_ = EPOLLRDHUP | EPOLLET;
    fd_watched_ = ctx_.reactor().add_fd(fd_, watched_events_, [this](uint32_t ev) { handle_fd(ev); });
    ip_addr_t dst = to_ip_addr(peer);
    err_t err = tcp_connect(pcb_, &dst, peer.port, &TcpConn::on_connected_cb);
    if (err != ERR_OK) {
        bridge_.record_end(conn_id_, ztctl::ConnState::failed, errno_from_err(err, ErrWhen::call));
        finish(End::close);
        return;
    }
    if (peer.is_v4())
        link_timer_ = ctx_.reactor().add_timer(kArpGiveUpMs, [this] {
            link_timer_ = 0;
            check_arp();
        });
}

void TcpConn::check_arp() {
    if (state_ != State::connecting || !pcb_) return;
    struct netif* n = netif_get_by_index(pcb_->netif_idx);
    struct eth_addr* mac = nullptr;
    const ip4_addr_t* ip = nullptr;
    if (!n || etharp_find_addr(n, ip_2_ip4(&pcb_->remote_ip), &mac, &ip) >= 0) return;  // the host is there
    bridge_.record_end(conn_id_, ztctl::ConnState::failed, EHOSTUNREACH);
    finish(End::close);
}

void TcpConn::handle_connected() {
    if (state_ != State::connecting || !pcb_) return;
    if (link_timer_) {  // the ARP check
        ctx_.reactor().cancel_timer(link_timer_);
        link_timer_ = 0;
    }
    local_ = from_ip_addr(pcb_->local_ip, pcb_->local_port);
    // Consume the whole preamble now, back to back: this is what releases the app's POLLOUT
    // (research/fd-model-facts.md Q1). Bytes the app wrote after it stay queued; whatever
    // of the preamble has not arrived yet is skipped by the pump.
    preamble_left_ -= discard(fd_, preamble_left_);
    state_ = State::open;
    widen_windows();
    bridge_.record(conn_id_, ztctl::ConnState::established, 0, local_, peer_);
    ctx_.logf(LogLevel::debug, "tcp %016llx: %s -> %s established", (unsigned long long)conn_id_,
              local_.to_string().c_str(), peer_.to_string().c_str());
    if (fd_watched_) {  // from edge-triggered RDHUP to the pump's level-triggered interest
        watched_events_ = EPOLLIN | EPOLLRDHUP;
        ctx_.reactor().set_fd_events(fd_, watched_events_);
    }
    progress();
}

// ---- linking (accepted) -----------------------------------------------------------------

void TcpConn::begin_linking(uint64_t uniq, uint64_t listener_sock_id, const UnixName& lname) {
    state_ = State::linking;
    uniq_ = uniq;
    listener_sock_id_ = listener_sock_id;
    lname_ = lname;
    local_ = from_ip_addr(pcb_->local_ip, pcb_->local_port);
    peer_ = from_ip_addr(pcb_->remote_ip, pcb_->remote_port);
    link_deadline_ = ctx_.reactor().now() + kLinkTimeoutMs;
    try_link();
}

void TcpConn::set_external(std::vector<uint8_t> prefix) {
    external_ = true;
    carry_ = std::move(prefix);  // the pump writes carry_ first, once open
}

void TcpConn::begin_linking_external(uint64_t uniq, const InetAddr& target) {
    state_ = State::linking;
    uniq_ = uniq;
    target_ = target;
    local_ = from_ip_addr(pcb_->local_ip, pcb_->local_port);
    peer_ = from_ip_addr(pcb_->remote_ip, pcb_->remote_port);
    sockaddr_storage ss;
    const socklen_t len = to_sockaddr(target, ss);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
        linked();
        return;
    }
    if (errno != EINPROGRESS) {
        ctx_.logf(LogLevel::info, "expose %s: %s: %s", local_.to_string().c_str(), target.to_string().c_str(),
                  std::strerror(errno));
        finish(End::abort);
        return;
    }
    // Writable once connected or failed; the kernel's own connect timeout bounds the wait.
    watched_events_ = EPOLLOUT;
    fd_watched_ = ctx_.reactor().add_fd(fd_, watched_events_, [this](uint32_t ev) { handle_fd(ev); });
}

void TcpConn::linked() {
    state_ = State::open;
    widen_windows();
    watched_events_ = EPOLLIN | EPOLLRDHUP;
    if (fd_watched_)
        ctx_.reactor().set_fd_events(fd_, watched_events_);
    else
        fd_watched_ = ctx_.reactor().add_fd(fd_, watched_events_, [this](uint32_t ev) { handle_fd(ev); });
    ctx_.logf(LogLevel::debug, "tcp accepted %s -> %s linked", peer_.to_string().c_str(), local_.to_string().c_str());
    progress();
}

void TcpConn::try_link() {
    if (state_ != State::linking) return;
    if (::connect(fd_, lname_.addr(), lname_.len) == 0) {
        linked();
        return;
    }
    int e = errno;
    if (e == EAGAIN && ctx_.reactor().now() < link_deadline_) {
        link_timer_ = ctx_.reactor().add_timer(kLinkRetryMs, [this] {
            link_timer_ = 0;
            try_link();
        });
        return;
    }
    if (e == ECONNREFUSED || e == ENOENT) {
        bridge_.listener_gone(listener_sock_id_);
    } else {
        ctx_.logf(LogLevel::warn, "tcp accepted %s: cannot reach the app listener: %s", peer_.to_string().c_str(),
                  e == EAGAIN ? "backlog full for 5 s" : std::strerror(e));
    }
    finish(End::abort);
}

// ---- events -----------------------------------------------------------------------------

void TcpConn::handle_fd(uint32_t events) {
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) app_readable_ = true;
    if (state_ == State::linking) {  // external: the kernel connect finished
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0 && !(events & (EPOLLERR | EPOLLHUP))) {
            linked();
            return;
        }
        ctx_.logf(LogLevel::info, "expose %s: %s: %s", local_.to_string().c_str(), target_.to_string().c_str(),
                  std::strerror(err ? err : ECONNREFUSED));
        finish(End::abort);  // the virtual peer sees a reset, as for a closed port
        return;
    }
    if (state_ == State::connecting) {
        if (events & (EPOLLHUP | EPOLLERR)) {  // the app closed its socket before we connected
            bridge_.record_end(conn_id_, ztctl::ConnState::closed, ECONNABORTED);
            finish(End::close);
        }
        return;
    }
    if (state_ != State::open) return;
    if (events & EPOLLERR) {
        // The app closed with bytes from us unread (kernel: close with unread data sends RST).
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            app_gone_ = true;
            abort_on_close_ = true;
        }
    }
    if (events & EPOLLHUP) {
        // Both directions of the unix socket are shut: either the app closed, or it shut its
        // write side after we shut ours. No fd event matters any more, and HUP cannot be
        // masked, so stop watching; the rest of the app's bytes is read as lwIP takes them.
        ctx_.reactor().remove_fd(fd_);
        fd_watched_ = false;
        if (!fd_wr_shut_) app_gone_ = true;
    }
    progress();
}

void TcpConn::handle_recv(struct pbuf* p) {
    if (!p) {
        remote_fin_ = true;
        schedule();
        return;
    }
    if (app_gone_ || state_ == State::done) {
        // Data after the app closed: RST, like a kernel socket closed by its owner.
        pbuf_free(p);
        finish(End::abort);
        return;
    }
    rxq_.emplace_back(p);
    // The segments of one batch of datagrams go to the app in one sendmsg: one wake-up of the
    // app instead of one per segment.
    schedule();
}

void TcpConn::handle_err(err_t err) {
    pcb_ = nullptr;  // lwIP has freed it
    switch (state_) {
    case State::connecting:
        bridge_.record_end(conn_id_, ztctl::ConnState::failed, errno_from_err(err, ErrWhen::connecting));
        finish(End::close);  // unread preamble: the app sees OUT|ERR|HUP
        return;
    case State::linking:
        finish(End::close);
        return;
    case State::open:
        if (err == ERR_CLSD) {  // both FINs exchanged and acknowledged; only our tail is left
            remote_fin_ = fin_sent_ = true;
            progress();
            return;
        }
        // Segments that came in the same batch as the RST are still queued (the pump runs once
        // per batch): hand the app what its socket takes, as before, then close.
        if (!rxq_.empty()) flush_to_app();
        if (external_) reset_fd_ = true;
        if (role_ == Role::client)
            bridge_.record_end(conn_id_, ztctl::ConnState::closed, errno_from_err(err, ErrWhen::established));
        finish(End::close);
        return;
    case State::done:
        return;
    }
}

// ---- the pump ---------------------------------------------------------------------------

void TcpConn::schedule() {
    if (scheduled_) return;
    scheduled_ = true;
    bridge_.schedule(this);
}

void TcpConn::progress() {
    if (state_ != State::open) return;
    pump_app_to_net();
    if (state_ != State::open) return;
    const bool was_gone = app_gone_;
    flush_to_app();
    if (state_ != State::open) return;
    if (app_gone_ && !was_gone) {
        // The app closed, found by writing to it (EPIPE) before epoll said so: its last bytes
        // still wait in our socket and go out before the RST.
        pump_app_to_net();
        if (state_ != State::open) return;
    }
    settle();
    if (state_ != State::open) return;
    update_interest();
}

void TcpConn::pump_app_to_net() {
    if (app_eof_ || !pcb_) return;
    // Rest of the preamble (normally consumed whole at establishment).
    if (preamble_left_ > 0) {
        preamble_left_ -= discard(fd_, preamble_left_);
        if (preamble_left_ > 0) return;  // EOF or not there yet: the next event tells
    }
    bool wrote = false;
    if (!carry_.empty()) {
        // tcp_write takes a u16_t; a node-made connection's prefix can be longer than that.
        size_t n = std::min({carry_.size(), size_t(tcp_sndbuf(pcb_)), kIoChunk});
        if (n > 0) {
            err_t err = tcp_write(pcb_, carry_.data(), u16_t(n), TCP_WRITE_FLAG_COPY);
            if (err == ERR_OK) {
                carry_.erase(carry_.begin(), carry_.begin() + ptrdiff_t(n));
                bytes_from_app_ += n;
                wrote = true;
            } else if (err != ERR_MEM) {
                finish(End::abort);
                return;
            }
        }
    }
    // Read only what epoll said is there: the pump also runs for ACKs and incoming segments,
    // and a read that ends short has emptied the socket (level-triggered epoll reports more).
    // Unwatched (after HUP) the socket is read until EOF whenever lwIP has room.
    for (int round = 0; carry_.empty() && (app_readable_ || !fd_watched_) && round < 16; ++round) {
        size_t room = tcp_sndbuf(pcb_);
        if (room == 0) break;
        auto& buf = ctx_.scratch(kIoChunk);
        size_t want = std::min(room, kIoChunk);
        ssize_t n = ::recv(fd_, buf.data(), want, MSG_DONTWAIT);
        if (n > 0 && size_t(n) < want) app_readable_ = false;
        if (n > 0) {
            err_t err = tcp_write(pcb_, buf.data(), u16_t(n), TCP_WRITE_FLAG_COPY);
            if (err == ERR_MEM) {
                carry_.assign(buf.data(), buf.data() + n);  // keep it; retried on `sent`
                break;
            }
            if (err != ERR_OK) {
                finish(End::abort);
                return;
            }
            bytes_from_app_ += uint64_t(n);
            wrote = true;
            continue;
        }
        if (n == 0) {
            app_eof_ = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            app_readable_ = false;
            break;
        }
        // ECONNRESET: the app closed with our bytes unread -> RST.
        app_gone_ = true;
        abort_on_close_ = true;
        break;
    }
    if (wrote) tcp_output(pcb_);
    // No FIN when the close is going to be a RST anyway (settle() aborts these).
    bool will_abort = app_gone_ && (abort_on_close_ || !rxq_.empty());
    if (app_eof_ && carry_.empty() && !will_abort) try_fin();
}

void TcpConn::try_fin() {
    if (fin_sent_ || !pcb_) return;
    // lwIP queues the FIN behind unsent data, and retries it from its timer if it is short
    // of memory (TF_CLOSEPEND), so ERR_OK is the normal answer.
    err_t err = tcp_shutdown(pcb_, 0, 1);
    if (err == ERR_OK) fin_sent_ = true;
}

void TcpConn::flush_to_app() {
    if (fd_wr_shut_ || app_gone_) return;
    size_t acked = 0;
    while (!rxq_.empty()) {
        iovec iov[kMaxIov];
        int cnt = 0;
        size_t skip = rx_off_;
        for (auto it = rxq_.begin(); it != rxq_.end() && cnt < kMaxIov; ++it) {
            for (struct pbuf* q = it->get(); q && cnt < kMaxIov; q = q->next) {
                if (skip >= q->len) {
                    skip -= q->len;
                    continue;
                }
                iov[cnt].iov_base = static_cast<uint8_t*>(q->payload) + skip;
                iov[cnt].iov_len = q->len - skip;
                ++cnt;
                skip = 0;
            }
        }
        msghdr m{};
        m.msg_iov = iov;
        m.msg_iovlen = size_t(cnt);
        ssize_t n = ::sendmsg(fd_, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            app_gone_ = true;  // EPIPE / ECONNRESET: the app closed
            app_readable_ = true;  // read what it wrote before it closed
            break;
        }
        acked += size_t(n);
        bytes_to_app_ += uint64_t(n);
        size_t left = size_t(n);
        while (left > 0) {
            size_t remain = rxq_.front().get()->tot_len - rx_off_;
            if (left >= remain) {
                left -= remain;
                rxq_.pop_front();
                rx_off_ = 0;
            } else {
                rx_off_ += left;
                left = 0;
            }
        }
    }
    // Open lwIP's window only by what the app's socket actually took.
    open_window(acked);
    if (rxq_.empty() && remote_fin_ && !fd_wr_shut_ && !app_gone_) {
        ::shutdown(fd_, SHUT_WR);  // the app reads EOF
        fd_wr_shut_ = true;
    }
}

// Debian's lwIP is built with TCP_WND and TCP_SND_BUF of 64 KB: one window per round trip,
// 1.6 MB/s at a 40 ms RTT. It is also built with window scaling (shift 1), so the window can
// be twice that: when the peer agreed to scaling we open the receive window to
// 0xffff << rcv_scale ourselves (tcp_recved clamps it to TCP_WND) and give the send buffer the
// same room (TCP_SND_QUEUELEN, ~180 segments, still bounds it). Through test/netem's relay
// with 20 ms each way (lossy_link.sh delay): 1.54 MB/s before, 2.57 MB/s after.
void TcpConn::widen_windows() {
    if (!pcb_ || !(pcb_->flags & TF_WND_SCALE)) return;
    const uint32_t wider = uint32_t(0xffff) << pcb_->rcv_scale;
    if (wider <= TCP_WND) return;
    wnd_max_ = wider;
    pcb_->rcv_wnd += wider - TCP_WND;
    pcb_->snd_buf += wider - TCP_SND_BUF;
    if (tcp_update_rcv_ann_wnd(pcb_) > 0) {
        tcp_ack_now(pcb_);
        tcp_output(pcb_);
    }
}

void TcpConn::open_window(size_t bytes) {
    if (!pcb_ || bytes == 0) return;
    if (wnd_max_ == 0) {
        while (bytes > 0) {
            u16_t chunk = u16_t(std::min<size_t>(bytes, 0xffff));
            tcp_recved(pcb_, chunk);
            bytes -= chunk;
        }
        return;
    }
    // What tcp_recved does, up to our own maximum.
    pcb_->rcv_wnd = uint32_t(std::min<uint64_t>(uint64_t(pcb_->rcv_wnd) + bytes, wnd_max_));
    if (tcp_update_rcv_ann_wnd(pcb_) >= TCP_WND_UPDATE_THRESHOLD) {
        tcp_ack_now(pcb_);
        tcp_output(pcb_);
    }
}

void TcpConn::settle() {
    if (app_gone_) {
        if (!pcb_) {
            finish(End::close);
        } else if (abort_on_close_ || !rxq_.empty()) {
            abort_after_output();
        } else if (app_eof_ && carry_.empty()) {
            finish(End::close);  // lwIP sends what is queued, then FIN
        }
        return;  // otherwise the app's last bytes are still being read
    }
    if (pcb_ && fin_sent_ && remote_fin_) {
        // Both FINs are out: lwIP may now move the pcb to TIME_WAIT and free it without a
        // callback, so let go of it; only the tail to the app remains.
        struct tcp_pcb* p = pcb_;
        detach_pcb();
        if (tcp_close(p) != ERR_OK) {
            tcp_abort(p);
            if (cb_depth_) aborted_in_cb_ = true;
        }
    }
    bool tx_done = app_eof_ && carry_.empty() && fin_sent_;
    bool rx_done = remote_fin_ && rxq_.empty() && fd_wr_shut_;
    if (tx_done && rx_done) finish(End::close);
}

// The app wrote its last bytes and then closed with ours unread: a kernel socket sends those
// bytes at write() and the RST at close(). A RST discards what lwIP has not sent yet, and inside
// tcp_input for our own pcb lwIP holds tcp_output back until tcp_input ends. So when the close
// is seen there (a segment from the peer woke the pump), the RST waits for that output.
// (A redis in protected mode writes DENIED and closes; its client lost the DENIED 1 time in 15.)
void TcpConn::abort_after_output() {
    if (pcb_ && pcb_->unsent && tcp_input_pcb == pcb_) {
        if (!abort_timer_)
            abort_timer_ = ctx_.reactor().add_timer(0, [this] {
                abort_timer_ = 0;
                finish(End::abort);
            });
        return;
    }
    finish(End::abort);
}

void TcpConn::update_interest() {
    if (!fd_watched_) return;
    uint32_t ev = 0;
    if (!app_eof_ && pcb_ && carry_.empty() && tcp_sndbuf(pcb_) > 0) ev |= EPOLLIN | EPOLLRDHUP;
    if (!rxq_.empty() && !fd_wr_shut_ && !app_gone_) ev |= EPOLLOUT;
    if (ev != watched_events_) {
        ctx_.reactor().set_fd_events(fd_, ev);
        watched_events_ = ev;
    }
}

void TcpConn::finish(End how) {
    if (state_ == State::done) return;
    const State before = state_;
    state_ = State::done;
    if (link_timer_) {
        ctx_.reactor().cancel_timer(link_timer_);
        link_timer_ = 0;
    }
    if (abort_timer_) {
        ctx_.reactor().cancel_timer(abort_timer_);
        abort_timer_ = 0;
    }
    if (pcb_) {
        struct tcp_pcb* p = pcb_;
        detach_pcb();
        bool aborted = how == End::abort;
        if (!aborted && tcp_close(p) != ERR_OK) aborted = true;
        if (aborted) {
            tcp_abort(p);
            if (cb_depth_) aborted_in_cb_ = true;
        }
    }
    if (fd_ >= 0) {
        if (fd_watched_) ctx_.reactor().remove_fd(fd_);
        fd_watched_ = false;
        // A kernel peer learns of a reset only from a RST: close with SO_LINGER {1, 0}. (An
        // app's carrier learns it from unread bytes or the status record.)
        if (external_ && (reset_fd_ || (how == End::abort && before == State::open))) {
            linger lg{1, 0};
            setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        ::close(fd_);
        fd_ = -1;
    }
    rxq_.clear();
    carry_.clear();
    if (role_ == Role::client) bridge_.record_finished(conn_id_);
    bridge_.retire(this);
}

void TcpConn::abort() { finish(End::abort); }

const char* TcpConn::state_name() const {
    switch (state_) {
    case State::connecting: return "SYN_SENT";
    case State::linking: return "ESTABLISHED";  // in the program's accept queue, as a kernel's would be
    case State::done: return "CLOSE";
    case State::open: break;
    }
    if (!pcb_) return "CLOSING";  // both FINs are out; the last bytes are on their way to the program
    static constexpr const char* kNames[] = {"CLOSE",     "LISTEN",     "SYN_SENT", "SYN_RECV",
                                             "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT",
                                             "CLOSING",   "LAST_ACK",   "TIME_WAIT"};
    const auto st = size_t(pcb_->state);
    return st < std::size(kNames) ? kNames[st] : "?";
}

void TcpConn::describe(const UnixSocketTable& table, SocketInfo& out) const {
    out.tcp = true;
    out.state = state_name();
    out.local = local_;
    out.remote = peer_;
    // Our fd's peer is the program's socket: the client's carrier, or the connection the
    // program accepts (SO_PEERCRED then names the process that listens).
    out.pid = peer_pid(fd_);
    out.app_inode = table.peer_of(socket_inode(fd_));
    out.bytes_in = bytes_to_app_;
    out.bytes_out = bytes_from_app_;
}

int TcpConn::set_option(uint16_t option, int32_t value) {
    if (value < 0) return EINVAL;
    switch (ztctl::OptionId(option)) {
    case ztctl::OptionId::keepalive:
        if (pcb_) {
            if (value)
                ip_set_option(pcb_, SOF_KEEPALIVE);
            else
                ip_reset_option(pcb_, SOF_KEEPALIVE);
        }
        return 0;
    case ztctl::OptionId::keepalive_idle:
        if (value == 0) return EINVAL;
        if (pcb_) pcb_->keep_idle = u32_t(value) * 1000u;
        return 0;
    case ztctl::OptionId::keepalive_intvl:
        if (value == 0) return EINVAL;
        if (pcb_) pcb_->keep_intvl = u32_t(value) * 1000u;
        return 0;
    case ztctl::OptionId::keepalive_cnt:
        if (value == 0) return EINVAL;
        if (pcb_) pcb_->keep_cnt = u32_t(value);
        return 0;
    case ztctl::OptionId::abort_on_close:
        abort_on_close_ = value != 0;
        return 0;
    }
    return ENOPROTOOPT;
}

}  // namespace zt::stack

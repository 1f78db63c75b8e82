// Own-address TCP: relay between the client's carrier and a connection into the listener.
#include "stack/unix_splice.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "stack/context.hpp"
#include "stack/tcp_bridge.hpp"
#include "stack/tcp_conn.hpp"
#include "stack/unix_listeners.hpp"

namespace zt::stack {

namespace {
constexpr Ticks kRetryMs = 20;
constexpr Ticks kConnectTimeoutMs = 5000;
constexpr size_t kBufBytes = 64 * 1024;
}  // namespace

UnixSplice::UnixSplice(TcpBridge& bridge, StackContext& ctx, int client_fd, int connector_fd, uint64_t conn_id,
                       uint32_t preamble_len, uint64_t listener_sock_id, const UnixName& lname,
                       const InetAddr& client, const InetAddr& server)
    : bridge_(bridge),
      ctx_(ctx),
      client_fd_(client_fd),
      conn_fd_(connector_fd),
      conn_id_(conn_id),
      preamble_len_(preamble_len),
      listener_sock_id_(listener_sock_id),
      lname_(lname),
      client_(client),
      server_(server) {
    ++ctx_.stats().tcp_splices_total;
}

UnixSplice::~UnixSplice() {
    if (retry_timer_) ctx_.reactor().cancel_timer(retry_timer_);
    release_fds();
}

void UnixSplice::set_upstream_prefix(std::vector<uint8_t> prefix) {
    up_.len = prefix.size();
    up_.off = 0;
    up_.buf = std::move(prefix);
    if (up_.buf.size() < kBufBytes) up_.buf.resize(kBufBytes);
}

void UnixSplice::start() {
    deadline_ = ctx_.reactor().now() + kConnectTimeoutMs;
    try_connect();
}

void UnixSplice::try_connect() {
    if (done_) return;
    if (::connect(conn_fd_, lname_.addr(), lname_.len) != 0) {
        int e = errno;
        if (e == EAGAIN && ctx_.reactor().now() < deadline_) {
            retry_timer_ = ctx_.reactor().add_timer(kRetryMs, [this] {
                retry_timer_ = 0;
                try_connect();
            });
            return;
        }
        if (e == ECONNREFUSED || e == ENOENT) {
            bridge_.listener_gone(listener_sock_id_);
            fail(ECONNREFUSED);
        } else {
            fail(e == EAGAIN ? ETIMEDOUT : e);
        }
        return;
    }
    // Established: release the client's POLLOUT by consuming its whole preamble at once. The
    // client may still be writing it (a blocking send of ~50 KB goes in pieces, and a local
    // listener answers at once): the rest is skipped by the pump as it arrives.
    up_.from = client_fd_;
    up_.to = conn_fd_;
    down_.from = conn_fd_;
    down_.to = client_fd_;
    relaying_ = true;
    if (!skip_preamble()) {  // the client closed before writing all of it
        abort();
        return;
    }
    bridge_.record_end(conn_id_, ztctl::ConnState::established, 0);
    client_watched_ = ctx_.reactor().add_fd(client_fd_, EPOLLIN | EPOLLRDHUP,
                                            [this](uint32_t ev) { handle(client_fd_, ev); });
    conn_watched_ =
        ctx_.reactor().add_fd(conn_fd_, EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { handle(conn_fd_, ev); });
    if (!pump(up_) || !pump(down_)) return;
    update_interest();
}

void UnixSplice::fail(int err) {
    bridge_.record_end(conn_id_, ztctl::ConnState::failed, err);
    close_all();  // the client's preamble is unread: it sees OUT|ERR|HUP
}

void UnixSplice::abort() {
    if (!done_) {
        bridge_.record_end(conn_id_, ztctl::ConnState::closed, ECONNRESET);
        close_all();
    }
}

void UnixSplice::handle(int fd, uint32_t events) {
    if (done_) return;
    if (events & EPOLLERR) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {  // one app closed with bytes unread: reset the other, like TCP
            abort();
            return;
        }
    }
    if (events & EPOLLHUP) {
        // That end is finished for events (HUP cannot be masked); its remaining bytes are read
        // as the other end takes them.
        if (fd == client_fd_ && client_watched_) {
            ctx_.reactor().remove_fd(client_fd_);
            client_watched_ = false;
        }
        if (fd == conn_fd_ && conn_watched_) {
            ctx_.reactor().remove_fd(conn_fd_);
            conn_watched_ = false;
        }
    }
    if (!pump(up_) || !pump(down_)) return;
    if (up_.shut && down_.shut) {
        bridge_.record_end(conn_id_, ztctl::ConnState::closed, 0);
        close_all();
        return;
    }
    update_interest();
}

bool UnixSplice::skip_preamble() {
    uint8_t buf[16384];
    while (preamble_len_ > 0) {
        ssize_t n = ::recv(client_fd_, buf, std::min<size_t>(preamble_len_, sizeof buf), MSG_DONTWAIT);
        if (n > 0) {
            preamble_len_ -= uint32_t(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);  // EOF or error: false
        }
    }
    return true;
}

bool UnixSplice::pump(Dir& d) {
    if (!relaying_ || done_) return false;
    if (&d == &up_ && preamble_len_ > 0) {
        if (!skip_preamble()) {
            abort();
            return false;
        }
        if (preamble_len_ > 0) return true;  // more of it to come
    }
    for (int round = 0; round < 64; ++round) {
        if (d.len > d.off) {
            ssize_t n = ::send(d.to, d.buf.data() + d.off, d.len - d.off, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
                abort();  // EPIPE: the receiving app closed
                return false;
            }
            d.off += size_t(n);
            d.moved += uint64_t(n);
            continue;
        }
        d.off = d.len = 0;
        if (d.eof) {
            if (!d.shut) {
                ::shutdown(d.to, SHUT_WR);
                d.shut = true;
            }
            return true;
        }
        if (d.buf.empty()) d.buf.resize(kBufBytes);
        ssize_t n = ::recv(d.from, d.buf.data(), d.buf.size(), MSG_DONTWAIT);
        if (n > 0) {
            d.len = size_t(n);
            continue;
        }
        if (n == 0) {
            d.eof = true;
            continue;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        abort();  // ECONNRESET: the sending app closed with bytes unread
        return false;
    }
    return true;
}

void UnixSplice::update_interest() {
    auto events_for = [](const Dir& out_of, const Dir& into) {
        uint32_t ev = 0;
        if (!out_of.eof && out_of.len == out_of.off) ev |= EPOLLIN | EPOLLRDHUP;
        if (into.len > into.off) ev |= EPOLLOUT;
        return ev;
    };
    if (client_watched_) ctx_.reactor().set_fd_events(client_fd_, events_for(up_, down_));
    if (conn_watched_) ctx_.reactor().set_fd_events(conn_fd_, events_for(down_, up_));
}

void UnixSplice::close_all() {
    if (done_) return;
    done_ = true;
    if (retry_timer_) ctx_.reactor().cancel_timer(retry_timer_);
    retry_timer_ = 0;
    release_fds();
    bridge_.record_finished(conn_id_);
    bridge_.retire(this);
}

void UnixSplice::describe(const UnixSocketTable& table, std::vector<SocketInfo>& out) const {
    if (done_) return;
    // One direction finished: the side that sent its EOF waits for the other (FIN_WAIT2), the
    // side that got it may still send (CLOSE_WAIT).
    auto state = [this](const Dir& sent, const Dir& got) {
        if (!relaying_) return "SYN_SENT";
        if (sent.eof && !got.eof) return "FIN_WAIT2";
        if (got.eof && !sent.eof) return "CLOSE_WAIT";
        return sent.eof ? "CLOSING" : "ESTABLISHED";
    };
    SocketInfo c;
    c.tcp = true;
    c.state = state(up_, down_);
    c.local = client_;
    c.remote = server_;
    c.pid = peer_pid(client_fd_);
    c.app_inode = table.peer_of(socket_inode(client_fd_));
    c.bytes_in = down_.moved;
    c.bytes_out = up_.moved;
    out.push_back(c);
    if (!relaying_) return;
    SocketInfo s;
    s.tcp = true;
    s.state = state(down_, up_);
    s.local = server_;
    s.remote = client_;
    s.pid = peer_pid(conn_fd_);  // the process that listens
    s.app_inode = table.peer_of(socket_inode(conn_fd_));
    s.bytes_in = up_.moved;
    s.bytes_out = down_.moved;
    out.push_back(s);
}

void UnixSplice::release_fds() {
    if (client_watched_) ctx_.reactor().remove_fd(client_fd_);
    if (conn_watched_) ctx_.reactor().remove_fd(conn_fd_);
    client_watched_ = conn_watched_ = false;
    if (client_fd_ >= 0) ::close(client_fd_);
    if (conn_fd_ >= 0) ::close(conn_fd_);
    client_fd_ = conn_fd_ = -1;
}

}  // namespace zt::stack

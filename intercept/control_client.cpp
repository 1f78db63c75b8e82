// Control connection: discovery, spawn-and-retry, request/reply, hello and the route table.
#include "intercept/control_client.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "ipc/control_protocol.hpp"
#include "intercept/log.hpp"
#include "intercept/names.hpp"
#include "intercept/own_fds.hpp"
#include "intercept/privileges.hpp"
#include "intercept/quiet_spawn.hpp"
#include "intercept/real.hpp"

namespace zti::ctl {
namespace {

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
uint32_t g_next_req = 0;           // guarded by g_mu
int64_t g_down_until_ms = 0;       // no node: do not try again before this (guarded by g_mu)
std::atomic<int64_t> g_last_hello_ms{0};

// Readers take a pointer to the newest table; a table is rewritten only four publications later.
RouteTable g_tables[4];
std::atomic<int> g_table_idx{-1};
int g_table_next = 0;              // guarded by g_mu

constexpr int kReplyTimeoutMs = 10000;
constexpr int kSpawnWaitMs = 10000;
// Once the node answers, how long its starter gets to exit (`ztnode --daemonize` exits right after
// forking the daemon, which happens once the node serves).
constexpr int kStarterExitMs = 2000;
constexpr int kNodeDownRetryMs = 30000;
// How old a route table may get before the next routing decision asks the node again: networks
// get their addresses from a controller, and configurations change while programs run.
constexpr int64_t kRouteRefreshMs = 1000;
constexpr int64_t kRouteRefreshIncompleteMs = 500;

int64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms) {
    timespec ts{ms / 1000, long(ms % 1000) * 1000000L};
    nanosleep(&ts, nullptr);
}

// Starters not reaped yet (guarded by g_mu): one slower to exit than kStarterExitMs, or than
// kSpawnWaitMs when the node never answered. Reaped without waiting before each connection;
// forgotten in a forked child, whose children they are not.
int g_unreaped[4] = {-1, -1, -1, -1};

void reap_quiet_children_locked() {
    for (int& pid : g_unreaped) {
        if (pid < 0) continue;
        int st = 0;
        const pid_t w = wait_quiet_child(pid, &st, WNOHANG);
        if (w == pid || (w < 0 && errno == ECHILD)) pid = -1;
    }
}

void keep_unreaped_locked(int pid) {
    for (int& slot : g_unreaped)
        if (slot < 0) {
            slot = pid;
            return;
        }
    ZTI_DEBUG("ctl: starter %d left unreaped (four others are)", pid);
}

struct Lock {
    Lock() { pthread_mutex_lock(&g_mu); }
    ~Lock() { pthread_mutex_unlock(&g_mu); }
};

void drop_connection() {
    const int fd = own_fd(OwnFd::control);
    if (fd < 0) return;
    // If the number no longer holds our socket, it is the app's now: forget it without closing.
    drop_own_fd(OwnFd::control, own_fd_valid(OwnFd::control));
}

// Connected, ours, and the node has not hung up.
bool connection_alive() {
    const int fd = own_fd(OwnFd::control);
    if (fd < 0) return false;
    if (!own_fd_valid(OwnFd::control)) return false;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))) return false;
    return true;
}

// Receives one message into buf; an attached fd goes to *fd_out (else closed). Returns the
// length, 0 on EOF, -1 with an errno.
ssize_t recv_msg(int fd, void* buf, size_t cap, int* fd_out) {
    const int64_t deadline = mono_ms() + kReplyTimeoutMs;
    for (;;) {
        const int64_t left = deadline - mono_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        pollfd p{fd, POLLIN, 0};
        const int r = poll(&p, 1, int(left));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r == 0) errno = ETIMEDOUT;
            return -1;
        }
        break;
    }
    iovec iov{buf, cap};
    alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    ssize_t n;
    do {
        n = real::recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    int got = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        const size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < nfds; ++i) {
            int f;
            std::memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof f);
            if (got < 0 && fd_out) {
                got = f;
            } else {
                real::close(f);
            }
        }
    }
    if (fd_out) *fd_out = got;
    if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        if (got >= 0) real::close(got);
        if (fd_out) *fd_out = -1;
        errno = EPROTO;
        return -1;
    }
    return n;
}

// Caller holds g_mu. Sends one request and reads its reply.
int exchange_locked(void* req, size_t req_len, void* reply, size_t cap, size_t* reply_len, int* fd_out) {
    const int fd = own_fd(OwnFd::control);
    auto* h = static_cast<ztctl::MsgHeader*>(req);
    h->version = ztctl::kVersion;
    h->req_id = ++g_next_req;
    ssize_t n;
    do {
        n = real::send(fd, req, req_len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n != ssize_t(req_len)) return ECONNRESET;
    for (;;) {
        int f = -1;
        n = recv_msg(fd, reply, cap, fd_out ? &f : nullptr);
        if (n < 0) return errno == ETIMEDOUT ? ETIMEDOUT : (errno == EPROTO ? EPROTO : ECONNRESET);
        if (n == 0) return ECONNRESET;
        ztctl::ReplyHeader rh;
        if (size_t(n) < sizeof rh) {
            if (f >= 0) real::close(f);
            return EPROTO;
        }
        std::memcpy(&rh, reply, sizeof rh);
        if (rh.h.req_id != h->req_id) {  // a late reply to an abandoned request
            if (f >= 0) real::close(f);
            continue;
        }
        if (rh.h.version != ztctl::kVersion || rh.h.op != h->op) {
            if (f >= 0) real::close(f);
            return EPROTO;
        }
        *reply_len = size_t(n);
        if (fd_out) *fd_out = f;
        return 0;
    }
}

// Caller holds g_mu: the hello exchange on a fresh connection; publishes the route table.
bool hello_locked() {
    ztctl::Hello req{};
    req.h.op = ztctl::Op::hello;
    req.pid = int32_t(getpid());
    alignas(8) static unsigned char buf[sizeof(ztctl::HelloReply) + ztctl::kMaxNetworks * sizeof(ztctl::NetworkInfo)];
    size_t n = 0;
    const int err = exchange_locked(&req, sizeof req, buf, sizeof buf, &n, nullptr);
    if (err) {
        ZTI_DEBUG("ctl: hello failed: %s", strerror(err));
        return false;
    }
    ztctl::HelloReply hr;
    if (n < sizeof hr) return false;
    std::memcpy(&hr, buf, sizeof hr);
    if (hr.r.err != 0 || hr.network_count > ztctl::kMaxNetworks ||
        n != sizeof hr + hr.network_count * sizeof(ztctl::NetworkInfo)) {
        ZTI_DEBUG("ctl: bad hello reply (len %zu, err %d, networks %u)", n, int(hr.r.err), hr.network_count);
        return false;
    }
    static ztctl::NetworkInfo nets[ztctl::kMaxNetworks];
    std::memcpy(nets, buf + sizeof hr, hr.network_count * sizeof(ztctl::NetworkInfo));
    const int idx = g_table_next;
    g_table_next = (g_table_next + 1) % 4;
    build_routes(g_tables[idx], nets, hr.network_count);
    g_table_idx.store(idx, std::memory_order_release);
    g_last_hello_ms.store(mono_ms(), std::memory_order_relaxed);
    ZTI_DEBUG("ctl: hello: node %010llx, %u networks, %d prefixes%s", (unsigned long long)hr.node_address,
              hr.network_count, g_tables[idx].count, g_tables[idx].incomplete ? " (incomplete)" : "");
    return true;
}

// Caller holds g_mu: the first request of every connection. A node that trusts our uid hands us
// the home's access key; one that does not wants to see it (or hangs up).
bool attach_locked() {
    ztctl::Attach req{};
    req.h.op = ztctl::Op::attach;
    req.pid = int32_t(getpid());
    const bool had_key = access_key(req.key);
    ztctl::AttachReply rep{};
    size_t n = 0;
    const int err = exchange_locked(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
    if (err == 0 && n >= sizeof(ztctl::ReplyHeader) && rep.r.err == EACCES) {
        log_problem("the node of %s refused this process (uid %u): %s", g_cfg.home, unsigned(geteuid()),
                   had_key ? "the access key does not match" : "another uid needs the home's access key");
        return false;
    }
    if (err || n != sizeof rep || rep.r.err != 0) {
        ZTI_DEBUG("ctl: attach failed: %s", strerror(err ? err : (n != sizeof rep ? EPROTO : int(rep.r.err))));
        return false;
    }
    set_node_uid(rep.node_uid);
    set_access_key(rep.key);
    return true;
}

// Caller holds g_mu: asks the node to join the networks of ZT_NETWORKS (it may run for another
// program of the home and not be on them yet). A refusal is the node's to log; only a broken
// connection fails.
bool joins_locked() {
    for (int i = 0; i < g_cfg.join_count; ++i) {
        ztctl::Join req = g_cfg.joins[i];
        req.h.op = ztctl::Op::join;
        ztctl::ReplyHeader rep{};
        size_t n = 0;
        const int err = exchange_locked(&req, sizeof req, &rep, sizeof rep, &n, nullptr);
        if (err) {
            ZTI_DEBUG("ctl: join %016llx failed: %s", (unsigned long long)req.nwid, strerror(err));
            return false;
        }
        ZTI_DEBUG("ctl: join %016llx: %d", (unsigned long long)req.nwid, n >= sizeof rep ? int(rep.err) : -1);
    }
    return true;
}

// One connection attempt to 'K'. Returns the fd, or -1 with errno.
int try_connect_node() {
    const int s = real::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    const UnixName k = node_name(ztctl::NameKind::control, g_cfg.home_hash);
    int r;
    do {
        r = real::connect(s, reinterpret_cast<const sockaddr*>(&k.sun), k.len);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        const int e = errno;
        real::close(s);
        errno = e;
        return -1;
    }
    if (!peer_is_us(s)) {
        ZTI_DEBUG("ctl: control listener is owned by another uid; refusing it");
        real::close(s);
        errno = EACCES;
        return -1;
    }
    return s;
}

// Caller holds g_mu. Starts the node (node_spawn.cpp) and connects to it: the fd, or -1. The
// starter (a quiet child) is reaped here: it exits once the node serves, or at once if the node
// failed or another one serves the home. One that lags is kept for a later reaping.
int start_node_locked() {
    long stderr_offset = 0;
    const int pid = spawn_node(&stderr_offset);
    if (pid < 0) return -1;
    int s = -1;
    bool exited = false;
    int64_t deadline = mono_ms() + kSpawnWaitMs;
    int delay = 5;
    for (;;) {
        sleep_ms(delay);
        delay = delay * 2 > 200 ? 200 : delay * 2;
        if (!exited) {
            int st = 0;
            const pid_t w = wait_quiet_child(pid, &st, WNOHANG);
            if (w == pid || (w < 0 && errno == ECHILD)) {
                exited = true;
                if (w == pid && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
                    ZTI_DEBUG("ctl: node start failed (status %d)", st);
                    report_start_failure(st, stderr_offset);
                    break;
                }
            }
        }
        if (s < 0 && (s = try_connect_node()) >= 0) {
            const int64_t starter_deadline = mono_ms() + kStarterExitMs;
            if (starter_deadline < deadline) deadline = starter_deadline;
            delay = 1;
        }
        if (s >= 0 && exited) break;
        if (mono_ms() >= deadline) {
            if (s < 0) report_start_failure(-1, stderr_offset);
            break;
        }
    }
    if (!exited) keep_unreaped_locked(pid);
    return s;
}

// Caller holds g_mu. Connects (spawning the node if nobody listens) and says hello.
bool connect_locked() {
    if (connection_alive()) return true;
    drop_connection();
    reap_quiet_children_locked();
    const int64_t now = mono_ms();
    if (now < g_down_until_ms) return false;
    int s = try_connect_node();
    if (s < 0 && (errno == ECONNREFUSED || errno == ENOENT || errno == EAGAIN)) {
        ZTI_DEBUG("ctl: no node listening; starting one");
        s = start_node_locked();
    }
    if (s < 0) {
        ZTI_DEBUG("ctl: no node reachable for %s", g_cfg.home);
        g_down_until_ms = mono_ms() + kNodeDownRetryMs;
        return false;
    }
    park_fd(s, OwnFd::control);
    if (!attach_locked() || !joins_locked() || !hello_locked()) {
        drop_connection();
        g_down_until_ms = mono_ms() + kNodeDownRetryMs;
        return false;
    }
    g_down_until_ms = 0;
    node_reached();
    return true;
}

}  // namespace

bool peer_is_us(int fd) noexcept {
    ucred cr{};
    socklen_t len = sizeof cr;
    if (real::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) return false;
    return trusted_peer_uid(cr.uid);
}

uint64_t random_id() noexcept {
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) != ssize_t(sizeof v) || v == 0) {
        static std::atomic<uint64_t> counter{0};
        timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        v = (uint64_t(ts.tv_nsec) << 20) ^ uint64_t(ts.tv_sec) ^ (uint64_t(getpid()) << 40) ^
            (counter.fetch_add(0x9e3779b97f4a7c15ULL) + 1);
    }
    return v;
}

int call(void* req, size_t req_len, void* reply, size_t reply_cap, size_t* reply_len, int* fd_out) noexcept {
    Guard guard;
    if (fd_out) *fd_out = -1;
    Lock lock;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!connect_locked()) return ENETUNREACH;
        const int err = exchange_locked(req, req_len, reply, reply_cap, reply_len, fd_out);
        if (err == 0) return 0;
        ZTI_DEBUG("ctl: request op %d failed: %s", int(static_cast<ztctl::MsgHeader*>(req)->op), strerror(err));
        drop_connection();
        if (err != ECONNRESET) return err;
    }
    return ENETUNREACH;
}

const RouteTable* routes() noexcept {
    int idx = g_table_idx.load(std::memory_order_acquire);
    if (idx >= 0) {
        const int64_t age = mono_ms() - g_last_hello_ms.load(std::memory_order_relaxed);
        if (age < (g_tables[idx].incomplete ? kRouteRefreshIncompleteMs : kRouteRefreshMs)) return &g_tables[idx];
    }
    Guard guard;
    Lock lock;
    if (connection_alive()) {
        hello_locked();
    } else {
        connect_locked();
    }
    idx = g_table_idx.load(std::memory_order_acquire);
    return idx >= 0 ? &g_tables[idx] : nullptr;
}

bool ensure_node() noexcept {
    Guard guard;
    Lock lock;
    return connect_locked();
}

void atfork_prepare() noexcept { pthread_mutex_lock(&g_mu); }
void atfork_parent() noexcept { pthread_mutex_unlock(&g_mu); }
void atfork_child() noexcept {
    g_pid = int(getpid());
    for (int& pid : g_unreaped) pid = -1;
    pthread_mutex_unlock(&g_mu);
    // The child opens its own control connection on first need; the parent's stays the parent's.
    const int fd = own_fd(OwnFd::control);
    if (fd >= 0) drop_own_fd(OwnFd::control, true);
}

void relocate_control_fd() noexcept {
    Lock lock;
    move_own_fd(OwnFd::control);
}

}  // namespace zti::ctl

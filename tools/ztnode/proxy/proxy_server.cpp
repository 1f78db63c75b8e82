// SOCKS5 and HTTP proxy, forwards and exposes (proxy_server.hpp).
#include "tools/ztnode/proxy/proxy_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "ipc/control_protocol.hpp"
#include "ipc/dns_message.hpp"
#include "tools/ztnode/proxy/http_proxy.hpp"
#include "stack/sockaddr.hpp"
#include "tools/ztnode/proxy/socks5.hpp"
#include "tools/ztnode/proxy/udp_relay.hpp"

namespace zt::node {

namespace {

constexpr Ticks kHandshakeMs = 30000;  // from accept until the request names a target
constexpr size_t kMaxSessions = 1024;         // clients still in their handshake
constexpr size_t kMaxInput = 64 * 1024;       // handshake bytes held (the rest waits in the socket)
constexpr size_t kRelayBuf = 64 * 1024;
constexpr int kAcceptBatch = 64;
constexpr Ticks kDnsWaitMs = 1500;  // per server and attempt
constexpr int kDnsAttempts = 2;

void send_all(int fd, const void* data, size_t len) {
    // Replies are small and go into an empty socket buffer: one send takes them.
    if (len) (void)::send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void set_reset_on_close(int fd) {
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
}

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
    }
    if (const size_t rest = in.size() - i) {
        uint32_t v = uint32_t(uint8_t(in[i])) << 16;
        if (rest == 2) v |= uint32_t(uint8_t(in[i + 1])) << 8;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

// Compares without an early exit on the first difference.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    uint8_t diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= uint8_t(a[i] ^ b[i]);
    return diff == 0;
}

uint8_t socks_code_for(int err) {
    switch (err) {
    case ECONNREFUSED: return socks5::kConnectionRefused;
    case ENETUNREACH: return socks5::kNetworkUnreachable;
    case EHOSTUNREACH:
    case ETIMEDOUT: return socks5::kHostUnreachable;
    default: return socks5::kGeneralFailure;
    }
}

int http_status_for(int err) { return err == ETIMEDOUT ? 504 : 502; }

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// What the client hears once its target answers (SOCKS reply 0, HTTP 200 for CONNECT; nothing
// for an absolute-form request or a forward) or fails (the errno's SOCKS code or HTTP status).
std::vector<uint8_t> success_reply(ProxyServer::Kind kind, bool http_connect, const stack::InetAddr& local) {
    if (kind == ProxyServer::Kind::socks) return socks5::reply(socks5::kSucceeded, local);
    if (kind == ProxyServer::Kind::http && http_connect) return bytes(http_proxy::response(200));
    return {};
}

std::vector<uint8_t> failure_reply(ProxyServer::Kind kind, int err) {
    if (kind == ProxyServer::Kind::socks) return socks5::reply(socks_code_for(err), {});
    if (kind == ProxyServer::Kind::http) return bytes(http_proxy::response(http_status_for(err)));
    return {};
}

}  // namespace

struct ProxyServer::Listener {
    Kind kind{};
    int fd = -1;
    stack::InetAddr at, target;
    std::shared_ptr<ListenerStatus> st = std::make_shared<ListenerStatus>();
    std::unique_ptr<UdpRelay> udp;  // a UDP forward or expose
};

struct ProxyServer::Session {
    enum class Stage : uint8_t { greeting, auth, request, http_head, outside, resolving };
    Listener* l = nullptr;
    int fd = -1;
    Stage stage = Stage::greeting;
    std::vector<uint8_t> in;           // handshake bytes not yet consumed
    std::vector<uint8_t> upstream;     // for the target ahead of the client's bytes
    bool http_connect = false;
    stack::Reactor::TimerId timer = 0;
    bool ended = false;                // end() ran; deleted after the current handler
    int out_fd = -1;                   // outside: the kernel connection being made
    std::string label;                 // the target, for logs
    // resolving: the name, its zone's servers, where we are in them
    DnsZone zone;
    std::string name;
    uint16_t port = 0;
    int dns_fd = -1;
    int dns_family = AF_INET;
    size_t dns_server = 0;
    int dns_attempt = 0;
    uint16_t dns_id = 0;
    stack::Reactor::TimerId dns_timer = 0;
};

struct ProxyServer::UdpAssoc {
    Listener* l = nullptr;
    int tcp_fd = -1;                  // the control connection: the association lives with it
    int udp_fd = -1;                  // the relay port the client sends to (kernel UDP)
    int vfd = -1;                     // our virtual UDP socket on the networks
    stack::InetAddr client_ip;        // datagrams from elsewhere are dropped
    stack::InetAddr client;           // the client's UDP address, once known
    uint64_t dropped = 0;
    bool ended = false;
};

// Relays bytes between two kernel TCP sockets (a proxy client and a target outside the
// networks), both ways, with back-pressure; EOF becomes shutdown(SHUT_WR); a reset on one side
// resets the other.
class ProxyServer::KernelRelay {
public:
    KernelRelay(ProxyServer& owner, int a, int b, std::vector<uint8_t> a_to_b_prefix) : owner_(owner) {
        ab_.from = ba_.to = a;
        ab_.to = ba_.from = b;
        ab_.len = a_to_b_prefix.size();  // may exceed kRelayBuf: the buffer grows to hold it
        ab_.buf = std::move(a_to_b_prefix);
        ab_.buf.resize(std::max(ab_.len, kRelayBuf));
        ba_.buf.resize(kRelayBuf);
    }
    ~KernelRelay() {
        for (int fd : {ab_.from, ab_.to}) {
            if (fd < 0) continue;
            owner_.loop_.remove_fd(fd);
            ::close(fd);
        }
    }
    void start() {
        owner_.loop_.add_fd(ab_.from, 0, [this](uint32_t ev) { on_event(ab_.from, ev); });
        owner_.loop_.add_fd(ab_.to, 0, [this](uint32_t ev) { on_event(ab_.to, ev); });
        on_event(-1, 0);
    }

private:
    struct Dir {
        int from = -1, to = -1;
        std::vector<uint8_t> buf;
        size_t off = 0, len = 0;
        bool eof = false, shut = false;
    };
    // false: a reset; the relay is over.
    bool pump(Dir& d) {
        for (int round = 0; round < 64; ++round) {
            if (d.len > d.off) {
                ssize_t n = ::send(d.to, d.buf.data() + d.off, d.len - d.off, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                    if (errno == EINTR) continue;
                    return errno == EAGAIN || errno == EWOULDBLOCK;
                }
                d.off += size_t(n);
                continue;
            }
            d.off = d.len = 0;
            if (d.eof) {
                if (!d.shut) ::shutdown(d.to, SHUT_WR);
                d.shut = true;
                return true;
            }
            ssize_t n = ::recv(d.from, d.buf.data(), d.buf.size(), MSG_DONTWAIT);
            if (n > 0) {
                d.len = size_t(n);
            } else if (n == 0) {
                d.eof = true;
            } else if (errno != EINTR) {
                return errno == EAGAIN || errno == EWOULDBLOCK;
            }
        }
        return true;
    }
    void on_event(int fd, uint32_t events) {
        if (done_) return;
        if (fd >= 0 && (events & EPOLLERR)) {
            int err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err) return reset(fd);
        }
        if (!pump(ab_)) return reset(ab_.from);
        if (!pump(ba_)) return reset(ba_.from);
        if (ab_.shut && ba_.shut) return finish();
        auto interest = [](const Dir& out_of, const Dir& into) {
            uint32_t ev = 0;
            if (!out_of.eof && out_of.len == out_of.off) ev |= EPOLLIN | EPOLLRDHUP;
            if (into.len > into.off) ev |= EPOLLOUT;
            return ev;
        };
        owner_.loop_.set_fd_events(ab_.from, interest(ab_, ba_));
        owner_.loop_.set_fd_events(ab_.to, interest(ba_, ab_));
    }
    // One side reset or failed: the other gets a RST too.
    void reset(int) {
        set_reset_on_close(ab_.from);
        set_reset_on_close(ab_.to);
        finish();
    }
    void finish() {
        done_ = true;
        owner_.loop_.defer([o = &owner_, self = this] { o->relays_.erase(self); });
    }

    ProxyServer& owner_;
    Dir ab_, ba_;
    bool done_ = false;
};

ProxyServer::ProxyServer(EventLoop& loop, stack::Stack& stack, const Config& cfg)
    : loop_(loop), stack_(stack), cfg_(cfg) {
    if (!cfg_.proxy_user.empty()) basic_auth_ = "Basic " + base64(cfg_.proxy_user + ":" + cfg_.proxy_password);
}

ProxyServer::~ProxyServer() {
    for (auto& [raw, a] : assocs_)
        for (int fd : {a->tcp_fd, a->udp_fd, a->vfd}) {
            if (fd < 0) continue;
            loop_.remove_fd(fd);
            ::close(fd);
        }
    for (auto& [raw, s] : sessions_) {
        if (s->timer) loop_.cancel_timer(s->timer);
        for (int fd : {s->fd, s->out_fd}) {
            if (fd < 0) continue;
            loop_.remove_fd(fd);
            ::close(fd);
        }
    }
    relays_.clear();
    for (auto& l : listeners_) {
        if (l->fd < 0) continue;
        loop_.remove_fd(l->fd);
        ::close(l->fd);
    }
}

const char* ProxyServer::kind_name(Kind k) {
    switch (k) {
    case Kind::socks: return "socks";
    case Kind::http: return "http_proxy";
    case Kind::forward: return "forward";
    case Kind::expose: return "expose";
    }
    return "?";
}

bool ProxyServer::start(std::string& error) {
    if (cfg_.socks.family && !open_listener(Kind::socks, cfg_.socks, {}, error)) return false;
    if (cfg_.http_proxy.family && !open_listener(Kind::http, cfg_.http_proxy, {}, error)) return false;
    // A forward or expose as a listener record; UDP ones carry their relay.
    auto add = [this](Kind kind, const ForwardConfig& f) -> Listener& {
        auto l = std::make_unique<Listener>();
        l->kind = kind;
        l->at = f.from;
        l->target = f.to;
        if (f.udp) l->udp = std::make_unique<UdpRelay>(loop_, stack_, kind == Kind::expose, f.from, f.to);
        listeners_.push_back(std::move(l));
        return *listeners_.back();
    };
    for (const auto& f : cfg_.forwards) {
        if (!f.udp) {
            if (!open_listener(Kind::forward, f.from, f.to, error)) return false;
            continue;
        }
        if (int err = add(Kind::forward, f).udp->start()) {
            error = "forward " + f.to_string() + ": " + std::strerror(err);
            return false;
        }
    }
    for (const auto& e : cfg_.exposes) {
        // A UDP expose on an address the controller has not assigned yet opens when the
        // networks change.
        int err = e.udp ? add(Kind::expose, e).udp->start() : stack_.expose(e.from, e.to);
        if (err && !(e.udp && err == EADDRNOTAVAIL)) {
            error = "expose " + e.to_string() + ": " + std::strerror(err);
            return false;
        }
        if (!e.udp) add(Kind::expose, e);
    }
    return true;
}

bool ProxyServer::open_listener(Kind kind, const stack::InetAddr& at, const stack::InetAddr& target, std::string& error) {
    const std::string what = std::string(kind_name(kind)) + " " + at.to_string();
    int fd = ::socket(at.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = what + ": socket: " + std::strerror(errno);
        return false;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage ss;
    socklen_t len = stack::to_sockaddr(at, ss);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(fd, 512) != 0) {
        error = what + ": " + std::strerror(errno);
        ::close(fd);
        return false;
    }
    auto l = std::make_unique<Listener>();
    l->kind = kind;
    l->fd = fd;
    l->at = at;
    l->target = target;
    Listener* raw = l.get();
    listeners_.push_back(std::move(l));
    loop_.add_fd(fd, EPOLLIN, [this, raw](uint32_t) { on_accept(*raw); });
    spdlog::info("{} listening{}{}", what, target.family ? " -> " : "", target.family ? target.to_string() : "");
    return true;
}

void ProxyServer::networks_changed(std::vector<DnsZone> zones) {
    zones_ = std::move(zones);
    for (auto& l : listeners_)
        if (l->udp && !l->udp->started()) {
            if (int err = l->udp->start(); err && err != EADDRNOTAVAIL)
                spdlog::warn("expose udp {}: {}", l->at.to_string(), std::strerror(err));
        }
}

std::vector<ProxyServer::ListenerStatus> ProxyServer::status() const {
    std::vector<ListenerStatus> out;
    for (const auto& l : listeners_) {
        ListenerStatus s = *l->st;
        if (l->udp) {  // flows, datagrams carried, datagrams dropped
            s.udp = true;
            s.accepted = l->udp->counters().flows;
            s.connected = l->udp->counters().datagrams;
            s.failed = l->udp->counters().dropped;
        }
        s.kind = l->kind;
        s.listen = l->at.to_string();
        s.target = l->target.family ? l->target.to_string() : "";
        out.push_back(std::move(s));
    }
    return out;
}

void ProxyServer::on_accept(Listener& l) {
    for (int i = 0; i < kAcceptBatch; ++i) {
        int fd = ::accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
                spdlog::warn("{} {}: accept: {}", kind_name(l.kind), l.at.to_string(), std::strerror(errno));
            return;
        }
        ++l.st->accepted;
        if (l.kind == Kind::forward) {
            auto s = std::make_unique<Session>();
            s->l = &l;
            s->fd = fd;
            Session* raw = s.get();
            sessions_.emplace(raw, std::move(s));
            connect_target(*raw, l.target, l.target.to_string());
            continue;
        }
        if (sessions_.size() >= kMaxSessions) {
            ++l.st->refused;
            set_reset_on_close(fd);
            ::close(fd);
            continue;
        }
        auto s = std::make_unique<Session>();
        s->l = &l;
        s->fd = fd;
        s->stage = l.kind == Kind::socks ? Session::Stage::greeting : Session::Stage::http_head;
        Session* raw = s.get();
        sessions_.emplace(raw, std::move(s));
        raw->timer = loop_.add_timer(kHandshakeMs, [this, raw] {
            raw->timer = 0;
            spdlog::debug("{}: handshake timed out", kind_name(raw->l->kind));
            ++raw->l->st->refused;
            refuse(*raw, {});
        });
        loop_.add_fd(fd, EPOLLIN | EPOLLRDHUP, [this, raw](uint32_t ev) { on_session_event(*raw, ev); });
    }
}

void ProxyServer::on_session_event(Session& s, uint32_t events) {
    if (s.ended || s.fd < 0) return;
    if (s.stage == Session::Stage::outside || s.stage == Session::Stage::resolving) {
        // Only HUP/ERR are reported while we resolve or connect.
        if (events & (EPOLLHUP | EPOLLERR)) refuse(s, {});
        return;
    }
    bool eof = false;
    while (s.in.size() < kMaxInput) {
        uint8_t buf[4096];
        ssize_t n = ::recv(s.fd, buf, std::min(sizeof buf, kMaxInput - s.in.size()), MSG_DONTWAIT);
        if (n > 0) {
            s.in.insert(s.in.end(), buf, buf + n);
            continue;
        }
        if (n == 0) eof = true;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) eof = true;
        break;
    }
    advance(s);
    if (s.ended || s.fd < 0 || s.stage == Session::Stage::outside || s.stage == Session::Stage::resolving) return;
    if (eof || (events & (EPOLLHUP | EPOLLERR))) {
        // The client gave up (or half-closed) before it named a target.
        end(s);
        return;
    }
    if (s.in.size() >= kMaxInput) {
        ++s.l->st->refused;
        refuse(s, s.l->kind == Kind::http ? bytes(http_proxy::response(431)) : std::vector<uint8_t>{});
    }
}

void ProxyServer::advance(Session& s) {
    if (s.l->kind == Kind::socks)
        advance_socks(s);
    else
        advance_http(s);
}

bool ProxyServer::auth_ok(const std::string& user, const std::string& password) const {
    // Both compared whole, so that the time taken does not tell which one was wrong.
    const bool u = same_secret(user, cfg_.proxy_user);
    const bool p = same_secret(password, cfg_.proxy_password);
    return u && p;
}

void ProxyServer::advance_socks(Session& s) {
    using socks5::Parse;
    const bool need_auth = !cfg_.proxy_user.empty();
    while (s.fd >= 0 && !s.ended) {
        size_t used = 0;
        switch (s.stage) {
        case Session::Stage::greeting: {
            socks5::Greeting g;
            Parse p = socks5::parse_greeting(s.in, used, g);
            if (p == Parse::need_more) return;
            if (p == Parse::bad) {
                ++s.l->st->refused;
                return refuse(s, {});  // not SOCKS5: no reply we could send
            }
            s.in.erase(s.in.begin(), s.in.begin() + ptrdiff_t(used));
            const uint8_t method = need_auth ? socks5::kMethodUserPass : socks5::kMethodNone;
            if (!g.offers(method)) {
                ++s.l->st->refused;
                return refuse(s, {socks5::kVersion, socks5::kMethodUnacceptable});
            }
            const uint8_t chosen[] = {socks5::kVersion, method};
            send_all(s.fd, chosen, sizeof chosen);
            s.stage = need_auth ? Session::Stage::auth : Session::Stage::request;
            break;
        }
        case Session::Stage::auth: {
            socks5::Credentials c;
            Parse p = socks5::parse_auth(s.in, used, c);
            if (p == Parse::need_more) return;
            if (p == Parse::bad || !auth_ok(c.user, c.password)) {
                ++s.l->st->refused;
                spdlog::info("socks: authentication failed");
                return refuse(s, {socks5::kAuthVersion, 1});
            }
            s.in.erase(s.in.begin(), s.in.begin() + ptrdiff_t(used));
            const uint8_t ok[] = {socks5::kAuthVersion, 0};
            send_all(s.fd, ok, sizeof ok);
            s.stage = Session::Stage::request;
            break;
        }
        case Session::Stage::request: {
            socks5::Request r;
            uint8_t code = 0;
            Parse p = socks5::parse_request(s.in, used, r, code);
            if (p == Parse::need_more) return;
            if (p == Parse::bad) {
                ++s.l->st->refused;
                return refuse(s, code ? socks5::reply(code, {}) : std::vector<uint8_t>{});
            }
            s.in.erase(s.in.begin(), s.in.begin() + ptrdiff_t(used));
            if (r.cmd == socks5::kCmdUdpAssociate) return udp_associate(s, r.target);
            if (r.cmd != socks5::kCmdConnect) {
                ++s.l->st->refused;
                return refuse(s, socks5::reply(socks5::kCommandNotSupported, {}));
            }
            s.label = r.target.to_string();
            if (!r.target.ip) return resolve_name(s, r.target.host, r.target.port);
            return connect_target(s, *r.target.ip, s.label);
        }
        default:
            return;
        }
    }
}

void ProxyServer::advance_http(Session& s) {
    std::string_view text(reinterpret_cast<const char*>(s.in.data()), s.in.size());
    size_t head_len = 0;
    int status = 0;
    http_proxy::Request r;
    auto p = http_proxy::parse(text, head_len, r, status);
    if (p == http_proxy::Parse::need_more) return;
    if (p == http_proxy::Parse::bad) {
        ++s.l->st->refused;
        return refuse(s, bytes(http_proxy::response(status)));
    }
    if (!basic_auth_.empty() && !same_secret(r.proxy_authorization, basic_auth_)) {
        ++s.l->st->refused;
        spdlog::info("http_proxy: authentication {}", r.proxy_authorization.empty() ? "missing" : "failed");
        return refuse(s, bytes(http_proxy::response(407, "Proxy-Authenticate: Basic realm=\"ztintercept\"\r\n")));
    }
    s.in.erase(s.in.begin(), s.in.begin() + ptrdiff_t(head_len));
    s.http_connect = r.connect;
    s.upstream.assign(r.upstream_head.begin(), r.upstream_head.end());
    s.label = r.target_string();
    if (!r.ip) return resolve_name(s, r.host, r.port);
    connect_target(s, *r.ip, s.label);
}

void ProxyServer::connect_target(Session& s, const stack::InetAddr& dst_in, const std::string& label) {
    const stack::InetAddr dst = dst_in.unmapped();
    if (!stack_.on_network(dst)) {
        if (cfg_.proxy_outside && s.l->kind != Kind::forward) return connect_outside(s, dst);
        ++s.l->st->refused;
        spdlog::info("{}: {} is outside the networks: refused", kind_name(s.l->kind), label);
        switch (s.l->kind) {
        case Kind::socks: return refuse(s, socks5::reply(socks5::kNotAllowed, {}));
        case Kind::http: return refuse(s, bytes(http_proxy::response(403)));
        default: return refuse(s, {}, true);
        }
    }
    // The client's bytes after its request follow what we send first.
    std::vector<uint8_t> prefix = std::move(s.upstream);
    prefix.insert(prefix.end(), s.in.begin(), s.in.end());
    if (s.timer) loop_.cancel_timer(s.timer);
    s.timer = 0;
    if (s.l->kind != Kind::forward) loop_.remove_fd(s.fd);
    const int fd = s.fd;
    s.fd = -1;  // the stack owns it now
    const Kind kind = s.l->kind;
    const bool http_connect = s.http_connect;
    std::shared_ptr<ListenerStatus> st = s.l->st;
    end(s);
    stack_.connect_external(fd, dst, std::move(prefix),
                            [fd, kind, http_connect, st, label](int err, const stack::InetAddr& local) {
        if (err == 0) {
            ++st->connected;
            const auto r = success_reply(kind, http_connect, local);
            send_all(fd, r.data(), r.size());
            return;
        }
        ++st->failed;
        spdlog::info("{}: {}: {}", kind_name(kind), label, std::strerror(err));
        const auto r = failure_reply(kind, err);
        send_all(fd, r.data(), r.size());
        if (kind == Kind::forward) set_reset_on_close(fd);  // the client sees the refusal as a RST
    });
}

void ProxyServer::connect_outside(Session& s, const stack::InetAddr& dst) {
    int fd = ::socket(dst.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ++s.l->st->failed;
        return refuse(s, failure_reply(s.l->kind, errno));
    }
    sockaddr_storage ss;
    socklen_t len = stack::to_sockaddr(dst, ss);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
        const int e = errno;
        ::close(fd);
        ++s.l->st->failed;
        spdlog::info("{}: {} (outside): {}", kind_name(s.l->kind), s.label, std::strerror(e));
        return refuse(s, failure_reply(s.l->kind, e));
    }
    s.stage = Session::Stage::outside;
    s.out_fd = fd;
    loop_.set_fd_events(s.fd, 0);  // the client waits for our reply
    Session* raw = &s;
    loop_.add_fd(fd, EPOLLOUT, [this, raw](uint32_t ev) { on_outside_connected(*raw, ev); });
}

void ProxyServer::on_outside_connected(Session& s, uint32_t events) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s.out_fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (!err && (events & (EPOLLERR | EPOLLHUP))) err = ECONNREFUSED;
    loop_.remove_fd(s.out_fd);
    if (err) {
        ::close(s.out_fd);
        s.out_fd = -1;
        ++s.l->st->failed;
        spdlog::info("{}: {} (outside): {}", kind_name(s.l->kind), s.label, std::strerror(err));
        return refuse(s, failure_reply(s.l->kind, err));
    }
    ++s.l->st->connected;
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    getsockname(s.out_fd, reinterpret_cast<sockaddr*>(&ss), &sl);
    auto ok = success_reply(s.l->kind, s.http_connect, stack::from_sockaddr(ss));
    send_all(s.fd, ok.data(), ok.size());
    std::vector<uint8_t> prefix = std::move(s.upstream);
    prefix.insert(prefix.end(), s.in.begin(), s.in.end());
    if (s.timer) loop_.cancel_timer(s.timer);
    s.timer = 0;
    loop_.remove_fd(s.fd);
    auto relay = std::make_unique<KernelRelay>(*this, s.fd, s.out_fd, std::move(prefix));
    s.fd = s.out_fd = -1;
    KernelRelay* raw = relay.get();
    relays_.emplace(raw, std::move(relay));
    end(s);
    raw->start();
}

// ---- SOCKS5 UDP ASSOCIATE (RFC 1928 §7) ----------------------------------------------------


void ProxyServer::udp_associate(Session& s, const socks5::Target& hint) {
    auto a = std::make_unique<UdpAssoc>();
    a->l = s.l;
    sockaddr_storage peer{}, local{};
    socklen_t pl = sizeof peer, ll = sizeof local;
    getpeername(s.fd, reinterpret_cast<sockaddr*>(&peer), &pl);
    getsockname(s.fd, reinterpret_cast<sockaddr*>(&local), &ll);
    a->client_ip = stack::from_sockaddr(peer);
    // The client may say where it will send from; 0.0.0.0:0 (or a zero port) means "not known yet".
    if (hint.ip && !hint.ip->is_unspecified() && hint.port) a->client = *hint.ip;
    stack::InetAddr relay = s.l->at;  // the listener's own address, any port
    relay.port = 0;
    a->udp_fd = ::socket(relay.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_storage rs;
    socklen_t rl = stack::to_sockaddr(relay, rs);
    stack::InetAddr any;
    any.family = 4;
    a->vfd = open_virtual_udp(stack_, any);
    if (a->udp_fd < 0 || ::bind(a->udp_fd, reinterpret_cast<sockaddr*>(&rs), rl) != 0 || a->vfd < 0) {
        if (a->udp_fd >= 0) ::close(a->udp_fd);
        if (a->vfd >= 0) ::close(a->vfd);
        ++s.l->st->failed;
        return refuse(s, socks5::reply(socks5::kGeneralFailure, {}));
    }
    sockaddr_storage bs{};
    socklen_t bl = sizeof bs;
    getsockname(a->udp_fd, reinterpret_cast<sockaddr*>(&bs), &bl);
    auto ok = socks5::reply(socks5::kSucceeded, stack::from_sockaddr(bs));
    send_all(s.fd, ok.data(), ok.size());
    ++s.l->st->connected;
    // The session's socket becomes the association's control connection.
    if (s.timer) loop_.cancel_timer(s.timer);
    s.timer = 0;
    loop_.remove_fd(s.fd);
    a->tcp_fd = s.fd;
    s.fd = -1;
    end(s);
    UdpAssoc* raw = a.get();
    assocs_.emplace(raw, std::move(a));
    loop_.add_fd(raw->tcp_fd, EPOLLIN | EPOLLRDHUP, [this, raw](uint32_t ev) {
        // Anything but EOF on the control connection is ignored (RFC 1928 §7).
        uint8_t buf[512];
        ssize_t n;
        while ((n = ::recv(raw->tcp_fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || (ev & (EPOLLHUP | EPOLLERR)))
            end_assoc(*raw);
    });
    loop_.add_fd(raw->udp_fd, EPOLLIN, [this, raw](uint32_t) { assoc_from_client(*raw); });
    loop_.add_fd(raw->vfd, EPOLLIN, [this, raw](uint32_t) { assoc_from_network(*raw); });
}

void ProxyServer::assoc_from_client(UdpAssoc& a) {
    static thread_local std::vector<uint8_t> buf(sizeof(ztctl::UdpHeader) + 65536);
    for (int i = 0; i < 64 && !a.ended; ++i) {
        sockaddr_storage from{};
        socklen_t fl = sizeof from;
        uint8_t* in = buf.data() + sizeof(ztctl::UdpHeader);
        const ssize_t n = ::recvfrom(a.udp_fd, in, 65536, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n < 0) return;
        const stack::InetAddr src = stack::from_sockaddr(from);
        if (!src.same_ip(a.client_ip) || (a.client.family && a.client != src)) {
            ++a.dropped;  // not our client
            continue;
        }
        if (!a.client.family) a.client = src;
        auto h = socks5::parse_udp_header(std::span<const uint8_t>(in, size_t(n)));
        // Fragments are not reassembled (RFC 1928 allows dropping them); names are not resolved
        // per datagram; outside the networks nothing goes.
        if (!h || h->frag != 0 || !h->target.ip || !stack_.on_network(h->target.ip->unmapped())) {
            ++a.dropped;
            continue;
        }
        const size_t len = size_t(n) - h->header_len;
        uint8_t* out = in + h->header_len - sizeof(ztctl::UdpHeader);
        ztctl::UdpHeader vh{};
        vh.addr = h->target.ip->unmapped().to_name();
        std::memmove(in + h->header_len - sizeof(ztctl::UdpHeader), &vh, sizeof vh);  // header right before the data
        if (::send(a.vfd, out, sizeof vh + len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) ++a.dropped;
    }
}

void ProxyServer::assoc_from_network(UdpAssoc& a) {
    static thread_local std::vector<uint8_t> buf(64 + 65536);
    for (int i = 0; i < 64 && !a.ended; ++i) {
        // Received after a gap big enough for the SOCKS header (at most 22 bytes for IPv6).
        constexpr size_t kGap = 64 - sizeof(ztctl::UdpHeader);
        uint8_t* in = buf.data() + kGap;
        const ssize_t n = ::recv(a.vfd, in, sizeof(ztctl::UdpHeader) + 65536, MSG_DONTWAIT);
        if (n < ssize_t(sizeof(ztctl::UdpHeader))) return;
        if (!a.client.family) {
            ++a.dropped;
            continue;
        }
        ztctl::UdpHeader vh;
        std::memcpy(&vh, in, sizeof vh);
        const auto head = socks5::udp_header(stack::InetAddr::from_name(vh.addr));
        uint8_t* out = in + sizeof vh - head.size();
        std::memcpy(out, head.data(), head.size());
        sockaddr_storage to;
        socklen_t tl = stack::to_sockaddr(a.client, to);
        if (::sendto(a.udp_fd, out, head.size() + size_t(n) - sizeof vh, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), tl) < 0)
            ++a.dropped;
    }
}

void ProxyServer::end_assoc(UdpAssoc& a) {
    if (a.ended) return;
    a.ended = true;
    for (int* fd : {&a.tcp_fd, &a.udp_fd, &a.vfd}) {
        if (*fd < 0) continue;
        loop_.remove_fd(*fd);
        ::close(*fd);
        *fd = -1;
    }
    UdpAssoc* raw = &a;
    loop_.defer([this, raw] { assocs_.erase(raw); });
}

void ProxyServer::resolve_name(Session& s, const std::string& name, uint16_t port) {
    const DnsZone* zone = nullptr;
    for (const auto& z : zones_)
        if (ztdns::in_domain(name.c_str(), z.domain.c_str())) zone = &z;
    if (!zone && cfg_.proxy_outside) return resolve_by_system(s, name, port);
    if (!zone) {
        ++s.l->st->failed;
        spdlog::info("{}: {}: not under a domain the networks push", kind_name(s.l->kind), s.label);
        return refuse(s, failure_reply(s.l->kind, EHOSTUNREACH));
    }
    s.stage = Session::Stage::resolving;
    s.zone = *zone;
    s.name = name;
    s.port = port;
    s.dns_family = AF_INET;
    s.dns_server = 0;
    s.dns_attempt = 0;
    loop_.set_fd_events(s.fd, 0);  // the client waits for our reply
    send_dns_query(s);
}

// proxy_outside: a name outside the pushed domains goes to the system's resolver, as the client
// would have asked it. getaddrinfo blocks, so it runs on a thread of its own that writes the
// first address into a pipe the loop watches; a client that leaves first closes the pipe, and
// the thread's write then fails harmlessly (SIGPIPE is ignored in the node).
void ProxyServer::resolve_by_system(Session& s, const std::string& name, uint16_t port) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
        ++s.l->st->failed;
        return refuse(s, failure_reply(s.l->kind, EHOSTUNREACH));
    }
    s.stage = Session::Stage::resolving;
    s.name = name;
    s.port = port;
    s.dns_fd = p[0];
    loop_.set_fd_events(s.fd, 0);
    const int wfd = p[1];
    std::thread([name, port, wfd] {
        stack::InetAddr found;
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) == 0 && res) {
            // One address, IPv4 first (no happy eyeballs: a host whose IPv6 does not answer
            // would otherwise cost the client its timeout).
            const addrinfo* pick = res;
            for (const addrinfo* a = res; a; a = a->ai_next)
                if (a->ai_family == AF_INET) {
                    pick = a;
                    break;
                }
            sockaddr_storage ss{};
            std::memcpy(&ss, pick->ai_addr, std::min<size_t>(pick->ai_addrlen, sizeof ss));
            found = stack::from_sockaddr(ss);
            found.port = port;
        }
        if (res) ::freeaddrinfo(res);
        (void)!::write(wfd, &found, sizeof found);
        ::close(wfd);
    }).detach();
    Session* raw = &s;
    loop_.add_fd(s.dns_fd, EPOLLIN, [this, raw](uint32_t) {
        Session& ss = *raw;
        if (ss.ended || ss.dns_fd < 0) return;
        stack::InetAddr dst;
        const ssize_t n = ::read(ss.dns_fd, &dst, sizeof dst);
        loop_.remove_fd(ss.dns_fd);
        ::close(ss.dns_fd);
        ss.dns_fd = -1;
        if (n != ssize_t(sizeof dst) || dst.family == 0) {
            ++ss.l->st->failed;
            spdlog::info("{}: {}: the system cannot resolve it", kind_name(ss.l->kind), ss.label);
            return refuse(ss, failure_reply(ss.l->kind, EHOSTUNREACH));
        }
        ss.stage = Session::Stage::request;
        connect_target(ss, dst, ss.label);
    });
}

void ProxyServer::send_dns_query(Session& s) {
    if (s.dns_fd >= 0) {
        loop_.remove_fd(s.dns_fd);
        ::close(s.dns_fd);
        s.dns_fd = -1;
    }
    const stack::InetAddr server = s.zone.servers[s.dns_server];
    stack::InetAddr any;
    any.family = server.family;
    s.dns_fd = open_virtual_udp(stack_, any);
    unsigned char buf[sizeof(ztctl::UdpHeader) + ztdns::kMaxQuery];
    const int qlen = s.dns_fd < 0 ? -1
                                  : ztdns::make_query(s.name.c_str(), s.dns_family, buf + sizeof(ztctl::UdpHeader),
                                                      ztdns::kMaxQuery, &s.dns_id);
    if (qlen < 0) {
        ++s.l->st->failed;
        return refuse(s, failure_reply(s.l->kind, EHOSTUNREACH));
    }
    ztctl::UdpHeader h{};
    h.addr = server.to_name();
    std::memcpy(buf, &h, sizeof h);
    (void)::send(s.dns_fd, buf, sizeof h + size_t(qlen), MSG_DONTWAIT | MSG_NOSIGNAL);
    Session* raw = &s;
    loop_.add_fd(s.dns_fd, EPOLLIN, [this, raw](uint32_t) { on_dns_reply(*raw); });
    if (s.dns_timer) loop_.cancel_timer(s.dns_timer);
    s.dns_timer = loop_.add_timer(kDnsWaitMs, [this, raw] {
        raw->dns_timer = 0;
        dns_next(*raw);
    });
}

void ProxyServer::dns_next(Session& s) {
    if (s.ended) return;
    if (++s.dns_server >= s.zone.servers.size()) {
        s.dns_server = 0;
        if (++s.dns_attempt >= kDnsAttempts) {
            ++s.l->st->failed;
            spdlog::info("{}: {}: no DNS server of {} answered", kind_name(s.l->kind), s.label, s.zone.domain);
            return refuse(s, failure_reply(s.l->kind, ETIMEDOUT));
        }
    }
    send_dns_query(s);
}

void ProxyServer::on_dns_reply(Session& s) {
    if (s.ended || s.dns_fd < 0) return;
    unsigned char buf[sizeof(ztctl::UdpHeader) + ztdns::kMaxAnswer];
    for (;;) {
        const ssize_t n = ::recv(s.dns_fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < ssize_t(sizeof(ztctl::UdpHeader))) return;
        ztdns::Addr found[1];
        int count = 0;
        const auto r = ztdns::parse_response(buf + sizeof(ztctl::UdpHeader), int(n - ssize_t(sizeof(ztctl::UdpHeader))),
                                             s.dns_id, s.dns_family, found, 1, &count);
        switch (r) {
        case ztdns::Result::mismatch: continue;
        case ztdns::Result::servfail: return dns_next(s);
        case ztdns::Result::nxdomain:
        case ztdns::Result::nodata:
            if (s.dns_family == AF_INET) {  // then its IPv6 address
                s.dns_family = AF_INET6;
                s.dns_server = 0;
                s.dns_attempt = 0;
                return send_dns_query(s);
            }
            ++s.l->st->failed;
            spdlog::info("{}: {}: no such name", kind_name(s.l->kind), s.label);
            return refuse(s, failure_reply(s.l->kind, EHOSTUNREACH));
        case ztdns::Result::answer: {
            stack::InetAddr dst;
            dst.family = s.dns_family == AF_INET ? 4 : 6;
            std::memcpy(dst.ip.data(), found[0].ip, 16);
            dst.port = s.port;
            if (s.dns_timer) loop_.cancel_timer(s.dns_timer);
            s.dns_timer = 0;
            loop_.remove_fd(s.dns_fd);
            ::close(s.dns_fd);
            s.dns_fd = -1;
            spdlog::debug("{}: {} is {}", kind_name(s.l->kind), s.name, dst.ip_string());
            s.stage = Session::Stage::request;
            return connect_target(s, dst, s.label);
        }
        }
    }
}

void ProxyServer::refuse(Session& s, const std::vector<uint8_t>& reply, bool reset) {
    if (s.fd >= 0) {
        send_all(s.fd, reply.data(), reply.size());
        if (s.l->kind != Kind::forward) loop_.remove_fd(s.fd);
        if (reset) set_reset_on_close(s.fd);
        ::close(s.fd);
        s.fd = -1;
    }
    if (s.out_fd >= 0) {
        loop_.remove_fd(s.out_fd);
        ::close(s.out_fd);
        s.out_fd = -1;
    }
    end(s);
}

void ProxyServer::end(Session& s) {
    if (s.ended) return;
    s.ended = true;
    if (s.dns_timer) loop_.cancel_timer(s.dns_timer);
    s.dns_timer = 0;
    if (s.dns_fd >= 0) {
        loop_.remove_fd(s.dns_fd);
        ::close(s.dns_fd);
        s.dns_fd = -1;
    }
    if (s.timer) loop_.cancel_timer(s.timer);
    s.timer = 0;
    if (s.fd >= 0) {
        if (s.l->kind != Kind::forward) loop_.remove_fd(s.fd);
        ::close(s.fd);
        s.fd = -1;
    }
    // Deleted after the current handler: it may be running inside one of this session's.
    Session* raw = &s;
    loop_.defer([this, raw] { sessions_.erase(raw); });
}

}  // namespace zt::node

// The node runtime and the ztnode program flow (runtime.hpp).
#include "tools/ztnode/runtime.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ipc/access_key.hpp"
#include "stack/names.hpp"
#include "tools/ztnode/process.hpp"

namespace zt::node {

namespace {
// How often the node looks whether it is unused: a quarter of the linger time, between 250 ms
// and 1 s (an idle node's every wake-up costs; it exits within linger + 1 s).
Ticks linger_check_ms(int linger_s) { return std::clamp<Ticks>(Ticks(linger_s) * 250, 250, 1000); }
constexpr int kLockWaitMs = 5000;

sigset_t exit_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

spdlog::level::level_enum to_spdlog(stack::LogLevel l) {
    switch (l) {
    case stack::LogLevel::debug: return spdlog::level::debug;
    case stack::LogLevel::info: return spdlog::level::info;
    case stack::LogLevel::warn: return spdlog::level::warn;
    case stack::LogLevel::error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

// Reads `$home/access.key`, or makes it (16 random bytes, mode 0600, written whole to a
// temporary name and linked into place, so that a concurrent start never sees half a key).
bool load_access_key(const std::string& home, ztctl::AccessKey& key, std::string& error) {
    const std::string path = home + "/" + ztctl::kAccessKeyFile;
    for (int attempt = 0; attempt < 2; ++attempt) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd >= 0) {
            char buf[64];
            ssize_t n = ::read(fd, buf, sizeof buf);
            ::close(fd);
            if (n > 0 && ztctl::parse_key_hex(buf, size_t(n), key) && !ztctl::key_is_zero(key)) return true;
            error = path + ": not an access key (32 hex digits); remove it and a new one is made";
            return false;
        }
        if (errno != ENOENT) {
            error = path + ": " + std::strerror(errno);
            return false;
        }
        if (getrandom(key.b, sizeof key.b, 0) != ssize_t(sizeof key.b)) {
            error = std::string("getrandom: ") + std::strerror(errno);
            return false;
        }
        char hex[ztctl::kAccessKeyHexLen + 1];
        ztctl::format_key_hex(key, hex);
        const std::string tmp = path + ".tmp." + std::to_string(::getpid());
        fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            error = tmp + ": " + std::strerror(errno);
            return false;
        }
        std::string line = std::string(hex) + "\n";
        const bool ok = ::write(fd, line.data(), line.size()) == ssize_t(line.size()) && ::fsync(fd) == 0;
        ::close(fd);
        const bool linked = ok && ::link(tmp.c_str(), path.c_str()) == 0;
        const int link_err = errno;
        ::unlink(tmp.c_str());
        if (linked) return true;
        if (!ok || link_err != EEXIST) {
            error = path + ": " + std::strerror(ok ? link_err : EIO);
            return false;
        }
        // Another node of the home made it first: read theirs.
    }
    error = path + ": could not be read or made";
    return false;
}
}  // namespace

Runtime::Runtime(Config cfg, std::unique_ptr<Link> link) : cfg_(std::move(cfg)), link_(std::move(link)) {
    home_hash_ = stack::home_hash_of(cfg_.home);
}

Runtime::~Runtime() {
    proxy_.reset();
    control_.reset();
    stack_.reset();
    if (link_) link_->stop();
    link_.reset();
    if (signal_fd_ >= 0) {
        loop_.remove_fd(signal_fd_);
        ::close(signal_fd_);
    }
}

bool Runtime::init(std::string& error) {
    if (!loop_.ok()) {
        error = std::string("epoll/timerfd: ") + std::strerror(errno);
        return false;
    }
    stack::StackOptions opts;
    opts.home_hash = home_hash_;
    opts.uid = ::getuid();
    if (!load_access_key(cfg_.home, opts.access_key, error)) return false;
    opts.log = [](stack::LogLevel l, const std::string& m) { spdlog::log(to_spdlog(l), "{}", m); };
    opts.multicast_changed = [this](NetworkId nwid, const std::vector<Mac>& groups) {
        if (link_) link_->stack_groups(nwid, groups);
    };
    stack_ = std::make_unique<stack::Stack>(loop_, opts, [this](NetworkId nwid, std::span<const uint8_t> frame) {
        if (link_) link_->send_frame(nwid, frame);
    });
    if (!stack_->start(error)) return false;
    control_ = std::make_unique<ControlServer>(
        loop_, *stack_, home_hash_, ::getuid(), [this] { return link_ ? link_->address().value() : 0; },
        [this](NetworkId nwid, const std::vector<stack::InetPrefix>& addrs) {
            std::string why = link_ ? link_->join(nwid, addrs) : "no link";
            if (!why.empty()) spdlog::warn("join {}: {}", nwid.to_string(), why);
            return why;
        },
        [this](uid_t uid, uint64_t sock_id) { on_keyed_listen(uid, sock_id); });
    if (!control_->start(error)) return false;
    if (!link_ || !link_->start(*this, error)) {
        if (error.empty()) error = "no link";
        return false;
    }
    // Before the networks: a UDP expose on an address not assigned yet opens with them.
    proxy_ = std::make_unique<ProxyServer>(loop_, *stack_, cfg_);
    if (!proxy_->start(error)) return false;
    networks_changed();
    keyed_listeners_ = load_keyed_listeners();
    if (int n = stack_->adopt_listeners(keyed_listeners_))
        spdlog::info("took over {} listener(s) of wrapped programs ({} of other uids)", n, keyed_listeners_.size());
    save_keyed_listeners();

    spdlog::info("node {} serving home {} (hash {:016x})", link_->address().to_string(), cfg_.home, home_hash_);
    return true;
}

void Runtime::deliver_frame(NetworkId nwid, std::span<const uint8_t> frame) {
    if (stack_) stack_->on_frame(nwid, frame);
}

void Runtime::networks_changed() {
    std::vector<stack::NetworkSetup> setups;
    std::vector<DnsZone> zones;
    for (const auto& n : link_->networks()) {
        if (!n.dns_domain.empty() && !n.dns_servers.empty()) zones.push_back({n.dns_domain, n.dns_servers});
        stack::NetworkSetup s;
        s.nwid = n.nwid;
        s.mac = Mac::from_address(link_->address(), n.nwid);
        s.mtu = n.mtu;
        s.addrs = n.addrs;
        s.routes = n.routes;
        s.ndp_emulation = n.ndp_emulation;
        setups.push_back(std::move(s));
    }
    stack_->set_networks(setups);
    save_routes(setups);
    save_dns(zones);
    if (proxy_) proxy_->networks_changed(zones);
}

namespace {
// Writes `text` to `path` whole: a temporary name, then rename, so that a reader sees the old
// file or the new one. False (with a warning in the log) on failure.
bool write_whole(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "we");
    if (!f) {
        spdlog::warn("{}: {}", tmp, std::strerror(errno));
        return false;
    }
    const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        spdlog::warn("{}: {}", path, std::strerror(errno));
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}
}  // namespace

// $ZT_HOME/routes: the ranges of the joined networks (assigned subnets and managed routes), one
// "ip/len" a line. The shim reads it at load, so that a program started while no node answers
// still knows which destinations are virtual and fails them rather than send them out through
// the kernel (docs/ARCHITECTURE.md, "Routing policy"). Written whole under a temporary name,
// only when it changes; a network that is joined but has no address yet keeps its last ranges.
void Runtime::save_routes(const std::vector<stack::NetworkSetup>& setups) {
    std::string text;
    for (const auto& s : setups) {
        for (const auto& a : s.addrs) text += a.to_string() + "\n";
        for (const auto& r : s.routes) text += r.target.to_string() + "\n";
    }
    if (text.empty() && !setups.empty()) return;
    if (text == saved_routes_) return;
    if (write_whole(cfg_.home + "/routes", text)) saved_routes_ = text;
}

// $ZT_HOME/dns: the names the networks push (spec §8.5 DNS), "<domain> <server>..." a line,
// each server as ip:port or [ip6]:port. The shim reads it to resolve names under those domains
// through those servers (intercept/resolve.cpp); every other name stays with libc. Written whole
// under a temporary name, only when it changes; removed when no network pushes a domain.
void Runtime::save_dns(const std::vector<DnsZone>& zones) {
    std::string text;
    for (const auto& z : zones) {
        text += z.domain;
        for (const auto& s : z.servers) text += " " + s.to_string();
        text += "\n";
    }
    if (text == saved_dns_) return;
    const std::string path = cfg_.home + "/dns";
    if (text.empty()) {
        std::remove(path.c_str());
        saved_dns_.clear();
        return;
    }
    if (write_whole(path, text)) saved_dns_ = text;
}

// $ZT_HOME/listeners: "uid sock_id" (decimal, hex) a line, for each listener a process of
// another uid made after it showed the access key. The socket's owner and the random sock_id in
// its name identify it; a node started later takes over these as well as its own uid's
// (stack/unix_listeners.hpp). Only the node writes the file, in its home that only its uid
// reads; it holds at most kMaxKeyedListeners lines, and those that were not found at start are
// dropped.
namespace {
constexpr size_t kMaxKeyedListeners = 4096;
}

std::vector<stack::KeyedListener> Runtime::load_keyed_listeners() const {
    std::vector<stack::KeyedListener> out;
    FILE* f = std::fopen((cfg_.home + "/listeners").c_str(), "re");
    if (!f) return out;
    unsigned long uid = 0;
    unsigned long long id = 0;
    char line[128];
    while (std::fgets(line, sizeof line, f))
        if (std::sscanf(line, "%lu %llx", &uid, &id) == 2 && uid <= 0xffffffffUL)
            out.push_back({uint32_t(uid), uint64_t(id)});
    std::fclose(f);
    if (out.size() > kMaxKeyedListeners) out.erase(out.begin(), out.end() - kMaxKeyedListeners);
    return out;
}

void Runtime::save_keyed_listeners() {
    const std::string path = cfg_.home + "/listeners", tmp = path + ".tmp";
    if (keyed_listeners_.empty()) {
        std::remove(path.c_str());
        return;
    }
    FILE* f = std::fopen(tmp.c_str(), "we");
    if (!f) {
        spdlog::warn("{}: {}", tmp, std::strerror(errno));
        return;
    }
    for (const auto& k : keyed_listeners_) std::fprintf(f, "%u %016llx\n", k.uid, (unsigned long long)k.sock_id);
    if (std::fclose(f) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
        spdlog::warn("{}: {}", path, std::strerror(errno));
        std::remove(tmp.c_str());
    }
}

void Runtime::on_keyed_listen(uid_t uid, uint64_t sock_id) {
    if (keyed_listeners_.size() >= kMaxKeyedListeners)
        keyed_listeners_.erase(keyed_listeners_.begin(), keyed_listeners_.begin() + kMaxKeyedListeners / 2);
    keyed_listeners_.push_back({uint32_t(uid), sock_id});
    save_keyed_listeners();
}

void Runtime::log(stack::LogLevel level, const std::string& message) { spdlog::log(to_spdlog(level), "{}", message); }

std::vector<ProxyListenerInfo> Runtime::proxy_listeners() const {
    std::vector<ProxyListenerInfo> out;
    if (!proxy_) return out;
    for (const auto& l : proxy_->status())
        out.push_back({ProxyServer::kind_name(l.kind), l.udp ? "udp" : "tcp", l.listen, l.target, l.accepted, l.connected,
                       l.failed, l.refused});
    return out;
}

void Runtime::check_linger() {
    loop_.add_timer(linger_check_ms(cfg_.linger_s), [this] { check_linger(); });
    // A node with a proxy, forward or expose serves those until it is stopped.
    bool idle = control_->connection_count() == 0 && stack_->live_count() == 0 && !(proxy_ && proxy_->serving());
    if (!idle) {
        idle_since_ = -1;
        return;
    }
    Ticks now = loop_.now();
    if (idle_since_ < 0) idle_since_ = now;
    if (now - idle_since_ < Ticks(cfg_.linger_s) * 1000) return;
    // Last look at the backlogs: a client that connected just now keeps us alive.
    if (control_->accept_pending() + stack_->accept_pending() > 0) {
        idle_since_ = -1;
        return;
    }
    spdlog::info("idle for {} s: exiting", cfg_.linger_s);
    control_->close_listener();
    stack_->stop_accepting();
    loop_.stop();
}

int Runtime::run(bool linger_exit) {
    // SIGTERM/SIGINT/SIGHUP end the loop cleanly (node_main blocked them at the start). The
    // signalfd is made here, after daemonize(): epoll watches a signalfd on the wait queue of
    // the process that registered it, so one made before the fork never wakes the daemon.
    sigset_t set = exit_signals();
    sigprocmask(SIG_BLOCK, &set, nullptr);
    signal_fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ >= 0) {
        loop_.add_fd(signal_fd_, EPOLLIN, [this](uint32_t) {
            signalfd_siginfo si{};
            while (::read(signal_fd_, &si, sizeof si) == ssize_t(sizeof si))
                spdlog::info("signal {}: exiting", si.ssi_signo);
            loop_.stop();
        });
    }
    linger_exit_ = linger_exit;
    if (linger_exit_) loop_.add_timer(linger_check_ms(cfg_.linger_s), [this] { check_linger(); });
    loop_.run();
    auto st = stack_->stats();
    spdlog::info("node exit: frames in {} out {} dropped {}; tcp {} (+{} local); udp dropped {} (app full) {} (bad)",
                 st.frames_in, st.frames_out, st.frames_dropped, st.tcp_conns_total, st.tcp_splices_total,
                 st.udp_dropped_app_full, st.udp_dropped_bad);
    return 0;
}

int node_main(int argc, char** argv, const LinkFactory& make_link) {
    ::signal(SIGPIPE, SIG_IGN);
    // Held until the loop reads them from a signalfd: a SIGTERM that arrives while we start
    // up (the control socket may already answer) still ends the node cleanly.
    sigset_t exit_set = exit_signals();
    sigprocmask(SIG_BLOCK, &exit_set, nullptr);
    bool daemon = false, linger_exit = true;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--daemonize") {
            daemon = true;
        } else if (a == "--foreground") {
            daemon = false;
        } else if (a == "--no-linger-exit") {
            linger_exit = false;
        } else if (a == "--help" || a == "-h") {
            std::printf("usage: ztnode [--daemonize | --foreground] [--no-linger-exit]\n"
                        "  configuration: $ZT_HOME/ztintercept.conf and ZT_* variables (see docs)\n");
            return 0;
        } else {
            std::fprintf(stderr, "ztnode: unknown argument '%s' (try --help)\n", a.c_str());
            return 2;
        }
    }
    std::string error;
    auto cfg = load_config([](const char* n) { return std::getenv(n); }, error);
    if (!cfg) {
        std::fprintf(stderr, "ztnode: %s\n", error.c_str());
        return 1;
    }
    std::string real;
    if (!ensure_home(cfg->home, real, error)) {
        std::fprintf(stderr, "ztnode: %s\n", error.c_str());
        return 1;
    }
    cfg->home = real;
    uint64_t hash = stack::home_hash_of(real);
    int lock_fd = -1;
    switch (acquire_lock(real + "/ztnode.lock", hash, kLockWaitMs, lock_fd, error)) {
    case LockResult::acquired: break;
    case LockResult::held_elsewhere: return 0;  // another node serves this home
    case LockResult::error: std::fprintf(stderr, "ztnode: %s\n", error.c_str()); return 1;
    }
    if (!setup_logging(real + "/ztnode.log", cfg->log_level, error)) {
        std::fprintf(stderr, "ztnode: %s\n", error.c_str());
        return 1;
    }
    int status = 0;
    {
        Runtime rt(*cfg, make_link(*cfg));
        if (!rt.init(error)) {
            spdlog::error("startup failed: {}", error);
            std::fprintf(stderr, "ztnode: %s\n", error.c_str());
            return 1;
        }
        // Detach only now: startup errors above still reach the spawning app's stderr.
        if (daemon && !daemonize(error)) {
            std::fprintf(stderr, "ztnode: %s\n", error.c_str());
            return 1;
        }
        status = rt.run(linger_exit);
    }
    spdlog::shutdown();
    ::close(lock_fd);
    return status;
}

}  // namespace zt::node

// udp_relay: a UDP "bad network" between a client and a target, for tests (the kernel here
// has no tc netem). It listens on one port; what a client sends there leaves from a second
// ("upstream") socket to the target, and what the target sends back to that socket goes to
// the most recent client. Each direction has its own LinkModel (link_model.hpp): one-way
// delay and jitter, loss, duplication and reordering, seeded.
//
//   client --> [listen]  relay  [upstream] --> target        (c2t)
//   client <-- [listen]  relay  [upstream] <-- target        (t2c)
//
//   udp_relay --listen [IP:]PORT --target IP:PORT [--upstream-port PORT]
//             [--delay MS] [--jitter MS] [--loss PCT] [--dup PCT]
//             [--reorder PCT] [--reorder-delay MS] [--seed N] [--port-file PATH]
//
// IPv6 addresses go in brackets ([::1]:9993). --port-file receives "LISTEN UPSTREAM\n" once
// both sockets are bound (written atomically: tests poll for it). On SIGTERM or SIGINT it
// prints its counters as one line of key=value pairs on stdout and exits 0; SIGUSR1 prints
// them and carries on. Datagrams that reach the upstream socket from anyone but the target
// are dropped (counted as "stranger").
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <vector>

#include "link_model.hpp"

namespace {

using ztest::netem::LinkModel;
using ztest::netem::LinkParams;

volatile sig_atomic_t g_stop = 0;
volatile sig_atomic_t g_dump = 0;

void on_signal(int sig) {
    if (sig == SIGUSR1) g_dump = 1;
    else g_stop = 1;
}

int64_t now_us() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "udp_relay: %s\n", msg.c_str());
    std::exit(2);
}

struct Addr {
    sockaddr_storage ss{};
    socklen_t len = 0;
    bool same(const sockaddr_storage& o, socklen_t olen) const {
        if (olen != len || o.ss_family != ss.ss_family) return false;
        if (ss.ss_family == AF_INET) {
            auto a = reinterpret_cast<const sockaddr_in*>(&ss), b = reinterpret_cast<const sockaddr_in*>(&o);
            return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
        }
        auto a = reinterpret_cast<const sockaddr_in6*>(&ss), b = reinterpret_cast<const sockaddr_in6*>(&o);
        return a->sin6_port == b->sin6_port && std::memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
    }
};

// "1.2.3.4:5", "[::1]:5" or "5" (then the address is `dflt`).
Addr parse_addr(const std::string& s, const char* dflt) {
    std::string host = dflt, port = s;
    if (!s.empty() && s[0] == '[') {
        auto close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') die("bad address " + s);
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else if (auto colon = s.rfind(':'); colon != std::string::npos) {
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    }
    char* end = nullptr;
    long p = std::strtol(port.c_str(), &end, 10);
    if (port.empty() || *end || p < 0 || p > 65535) die("bad port in " + s);
    Addr a;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&a.ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
    if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(uint16_t(p));
        a.len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(uint16_t(p));
        a.len = sizeof(sockaddr_in6);
    } else {
        die("bad address " + s);
    }
    return a;
}

uint16_t port_of(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
    return ntohs(ss.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
}

int open_socket(const Addr& bind_to) {
    int fd = socket(bind_to.ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (bind(fd, reinterpret_cast<const sockaddr*>(&bind_to.ss), bind_to.len) != 0)
        die(std::string("bind: ") + std::strerror(errno));
    return fd;
}

struct Pending {
    int64_t release_us;
    uint64_t seq;  // arrival order breaks ties: no reordering unless the model asks for it
    bool to_target;
    std::vector<uint8_t> bytes;
    bool operator>(const Pending& o) const {
        return release_us != o.release_us ? release_us > o.release_us : seq > o.seq;
    }
};

struct Direction {
    const char* name;
    LinkModel model;
    uint64_t sent = 0, send_errors = 0;
};

void dump(const Direction& c2t, const Direction& t2c, uint64_t strangers, size_t max_queue) {
    std::string line;
    for (const Direction* d : {&c2t, &t2c}) {
        const auto& c = d->model.counters();
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s_rx=%llu %s_tx=%llu %s_lost=%llu %s_dup=%llu %s_reordered=%llu %s_send_errors=%llu ",
                      d->name, (unsigned long long)c.received, d->name, (unsigned long long)d->sent, d->name,
                      (unsigned long long)c.lost, d->name, (unsigned long long)c.duplicated, d->name,
                      (unsigned long long)c.reordered, d->name, (unsigned long long)d->send_errors);
        line += buf;
    }
    line += "stranger=" + std::to_string(strangers) + " max_queue=" + std::to_string(max_queue);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
}

void usage() {
    std::fprintf(stderr,
                 "usage: udp_relay --listen [IP:]PORT --target IP:PORT [--upstream-port PORT] [--delay MS]\n"
                 "                 [--jitter MS] [--loss PCT] [--dup PCT] [--reorder PCT] [--reorder-delay MS]\n"
                 "                 [--seed N] [--port-file PATH]\n");
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::string listen_s, target_s, port_file, upstream_port = "0";
    LinkParams p;
    uint64_t seed = 1;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc) usage();
        std::string v = argv[++i];
        auto num = [&] {
            char* end = nullptr;
            double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end || d < 0) die("bad number for " + a + ": " + v);
            return d;
        };
        if (a == "--listen") listen_s = v;
        else if (a == "--target") target_s = v;
        else if (a == "--upstream-port") upstream_port = v;
        else if (a == "--delay") p.delay_ms = num();
        else if (a == "--jitter") p.jitter_ms = num();
        else if (a == "--loss") p.loss_pct = num();
        else if (a == "--dup") p.dup_pct = num();
        else if (a == "--reorder") p.reorder_pct = num();
        else if (a == "--reorder-delay") p.reorder_extra_ms = num();
        else if (a == "--seed") seed = uint64_t(num());
        else if (a == "--port-file") port_file = v;
        else usage();
    }
    if (listen_s.empty() || target_s.empty()) usage();
    const Addr target = parse_addr(target_s, "");
    const char* any = target.ss.ss_family == AF_INET6 ? "::" : "0.0.0.0";
    const Addr listen_addr = parse_addr(listen_s, target.ss.ss_family == AF_INET6 ? "::1" : "127.0.0.1");
    const Addr up_addr = parse_addr(upstream_port, any);
    const int lfd = open_socket(listen_addr);
    const int ufd = open_socket(up_addr);

    if (!port_file.empty()) {
        std::string tmp = port_file + ".tmp";
        FILE* f = std::fopen(tmp.c_str(), "w");
        if (!f) die("cannot write " + tmp);
        std::fprintf(f, "%u %u\n", port_of(lfd), port_of(ufd));
        std::fclose(f);
        if (std::rename(tmp.c_str(), port_file.c_str()) != 0) die("cannot rename " + tmp);
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaction(s, &sa, nullptr);
    sigset_t blocked, waitmask;
    sigemptyset(&blocked);
    for (int s : {SIGTERM, SIGINT, SIGUSR1}) sigaddset(&blocked, s);
    sigprocmask(SIG_BLOCK, &blocked, &waitmask);  // waitmask = the old mask, used by ppoll
    sigdelset(&waitmask, SIGTERM);
    sigdelset(&waitmask, SIGINT);
    sigdelset(&waitmask, SIGUSR1);

    // The two directions draw from different seeds so that their fates are independent.
    Direction c2t{"c2t", LinkModel(p, seed * 2 + 1)};
    Direction t2c{"t2c", LinkModel(p, seed * 2 + 2)};
    Addr client;
    bool have_client = false;
    uint64_t strangers = 0, seq = 0;
    size_t max_queue = 0;
    std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue;
    std::vector<uint8_t> buf(65536);

    while (!g_stop) {
        if (g_dump) {
            g_dump = 0;
            dump(c2t, t2c, strangers, max_queue);
        }
        // Release what is due.
        int64_t now = now_us();
        while (!queue.empty() && queue.top().release_us <= now) {
            const Pending& d = queue.top();
            Direction& dir = d.to_target ? c2t : t2c;
            const Addr& to = d.to_target ? target : client;
            int fd = d.to_target ? ufd : lfd;
            if (sendto(fd, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to.ss), to.len) < 0)
                ++dir.send_errors;
            else
                ++dir.sent;
            queue.pop();
        }
        timespec timeout{1, 0};
        if (!queue.empty()) {
            int64_t wait = std::max<int64_t>(0, queue.top().release_us - now_us());
            timeout = timespec{time_t(wait / 1000000), long(wait % 1000000) * 1000};
        }
        pollfd fds[2] = {{lfd, POLLIN, 0}, {ufd, POLLIN, 0}};
        int n = ppoll(fds, 2, &timeout, &waitmask);
        if (n < 0) {
            if (errno == EINTR) continue;
            die(std::string("ppoll: ") + std::strerror(errno));
        }
        for (int i = 0; i < 2; ++i) {
            if (!(fds[i].revents & POLLIN)) continue;
            for (int burst = 0; burst < 256; ++burst) {
                sockaddr_storage from{};
                socklen_t flen = sizeof from;
                ssize_t len = recvfrom(fds[i].fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &flen);
                if (len < 0) break;
                const bool to_target = i == 0;
                if (to_target) {
                    client.ss = from;
                    client.len = flen;
                    have_client = true;
                } else if (!target.same(from, flen) || !have_client) {
                    ++strangers;
                    continue;
                }
                Direction& dir = to_target ? c2t : t2c;
                auto fate = dir.model.decide(now_us());
                for (int c = 0; c < fate.copies; ++c)
                    queue.push(Pending{fate.release_us[c], seq++, to_target, std::vector<uint8_t>(buf.begin(), buf.begin() + len)});
                max_queue = std::max(max_queue, queue.size());
            }
        }
    }
    dump(c2t, t2c, strangers, max_queue);
    return 0;
}

// Benchmark helper (not a test): 1-byte TCP ping-pong. The server echoes every byte; the client
// sends one byte, waits for it to come back, and prints the round trips' p50, p99 and mean in
// microseconds as JSON. Blocking calls and TCP_NODELAY, as a latency-bound protocol would use.
//   tcp_rtt server PORT              (serves one client at a time, forever)
//   tcp_rtt client HOST PORT COUNT   (COUNT round trips after 200 of warm-up)
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

int fail(const char* what) {
    std::perror(what);
    return 1;
}

void nodelay(int fd) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int serve(int port) {
    const int l = socket(AF_INET6, SOCK_STREAM, 0);
    int one = 1, zero = 0;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(uint16_t(port));
    if (bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(l, 8) != 0) return fail("bind/listen");
    for (;;) {
        const int c = accept(l, nullptr, nullptr);
        if (c < 0) continue;
        nodelay(c);
        char b[64];
        ssize_t n;
        while ((n = read(c, b, sizeof b)) > 0)
            if (write(c, b, size_t(n)) != n) break;
        close(c);
    }
}

double now_us() {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return double(t.tv_sec) * 1e6 + double(t.tv_nsec) / 1e3;
}

int client(const char* host, const char* port, int count) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) return fail("getaddrinfo");
    const int c = socket(res->ai_family, SOCK_STREAM, 0);
    if (connect(c, res->ai_addr, res->ai_addrlen) != 0) return fail("connect");
    freeaddrinfo(res);
    nodelay(c);
    std::vector<double> rtt;
    rtt.reserve(size_t(count));
    char b = 'x';
    for (int i = 0; i < count + 200; ++i) {
        const double t0 = now_us();
        if (write(c, &b, 1) != 1 || read(c, &b, 1) != 1) return fail("ping-pong");
        if (i >= 200) rtt.push_back(now_us() - t0);
    }
    close(c);
    std::sort(rtt.begin(), rtt.end());
    double sum = 0;
    for (double v : rtt) sum += v;
    std::printf("{\"count\": %d, \"p50_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f}\n", count,
                rtt[rtt.size() / 2], rtt[rtt.size() * 99 / 100], sum / double(rtt.size()));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && !std::strcmp(argv[1], "server")) return serve(std::atoi(argv[2]));
    if (argc == 5 && !std::strcmp(argv[1], "client")) return client(argv[2], argv[3], std::max(1, std::atoi(argv[4])));
    std::fprintf(stderr, "usage: %s server PORT | client HOST PORT COUNT\n", argv[0]);
    return 2;
}

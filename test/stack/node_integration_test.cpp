// Two test nodes (ztnode runtime + RawUdpLink) on loopback, driven through the control
// protocol exactly as the shim would drive them:
//
//   test client ──'T' carrier──▶ node A ──Ethernet in UDP──▶ node B ──'A' conn──▶ 'L' listener
//   (preamble)                   lwIP 10.147.17.1            lwIP 10.147.17.2      (test server)
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "test/stack/ctl_client.hpp"
#include "test/stack/node_harness.hpp"

using namespace zt;
using namespace zt::test;
using stack::InetAddr;

namespace {

const char* kNwid = "c41b8868ac000001";
const char* kAddrA = "aaaaaaaa01";
const char* kAddrB = "bbbbbbbb02";
const InetAddr kIpA = InetAddr::v4(10, 147, 17, 1);
const InetAddr kIpB = InetAddr::v4(10, 147, 17, 2);

InetAddr with_port(InetAddr a, uint16_t port) {
    a.port = port;
    return a;
}

InetAddr v6(const char* s, uint16_t port) {
    InetAddr a = *InetAddr::parse_ip(s);
    a.port = port;
    return a;
}

struct TwoNodes {
    TempDir dir;
    NodeProcess a, b;
    TwoNodes() {
        auto [pa, pb] = free_udp_ports();
        auto env = [&](const char* name, const char* self, const char* ip4, const char* ip6, uint16_t port,
                       const char* peer, uint16_t peer_port) {
            return NodeProcess::Env{
                {"ZT_HOME", dir.path() + "/" + name},
                {"ZT_TEST_NODE_ADDRESS", self},
                {"ZT_NETWORKS", std::string(kNwid) + "=" + ip4 + "=" + ip6},
                {"ZT_PEERS", std::string(peer) + "@127.0.0.1/" + std::to_string(peer_port)},
                {"ZT_PORT", std::to_string(port)},
                {"ZT_LOG_LEVEL", "debug"},
            };
        };
        REQUIRE(a.spawn({"--foreground", "--no-linger-exit"},
                        env("a", kAddrA, "10.147.17.1/24", "fd00:147::1/64", pa, kAddrB, pb)));
        REQUIRE(b.spawn({"--foreground", "--no-linger-exit"},
                        env("b", kAddrB, "10.147.17.2/24", "fd00:147::2/64", pb, kAddrA, pa)));
        REQUIRE(a.wait_ready());
        REQUIRE(b.wait_ready());
    }
    ~TwoNodes() {
        // A node that crashed during the test fails it here (status 0 = clean SIGTERM exit).
        int sa = a.stop(), sb = b.stop();
        CHECK(sa == 0);
        CHECK(sb == 0);
        if (sa != 0 || sb != 0) {
            UNSCOPED_INFO("node A log:\n" << a.log());
            UNSCOPED_INFO("node B log:\n" << b.log());
        }
    }
};

// Waits for the carrier's "connected" signal: POLLOUT once the node consumed the preamble.
short wait_connected(int fd) { return wait_for(fd, POLLOUT, 15000); }

void set_nonblock(int fd) { REQUIRE(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0); }

// Deterministic stream of bytes for one direction.
struct Stream {
    uint64_t state;
    explicit Stream(uint64_t seed) : state(seed) {}
    void fill(uint8_t* p, size_t n) {
        for (size_t i = 0; i < n; ++i) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            p[i] = uint8_t(state);
        }
    }
};

struct Sha256 {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    Sha256() { EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr); }
    ~Sha256() { EVP_MD_CTX_free(ctx); }
    void add(const void* p, size_t n) { EVP_DigestUpdate(ctx, p, n); }
    std::array<uint8_t, 32> done() {
        std::array<uint8_t, 32> out{};
        unsigned len = 0;
        EVP_DigestFinal_ex(ctx, out.data(), &len);
        return out;
    }
};

// Sends `total` bytes each way between two stream fds at once, half-closes after sending, and
// reads to EOF on both. Returns false on timeout or error; digests of what each side sent and
// received are compared by the caller.
struct Transfer {
    std::array<uint8_t, 32> sent[2], recvd[2];
    size_t got[2] = {0, 0};
};

bool run_transfer(int fd0, int fd1, size_t total, Transfer& t, int timeout_ms) {
    set_nonblock(fd0);
    set_nonblock(fd1);
    int fds[2] = {fd0, fd1};
    Stream gen[2] = {Stream(0x1234567), Stream(0x89abcdef)};
    Sha256 hs[2], hr[2];
    size_t sent[2] = {0, 0};
    bool eof[2] = {false, false}, shut[2] = {false, false};
    std::vector<uint8_t> pending[2];
    size_t poff[2] = {0, 0};
    std::vector<uint8_t> buf(256 * 1024);
    while (!(eof[0] && eof[1])) {
        pollfd p[2];
        for (int i = 0; i < 2; ++i) {
            p[i].fd = fds[i];
            p[i].events = short((eof[i] ? 0 : POLLIN) | (shut[i] ? 0 : POLLOUT));
            p[i].revents = 0;
        }
        int n = poll(p, 2, timeout_ms);
        if (n <= 0) return false;
        for (int i = 0; i < 2; ++i) {
            if (!shut[i] && (p[i].revents & POLLOUT)) {
                if (poff[i] == pending[i].size() && sent[i] < total) {
                    size_t chunk = std::min<size_t>(total - sent[i], 64 * 1024);
                    pending[i].resize(chunk);
                    gen[i].fill(pending[i].data(), chunk);
                    hs[i].add(pending[i].data(), chunk);
                    sent[i] += chunk;
                    poff[i] = 0;
                }
                if (poff[i] < pending[i].size()) {
                    ssize_t w = send(fds[i], pending[i].data() + poff[i], pending[i].size() - poff[i], MSG_NOSIGNAL);
                    if (w < 0 && errno != EAGAIN) return false;
                    if (w > 0) poff[i] += size_t(w);
                }
                if (sent[i] == total && poff[i] == pending[i].size()) {
                    shutdown(fds[i], SHUT_WR);
                    shut[i] = true;
                }
            }
            if (!eof[i] && (p[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                ssize_t r = recv(fds[i], buf.data(), buf.size(), 0);
                if (r < 0 && errno != EAGAIN) return false;
                if (r == 0) eof[i] = true;
                if (r > 0) {
                    hr[i].add(buf.data(), size_t(r));
                    t.got[i] += size_t(r);
                }
            }
        }
    }
    for (int i = 0; i < 2; ++i) {
        t.sent[i] = hs[i].done();
        t.recvd[i] = hr[i].done();
    }
    return true;
}

// A connected pair: client carrier on A (to `dst`), accepted connection on B's listener.
struct Pair {
    int client = -1;
    Accepted server;
    uint64_t conn_id = 0;
    ~Pair() {
        if (client >= 0) close(client);
        if (server.fd >= 0) close(server.fd);
    }
};

void connect_pair(uint64_t hash_a, int listen_fd, const InetAddr& dst, Pair& p) {
    p.conn_id = random_id();
    p.client = tcp_connect(hash_a, dst, p.conn_id);
    REQUIRE(p.client >= 0);
    short ev = wait_connected(p.client);
    REQUIRE((ev & POLLOUT));
    REQUIRE_FALSE((ev & (POLLERR | POLLHUP)));
    p.server = accept_virtual(listen_fd, 5000);
    REQUIRE(p.server.fd >= 0);
}

}  // namespace

TEST_CASE("node: hello reports the address and the network", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl(n.a.hash());
    REQUIRE(ctl.ok());
    auto h = ctl.hello();
    REQUIRE(h.err == 0);
    CHECK(h.node_address == 0xaaaaaaaa01ULL);
    REQUIRE(h.networks.size() == 1);
    const auto& net = h.networks[0];
    CHECK(net.nwid == 0xc41b8868ac000001ULL);
    CHECK(net.mtu == 2800);
    REQUIRE(net.addr_count == 2);
    CHECK(InetAddr::from_name(net.addrs[0].addr).same_ip(kIpA));
    CHECK(net.addrs[0].prefix_len == 24);
    CHECK(InetAddr::from_name(net.addrs[1].addr).ip_string() == "fd00:147::1");
}

TEST_CASE("node: 20 MB each way through two nodes, with sha256 and half-close", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    InetAddr bound;
    int lfd = tcp_listener(ctl_b, random_id(), with_port(InetAddr::v4(0, 0, 0, 0), 7000), &bound);
    REQUIRE(lfd >= 0);
    CHECK(bound.port == 7000);
    Pair p;
    connect_pair(n.a.hash(), lfd, with_port(kIpB, 7000), p);

    // Status and names agree on both ends.
    Ctl ctl_a(n.a.hash());
    auto st = ctl_a.conn_status(p.conn_id);
    REQUIRE(st.r.err == 0);
    CHECK(st.state == ztctl::ConnState::established);
    InetAddr local = InetAddr::from_name(st.local);
    CHECK(local.same_ip(kIpA));
    CHECK(local.port != 0);
    CHECK(InetAddr::from_name(st.peer) == with_port(kIpB, 7000));
    CHECK(p.server.peer == local);
    CHECK(p.server.local == with_port(kIpB, 7000));

    const size_t total = 20u << 20;
    Transfer t;
    REQUIRE(run_transfer(p.client, p.server.fd, total, t, 30000));
    CHECK(t.got[0] == total);
    CHECK(t.got[1] == total);
    CHECK(t.recvd[1] == t.sent[0]);  // client -> server
    CHECK(t.recvd[0] == t.sent[1]);  // server -> client
    close(lfd);
}

TEST_CASE("node: a connecting carrier shows no events until the node gives up or connects", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl(n.a.hash());
    // Nobody has 10.147.17.99: ARP goes unanswered and the SYN is never sent.
    uint64_t id = random_id();
    bool hidden = false;
    int fd = tcp_connect(n.a.hash(), with_port(InetAddr::v4(10, 147, 17, 99), 80), id, &hidden);
    REQUIRE(fd >= 0);
    CHECK(hidden);
    CHECK(wait_for(fd, POLLIN | POLLOUT, 300) == 0);  // like a kernel socket in SYN_SENT
    CHECK(ctl.conn_status(id).state == ztctl::ConnState::connecting);
    // The app gives up: the node drops the attempt and records it.
    close(fd);
    ztctl::ConnStatusReply st{};
    for (int i = 0; i < 200; ++i) {
        st = ctl.conn_status(id);
        if (st.state != ztctl::ConnState::connecting) break;
        wait_for(ctl.fd(), POLLIN, 10);  // a 10 ms pause on a quiet fd
    }
    CHECK(st.state == ztctl::ConnState::closed);

    // If the app waits, the node gives up when ARP has found nobody (EHOSTUNREACH, ~3 s).
    uint64_t id2 = random_id();
    int fd2 = tcp_connect(n.a.hash(), with_port(InetAddr::v4(10, 147, 17, 98), 80), id2);
    REQUIRE(fd2 >= 0);
    short ev = wait_for(fd2, POLLOUT, 8000);
    CHECK((ev & POLLOUT));
    CHECK((ev & POLLERR));
    auto st2 = ctl.conn_status(id2);
    CHECK(st2.state == ztctl::ConnState::failed);
    CHECK(st2.conn_err == EHOSTUNREACH);
    close(fd2);
    CHECK(ctl.hello().err == 0);
}

TEST_CASE("node: connecting to a closed port is refused like a kernel socket", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl(n.a.hash());
    uint64_t id = random_id();
    bool hidden = false;
    int fd = tcp_connect(n.a.hash(), with_port(kIpB, 7999), id, &hidden);
    REQUIRE(fd >= 0);
    CHECK(hidden);
    short ev = wait_for(fd, POLLOUT, 15000);
    CHECK((ev & POLLOUT));
    CHECK((ev & POLLERR));
    CHECK((ev & POLLHUP));
    auto st = ctl.conn_status(id);
    CHECK(st.state == ztctl::ConnState::failed);
    CHECK(st.conn_err == ECONNREFUSED);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    CHECK(err == ECONNRESET);  // the kernel's own reason, which the shim replaces
    close(fd);

    // Outside every virtual subnet: no route.
    uint64_t id2 = random_id();
    int fd2 = tcp_connect(n.a.hash(), InetAddr::v4(192, 0, 2, 1, 80), id2);
    REQUIRE(fd2 >= 0);
    CHECK((wait_for(fd2, POLLOUT, 5000) & POLLERR));
    CHECK(ctl.conn_status(id2).conn_err == ENETUNREACH);
    close(fd2);
    CHECK(ctl.conn_status(random_id()).state == ztctl::ConnState::unknown);
}

TEST_CASE("node: half-close in each direction", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    int lfd = tcp_listener(ctl_b, random_id(), with_port(kIpB, 7001));
    REQUIRE(lfd >= 0);
    Pair p;
    connect_pair(n.a.hash(), lfd, with_port(kIpB, 7001), p);
    char buf[16];
    // Client writes and shuts its write side: the server reads the bytes, then EOF...
    REQUIRE(send(p.client, "ping", 4, 0) == 4);
    REQUIRE(shutdown(p.client, SHUT_WR) == 0);
    REQUIRE((wait_for(p.server.fd, POLLIN, 5000) & POLLIN));
    REQUIRE(recv(p.server.fd, buf, sizeof buf, MSG_WAITALL) == 4);
    CHECK(std::memcmp(buf, "ping", 4) == 0);
    REQUIRE((wait_for(p.server.fd, POLLIN, 5000) & POLLIN));
    CHECK(recv(p.server.fd, buf, sizeof buf, 0) == 0);
    // ...while the other direction still works, until the server closes too.
    REQUIRE(send(p.server.fd, "pong", 4, 0) == 4);
    close(p.server.fd);
    p.server.fd = -1;
    REQUIRE((wait_for(p.client, POLLIN, 5000) & POLLIN));
    REQUIRE(recv(p.client, buf, sizeof buf, MSG_WAITALL) == 4);
    CHECK(std::memcmp(buf, "pong", 4) == 0);
    REQUIRE((wait_for(p.client, POLLIN, 5000) & POLLIN));
    CHECK(recv(p.client, buf, sizeof buf, 0) == 0);
    close(lfd);
}

TEST_CASE("node: an abortive close reaches the peer as RST", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_a(n.a.hash()), ctl_b(n.b.hash());
    int lfd = tcp_listener(ctl_b, random_id(), with_port(kIpB, 7002));
    REQUIRE(lfd >= 0);
    Pair p;
    connect_pair(n.a.hash(), lfd, with_port(kIpB, 7002), p);
    // The server app sets SO_LINGER {1,0} (forwarded as abort_on_close) and closes.
    REQUIRE(ctl_b.set_option(p.server.uniq, ztctl::OptionId::abort_on_close, 1) == 0);
    close(p.server.fd);
    p.server.fd = -1;
    // The client's carrier ends, and its status says the peer reset the connection.
    REQUIRE((wait_for(p.client, POLLIN, 5000) & (POLLIN | POLLHUP)));
    char c;
    ssize_t r = recv(p.client, &c, 1, 0);
    CHECK((r == 0 || (r < 0 && errno == ECONNRESET)));
    auto st = ctl_a.conn_status(p.conn_id);
    CHECK(st.state == ztctl::ConnState::closed);
    CHECK(st.conn_err == ECONNRESET);

    // Without the option, a close is an orderly FIN: closed with no error.
    Pair q;
    connect_pair(n.a.hash(), lfd, with_port(kIpB, 7002), q);
    close(q.server.fd);
    q.server.fd = -1;
    REQUIRE((wait_for(q.client, POLLIN, 5000) & POLLIN));
    CHECK(recv(q.client, &c, 1, 0) == 0);
    close(q.client);
    q.client = -1;
    // The record turns `closed` once both ends are done; poll the status briefly.
    ztctl::ConnStatusReply st2{};
    for (int i = 0; i < 200; ++i) {
        st2 = ctl_a.conn_status(q.conn_id);
        if (st2.state == ztctl::ConnState::closed) break;
        wait_for(ctl_a.fd(), POLLIN, 10);  // a 10 ms pause on a quiet fd
    }
    CHECK(st2.state == ztctl::ConnState::closed);
    CHECK(st2.conn_err == 0);
    close(lfd);
}

// A server that writes its last bytes and closes with the client's request unread (redis in
// protected mode: DENIED, then close) must deliver those bytes before the RST, as a kernel socket
// does. With node B stopped, the request waits in B's UDP socket while the server writes and
// closes; B then sees the segment first, and the close from inside lwIP's input for that
// connection, where lwIP holds its output back: the RST went out alone (1 run in 15 under load).
TEST_CASE("node: bytes written just before a close with unread data arrive before the RST", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    int lfd = tcp_listener(ctl_b, random_id(), with_port(kIpB, 7003));
    REQUIRE(lfd >= 0);
    for (int round = 0; round < 3; ++round) {
        Pair p;
        connect_pair(n.a.hash(), lfd, with_port(kIpB, 7003), p);
        REQUIRE(kill(n.b.pid(), SIGSTOP) == 0);
        const char request[] = "SET k v\r\n";
        REQUIRE(send(p.client, request, sizeof request - 1, MSG_NOSIGNAL) == ssize_t(sizeof request - 1));
        wait_for(p.client, POLLPRI, 200);  // a pause for node A to forward it (POLLPRI never comes)
        const char reply[] = "-DENIED protected mode\r\n";
        REQUIRE(send(p.server.fd, reply, sizeof reply - 1, MSG_NOSIGNAL) == ssize_t(sizeof reply - 1));
        close(p.server.fd);
        p.server.fd = -1;
        REQUIRE(kill(n.b.pid(), SIGCONT) == 0);
        std::string got;
        char buf[256];
        for (;;) {
            short ev = wait_for(p.client, POLLIN, 5000);
            REQUIRE((ev & (POLLIN | POLLHUP | POLLERR)));
            ssize_t r = recv(p.client, buf, sizeof buf, 0);
            if (r <= 0) break;  // EOF or ECONNRESET, after the reply
            got.append(buf, size_t(r));
        }
        CHECK(got == reply);
    }
    close(lfd);
}

TEST_CASE("node: UDP echo between the nodes", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_a(n.a.hash()), ctl_b(n.b.hash());
    ztctl::BindReply rb{}, ra{};
    int ub = ctl_b.udp_open(random_id(), with_port(kIpB, 5353), rb);
    REQUIRE(ub >= 0);
    REQUIRE(rb.r.err == 0);
    CHECK(InetAddr::from_name(rb.local) == with_port(kIpB, 5353));
    int ua = ctl_a.udp_open(random_id(), InetAddr::v4(0, 0, 0, 0, 0), ra);
    REQUIRE(ua >= 0);
    uint16_t port_a = InetAddr::from_name(ra.local).port;
    CHECK(port_a != 0);

    // Larger than the MTU: IP-fragmented (lwIP reassembles up to 10 fragments, ~27 KB here).
    std::vector<uint8_t> msg(16000), got(70000);
    for (size_t size : {size_t(1), size_t(1400), size_t(5000), size_t(16000)}) {
        for (size_t i = 0; i < size; ++i) msg[i] = uint8_t(i * 7 + size);
        REQUIRE(udp_send(ua, with_port(kIpB, 5353), msg.data(), size));
        InetAddr from;
        long len = udp_recv(ub, from, got.data(), got.size(), 5000);
        REQUIRE(len == long(size));
        CHECK(std::memcmp(got.data(), msg.data(), size) == 0);
        CHECK(from == with_port(kIpA, port_a));
        REQUIRE(udp_send(ub, from, got.data(), size_t(len)));  // echo
        InetAddr back;
        REQUIRE(udp_recv(ua, back, got.data(), got.size(), 5000) == long(size));
        CHECK(back == with_port(kIpB, 5353));
        CHECK(std::memcmp(got.data(), msg.data(), size) == 0);
    }
    // A datagram to a port nobody bound is dropped, and the node keeps going.
    REQUIRE(udp_send(ua, with_port(kIpB, 5354), "x", 1));
    // Connected sockets: family 0 sends to the peer.
    auto rc = ctl_a.udp_connect(InetAddr::from_name(ra.local).port ? 0 : 0, with_port(kIpB, 5353));
    CHECK(rc.r.err == EBADF);  // unknown sock_id
    close(ua);
    close(ub);
    CHECK(ctl_b.hello().err == 0);
}

TEST_CASE("node: TCP and UDP to our own address never enter lwIP", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl(n.a.hash());
    int lfd = tcp_listener(ctl, random_id(), with_port(kIpA, 7100));
    REQUIRE(lfd >= 0);
    Pair p;
    connect_pair(n.a.hash(), lfd, with_port(kIpA, 7100), p);
    auto st = ctl.conn_status(p.conn_id);
    CHECK(st.state == ztctl::ConnState::established);
    CHECK(InetAddr::from_name(st.local).same_ip(kIpA));
    CHECK(p.server.peer == InetAddr::from_name(st.local));
    Transfer t;
    REQUIRE(run_transfer(p.client, p.server.fd, 2u << 20, t, 10000));
    CHECK(t.recvd[1] == t.sent[0]);
    CHECK(t.recvd[0] == t.sent[1]);

    // No listener on our own address: refused.
    uint64_t id = random_id();
    int fd = tcp_connect(n.a.hash(), with_port(kIpA, 7101), id);
    REQUIRE(fd >= 0);
    CHECK((wait_for(fd, POLLOUT, 5000) & POLLERR));
    CHECK(ctl.conn_status(id).conn_err == ECONNREFUSED);
    close(fd);
    // Loopback is never virtual.
    uint64_t id2 = random_id();
    int fd2 = tcp_connect(n.a.hash(), InetAddr::v4(127, 0, 0, 1, 80), id2);
    REQUIRE(fd2 >= 0);
    CHECK((wait_for(fd2, POLLOUT, 5000) & POLLERR));
    CHECK(ctl.conn_status(id2).conn_err == ENETUNREACH);
    close(fd2);

    // UDP between two sockets of the same node.
    ztctl::BindReply r1{}, r2{};
    int u1 = ctl.udp_open(random_id(), with_port(kIpA, 6000), r1);
    int u2 = ctl.udp_open(random_id(), InetAddr::v4(0, 0, 0, 0, 6001), r2);
    REQUIRE(u1 >= 0);
    REQUIRE(u2 >= 0);
    REQUIRE(udp_send(u2, with_port(kIpA, 6000), "hello", 5));
    InetAddr from;
    char buf[16];
    REQUIRE(udp_recv(u1, from, buf, sizeof buf, 2000) == 5);
    CHECK(from == with_port(kIpA, 6001));
    close(u1);
    close(u2);
    close(lfd);
    CHECK(ctl.hello().err == 0);  // still alive
}

TEST_CASE("node: IPv6 TCP between the nodes", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    int lfd = tcp_listener(ctl_b, random_id(), v6("::", 7200));
    REQUIRE(lfd >= 0);
    Pair p;
    connect_pair(n.a.hash(), lfd, v6("fd00:147::2", 7200), p);
    CHECK(p.server.peer.ip_string() == "fd00:147::1");
    Transfer t;
    REQUIRE(run_transfer(p.client, p.server.fd, 1u << 20, t, 15000));
    CHECK(t.recvd[1] == t.sent[0]);
    CHECK(t.recvd[0] == t.sent[1]);
    close(lfd);
}

TEST_CASE("node: bind conflicts and listeners that go away", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl(n.b.hash());
    uint64_t s1 = random_id(), s2 = random_id();
    int lfd = tcp_listener(ctl, s1, with_port(kIpB, 7300));
    REQUIRE(lfd >= 0);
    CHECK(ctl.tcp_bind(s2, with_port(kIpB, 7300)).r.err == EADDRINUSE);
    CHECK(ctl.tcp_bind(random_id(), InetAddr::v4(0, 0, 0, 0, 7300)).r.err == EADDRINUSE);
    CHECK(ctl.tcp_bind(random_id(), InetAddr::v4(10, 9, 9, 9, 7301)).r.err == EADDRNOTAVAIL);
    // tcp_listen before the app bound its 'L' name is a protocol error.
    uint64_t s3 = random_id();
    REQUIRE(ctl.tcp_bind(s3, with_port(kIpB, 7302)).r.err == 0);
    CHECK(ctl.tcp_listen(s3) == EINVAL);

    // SO_REUSEADDR: a restarted server may bind again while old connections linger; without
    // it the port stays in use.
    uint64_t s4 = random_id();
    int lfd4 = tcp_listener(ctl, s4, with_port(kIpB, 7303), nullptr, true);
    REQUIRE(lfd4 >= 0);
    {
        Pair p;
        connect_pair(n.a.hash(), lfd4, with_port(kIpB, 7303), p);
        close(p.server.fd);  // the server closes first: its side ends in TIME_WAIT
        p.server.fd = -1;
        char c;
        REQUIRE((wait_for(p.client, POLLIN, 5000) & POLLIN));
        CHECK(recv(p.client, &c, 1, 0) == 0);
    }
    close(lfd4);
    CHECK(ctl.tcp_release(s4) == 0);
    CHECK(ctl.tcp_bind(random_id(), with_port(kIpB, 7303)).r.err == EADDRINUSE);
    CHECK(ctl.tcp_bind(random_id(), with_port(kIpB, 7303), true).r.err == 0);

    // The app closes its listener: the next connection is refused and the port is free again.
    close(lfd);
    CHECK(ctl.tcp_release(s1) == 0);
    uint64_t id = random_id();
    int fd = tcp_connect(n.a.hash(), with_port(kIpB, 7300), id);
    REQUIRE(fd >= 0);
    CHECK((wait_for(fd, POLLOUT, 15000) & POLLERR));
    close(fd);
    Ctl ctl_a(n.a.hash());
    CHECK(ctl_a.conn_status(id).conn_err == ECONNREFUSED);
    CHECK(ctl.tcp_bind(random_id(), with_port(kIpB, 7300)).r.err == 0);
}

TEST_CASE("node: malformed control messages and preambles do not hurt the node", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl(n.a.hash());
    // Too short for a header: dropped without a reply.
    REQUIRE(send(ctl.fd(), "abc", 3, 0) == 3);
    // Unknown op and short request: EINVAL.
    ztctl::MsgHeader bad{};
    bad.op = ztctl::Op(999);
    ztctl::ReplyHeader rep{};
    REQUIRE(ctl.call(&bad, sizeof bad, &rep, sizeof rep));
    CHECK(rep.err == EINVAL);
    ztctl::MsgHeader short_bind{};
    short_bind.op = ztctl::Op::tcp_bind;
    ztctl::BindReply brep{};
    REQUIRE(ctl.call(&short_bind, sizeof short_bind, &brep, sizeof brep));
    CHECK(brep.r.err == EINVAL);
    // Wrong version: EINVAL.
    std::array<uint8_t, sizeof(ztctl::Hello)> raw{};
    ztctl::Hello hv{};
    hv.h.op = ztctl::Op::hello;
    std::memcpy(raw.data(), &hv, sizeof hv);
    raw[0] = 77;  // version
    REQUIRE(send(ctl.fd(), raw.data(), raw.size(), 0) == ssize_t(raw.size()));
    REQUIRE((wait_for(ctl.fd(), POLLIN, 2000) & POLLIN));
    REQUIRE(recv(ctl.fd(), &rep, sizeof rep, 0) == ssize_t(sizeof rep));
    CHECK(rep.err == EINVAL);
    // A preamble with the wrong magic: the carrier is closed.
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto tname = stack::node_name(ztctl::NameKind::tcp_connect, n.a.hash());
    REQUIRE(connect(fd, tname.addr(), tname.len) == 0);
    std::vector<uint8_t> junk(200, 0x5a);
    REQUIRE(send(fd, junk.data(), junk.size(), MSG_NOSIGNAL) == ssize_t(junk.size()));
    CHECK((wait_for(fd, POLLIN, 5000) & POLLHUP));
    close(fd);
    // A preamble whose total_len is absurd: refused with EINVAL under its conn_id.
    uint64_t id = random_id();
    int fd2 = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(connect(fd2, tname.addr(), tname.len) == 0);
    ztctl::PreambleHeader h{};
    h.magic = ztctl::kPreambleMagic;
    h.version = ztctl::kVersion;
    h.header_len = sizeof h;
    h.total_len = 3;
    h.conn_id = id;
    h.peer = with_port(kIpB, 80).to_name();
    REQUIRE(send(fd2, &h, sizeof h, MSG_NOSIGNAL) == ssize_t(sizeof h));
    CHECK((wait_for(fd2, POLLIN, 5000) & POLLHUP));
    close(fd2);
    CHECK(ctl.conn_status(id).conn_err == EINVAL);
    // Still serving.
    auto hello = ctl.hello();
    CHECK(hello.err == 0);
    CHECK(hello.node_address == 0xaaaaaaaa01ULL);
}

TEST_CASE("node: accepted connections wait while the app's accept queue is full", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    // A listener whose unix backlog holds a single connection, and an app that is slow to accept.
    uint64_t sock = random_id();
    auto rep = ctl_b.tcp_bind(sock, with_port(kIpB, 7600));
    REQUIRE(rep.r.err == 0);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    auto lname = stack::listener_name(n.b.hash(), rep.local, sock);
    REQUIRE(bind(lfd, lname.addr(), lname.len) == 0);
    REQUIRE(listen(lfd, 0) == 0);
    REQUIRE(ctl_b.tcp_listen(sock) == 0);
    const int kConns = 4;
    int clients[kConns];
    for (int& c : clients) {
        c = tcp_connect(n.a.hash(), with_port(kIpB, 7600), random_id());
        REQUIRE(c >= 0);
        REQUIRE((wait_for(c, POLLOUT, 15000) & POLLOUT));  // TCP-established at once, like a kernel
        REQUIRE(send(c, "hi", 2, 0) == 2);
    }
    // Accept them one at a time; the node keeps retrying its connects into the full queue.
    for (int i = 0; i < kConns; ++i) {
        Accepted a = accept_virtual(lfd, 5000);
        REQUIRE(a.fd >= 0);
        char buf[2];
        REQUIRE(recv(a.fd, buf, 2, MSG_WAITALL) == 2);
        CHECK(std::memcmp(buf, "hi", 2) == 0);
        close(a.fd);
    }
    for (int c : clients) close(c);
    close(lfd);
}

TEST_CASE("node: a UDP socket whose app does not read drops, like a full receive buffer", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_a(n.a.hash()), ctl_b(n.b.hash());
    ztctl::BindReply rb{}, ra{};
    int ub = ctl_b.udp_open(random_id(), with_port(kIpB, 5400), rb);
    int ua = ctl_a.udp_open(random_id(), InetAddr::v4(0, 0, 0, 0, 0), ra);
    REQUIRE(ub >= 0);
    REQUIRE(ua >= 0);
    std::vector<uint8_t> msg(1400, 0x42);
    const int kSent = 3000;  // 4 MB: more than the node's 1 MiB send buffer towards the app
    int sent = 0;
    for (int i = 0; i < kSent; ++i) {
        if (!(wait_for(ua, POLLOUT, 5000) & POLLOUT)) break;
        sent += udp_send(ua, with_port(kIpB, 5400), msg.data(), msg.size());
    }
    CHECK(sent == kSent);
    // Give the nodes a moment to move what they can (a quiet fd as the clock), then drain.
    wait_for(ctl_a.fd(), POLLIN, 500);
    int got = 0;
    InetAddr from;
    while (udp_recv(ub, from, msg.data(), msg.size(), 200) == 1400) ++got;
    CHECK(got > 0);
    CHECK(got < kSent);
    // The socket still works afterwards.
    REQUIRE(udp_send(ua, with_port(kIpB, 5400), "z", 1));
    char c = 0;
    CHECK(udp_recv(ub, from, &c, 1, 5000) == 1);
    CHECK(c == 'z');
    close(ua);
    close(ub);
}

TEST_CASE("node: connections from other uids are refused", "[stack][integration]") {
    if (getuid() != 0) {
        WARN("not root: cannot switch uid, skipped");
        return;
    }
    TwoNodes n;
    int res[2];
    REQUIRE(pipe(res) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(res[0]);
        char verdict = 'x';
        if (setgid(65534) == 0 && setuid(65534) == 0) {
            // Control: the node closes the connection without answering the hello.
            Ctl ctl(n.a.hash());
            bool ctl_refused = !ctl.ok() || ctl.hello().err == -1;
            // 'T': the carrier is closed (HUP) instead of connecting.
            int fd = tcp_connect(n.a.hash(), with_port(kIpA, 7700), random_id());
            bool t_refused = fd < 0 || (wait_for(fd, POLLIN, 5000) & POLLHUP);
            verdict = ctl_refused && t_refused ? 'y' : 'n';
        }
        if (write(res[1], &verdict, 1) != 1) _exit(2);
        _exit(0);
    }
    close(res[1]);
    char verdict = 0;
    REQUIRE((wait_for(res[0], POLLIN, 15000) & POLLIN));
    REQUIRE(read(res[0], &verdict, 1) == 1);
    close(res[0]);
    waitpid(pid, nullptr, 0);
    CHECK(verdict == 'y');
    Ctl ctl(n.a.hash());
    CHECK(ctl.hello().err == 0);  // and still serves its own uid
}

size_t open_fds(pid_t pid) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
    return n;
}

TEST_CASE("node: many short connections leave nothing behind", "[stack][integration]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    int lfd = tcp_listener(ctl_b, random_id(), with_port(kIpB, 7500));
    REQUIRE(lfd >= 0);
    Ctl ctl_a(n.a.hash());
    REQUIRE(ctl_a.hello().err == 0);
    size_t fds_a = open_fds(n.a.pid()), fds_b = open_fds(n.b.pid());
    char buf[1024] = {};
    for (int i = 0; i < 200; ++i) {
        Pair p;
        connect_pair(n.a.hash(), lfd, with_port(kIpB, 7500), p);
        REQUIRE(send(p.client, buf, sizeof buf, 0) == ssize_t(sizeof buf));
        REQUIRE(recv(p.server.fd, buf, sizeof buf, MSG_WAITALL) == ssize_t(sizeof buf));
        REQUIRE(send(p.server.fd, buf, sizeof buf, 0) == ssize_t(sizeof buf));
        REQUIRE(recv(p.client, buf, sizeof buf, MSG_WAITALL) == ssize_t(sizeof buf));
        if (i % 2) {  // either side may close first
            close(p.client);
            p.client = -1;
            REQUIRE(recv(p.server.fd, buf, 1, 0) == 0);
        } else {
            close(p.server.fd);
            p.server.fd = -1;
            REQUIRE(recv(p.client, buf, 1, 0) == 0);
        }
    }
    // Every carrier and connector is closed again once the last FINs are through.
    bool settled = false;
    for (int i = 0; i < 300 && !settled; ++i) {
        settled = open_fds(n.a.pid()) == fds_a && open_fds(n.b.pid()) == fds_b;
        if (!settled) wait_for(ctl_a.fd(), POLLIN, 10);  // a 10 ms pause on a quiet fd
    }
    CHECK(open_fds(n.a.pid()) == fds_a);
    CHECK(open_fds(n.b.pid()) == fds_b);
    CHECK(ctl_a.hello().err == 0);
    close(lfd);
}

// Not run by default (hidden tag): `stack_integration_tests "[.bench]"` prints the rate of
// one 200 MB transfer each way at once through two nodes.
TEST_CASE("node: throughput through two nodes", "[.bench]") {
    TwoNodes n;
    Ctl ctl_b(n.b.hash());
    int lfd = tcp_listener(ctl_b, random_id(), with_port(kIpB, 7400));
    REQUIRE(lfd >= 0);
    Pair p;
    connect_pair(n.a.hash(), lfd, with_port(kIpB, 7400), p);
    const size_t total = 200u << 20;
    Transfer t;
    timespec t0{}, t1{};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    REQUIRE(run_transfer(p.client, p.server.fd, total, t, 60000));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = double(t1.tv_sec - t0.tv_sec) + double(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(t.recvd[1] == t.sent[0]);
    CHECK(t.recvd[0] == t.sent[1]);
    WARN("2 x " << (total >> 20) << " MB in " << s << " s: " << double(total) * 8 / s / 1e6 << " Mbit/s each way");
    close(lfd);
}

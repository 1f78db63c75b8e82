// The Stack in-process: frames from the network that lwIP must never see (own or loopback
// sources would make it answer itself through its loopback path, which aborts without the
// tcpip thread), a legitimate SYN that it must answer, and random garbage.
#include <catch2/catch.hpp>

#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <vector>

#include "stack/names.hpp"
#include "stack/stack.hpp"
#include "tools/ztnode/event_loop.hpp"

using namespace zt;
using namespace zt::stack;

namespace {

const NetworkId kNet{0xc41b8868ac000001ULL};
const Mac kOurMac = Mac::from_address(Address(0xaaaaaaaa01ULL), kNet);
const Mac kPeerMac = Mac::from_address(Address(0xbbbbbbbb02ULL), kNet);

uint16_t csum(const uint8_t* p, size_t n, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
    if (n & 1) sum += uint32_t(p[n - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

// Ethernet + IPv4 + TCP SYN with valid checksums.
std::vector<uint8_t> syn_frame(InetAddr src, InetAddr dst) {
    std::vector<uint8_t> f(14 + 20 + 20, 0);
    auto d = kOurMac.bytes(), s = kPeerMac.bytes();
    std::memcpy(&f[0], d.data(), 6);
    std::memcpy(&f[6], s.data(), 6);
    f[12] = 0x08;
    uint8_t* ip = &f[14];
    ip[0] = 0x45;
    ip[3] = 40;
    ip[8] = 64;
    ip[9] = 6;
    std::memcpy(ip + 12, src.ip.data(), 4);
    std::memcpy(ip + 16, dst.ip.data(), 4);
    uint16_t ic = csum(ip, 20);
    ip[10] = uint8_t(ic >> 8);
    ip[11] = uint8_t(ic);
    uint8_t* tcp = ip + 20;
    tcp[0] = uint8_t(src.port >> 8);
    tcp[1] = uint8_t(src.port);
    tcp[2] = uint8_t(dst.port >> 8);
    tcp[3] = uint8_t(dst.port);
    tcp[7] = 1;  // seq
    tcp[12] = 5 << 4;
    tcp[13] = 0x02;  // SYN
    tcp[14] = 0xff;
    tcp[15] = 0xff;
    uint8_t pseudo[12 + 20];
    std::memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = 6;
    pseudo[10] = 0;
    pseudo[11] = 20;
    std::memcpy(pseudo + 12, tcp, 20);
    uint16_t tc = csum(pseudo, sizeof pseudo);
    tcp[16] = uint8_t(tc >> 8);
    tcp[17] = uint8_t(tc);
    return f;
}

struct Fixture {
    node::EventLoop loop;
    std::vector<std::vector<uint8_t>> sent;
    uint64_t hash = random_hash();
    Stack stack;
    int lfd = -1;

    static uint64_t random_hash() {
        uint64_t h = 0;
        while (getrandom(&h, sizeof h, 0) != sizeof h) {
        }
        return h;
    }
    Fixture()
        : stack(loop, StackOptions{hash, getuid(), {}, {}},
                [this](NetworkId, std::span<const uint8_t> f) { sent.emplace_back(f.begin(), f.end()); }) {
        std::string err;
        REQUIRE(stack.start(err));
        NetworkSetup n;
        n.nwid = kNet;
        n.mac = kOurMac;
        n.addrs = {*InetPrefix::parse("10.1.0.1/24")};
        stack.set_networks({n});
        REQUIRE(stack.networks().size() == 1);
        // A listener on 10.1.0.1:80, as the shim would set it up.
        ztctl::TcpBind b{};
        b.sock_id = 1;
        b.local = InetAddr::v4(10, 1, 0, 1, 80).to_name();
        auto r = stack.op_tcp_bind(b);
        REQUIRE(r.err == 0);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        UnixName ln = listener_name(hash, r.local, 1);
        REQUIRE(bind(lfd, ln.addr(), ln.len) == 0);
        REQUIRE(listen(lfd, 16) == 0);
        ztctl::TcpListen l{};
        l.sock_id = 1;
        l.backlog = 16;
        REQUIRE(stack.op_tcp_listen(l) == 0);
        loop.run_once(0);
        sent.clear();
    }
    ~Fixture() {
        if (lfd >= 0) close(lfd);
    }
};

}  // namespace

TEST_CASE("stack: SYNs from our own or a loopback address are dropped before lwIP", "[stack]") {
    Fixture fx;
    auto before = fx.stack.stats();
    for (InetAddr src : {InetAddr::v4(10, 1, 0, 1, 1234), InetAddr::v4(127, 0, 0, 1, 1234),
                         InetAddr::v4(224, 0, 0, 1, 1234)}) {
        auto f = syn_frame(src, InetAddr::v4(10, 1, 0, 1, 80));
        fx.stack.on_frame(kNet, f);
        fx.loop.run_once(0);
    }
    auto after = fx.stack.stats();
    CHECK(after.frames_dropped - before.frames_dropped == 3);
    CHECK(fx.sent.empty());  // no SYN-ACK, no ARP: lwIP never saw them

    // A foreign destination (would be forwarded: Debian's lwIP has IP_FORWARD) is dropped too.
    fx.stack.on_frame(kNet, syn_frame(InetAddr::v4(10, 1, 0, 2, 1234), InetAddr::v4(10, 1, 0, 3, 80)));
    CHECK(fx.stack.stats().frames_dropped - after.frames_dropped == 1);
    // So is anything on a network we did not join.
    fx.stack.on_frame(NetworkId{1}, syn_frame(InetAddr::v4(10, 1, 0, 2, 1234), InetAddr::v4(10, 1, 0, 1, 80)));
    CHECK(fx.stack.stats().frames_dropped - after.frames_dropped == 2);
}

TEST_CASE("stack: a SYN from a peer is answered (ARP first)", "[stack]") {
    Fixture fx;
    fx.stack.on_frame(kNet, syn_frame(InetAddr::v4(10, 1, 0, 2, 1234), InetAddr::v4(10, 1, 0, 1, 80)));
    fx.loop.run_once(0);
    REQUIRE_FALSE(fx.sent.empty());
    // lwIP learns nothing from a TCP segment, so it asks who 10.1.0.2 is: an ARP request
    // from our MAC, broadcast.
    const auto& f = fx.sent.front();
    REQUIRE(f.size() >= 42);
    CHECK(Mac::from_bytes(f.data()).is_broadcast());
    CHECK(Mac::from_bytes(f.data() + 6) == kOurMac);
    CHECK(f[12] == 0x08);
    CHECK(f[13] == 0x06);
}

TEST_CASE("stack: random frames do not crash it", "[stack]") {
    Fixture fx;
    std::mt19937 rng(12345);
    std::vector<uint8_t> f;
    for (int i = 0; i < 20000; ++i) {
        f.resize(rng() % 1600);
        for (auto& b : f) b = uint8_t(rng());
        if (f.size() >= 34 && (i % 2)) {  // plausible headers addressed to us
            auto d = kOurMac.bytes();
            std::memcpy(f.data(), d.data(), 6);
            static const uint16_t types[] = {0x0800, 0x0806, 0x86dd};
            uint16_t t = types[rng() % 3];
            f[12] = uint8_t(t >> 8);
            f[13] = uint8_t(t);
            if (t == 0x0800) {
                f[14] = 0x45;
                f[30] = 10;
                f[31] = 1;
                f[32] = 0;
                f[33] = 1;
            }
        }
        fx.stack.on_frame(kNet, f);
        if (i % 100 == 0) fx.loop.run_once(0);
    }
    CHECK(fx.stack.stats().frames_in >= 20000);
}

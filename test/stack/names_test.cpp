// Socket names of control_protocol.hpp and the address helpers of stack/inet.hpp.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "stack/inet.hpp"
#include "stack/names.hpp"
#include "stack/unix_listeners.hpp"

using namespace zt::stack;

namespace {
const uint64_t kHash = 0x1122334455667788ULL;
constexpr size_t kPath = offsetof(sockaddr_un, sun_path);
}  // namespace

TEST_CASE("names: home hash is FNV-1a 64", "[stack][names]") {
    CHECK(home_hash_of("") == 0xcbf29ce484222325ULL);
    CHECK(home_hash_of("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(home_hash_of("foobar") == 0x85944171f73967e8ULL);
}

TEST_CASE("names: node names are prefix, kind and little-endian hash", "[stack][names]") {
    UnixName k = node_name(ztctl::NameKind::control, kHash);
    REQUIRE(k.len == kPath + 13);
    const unsigned char want[13] = {0, 'z', 't', 'i', 'K', 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11};
    CHECK(std::memcmp(k.sa.sun_path, want, 13) == 0);
    auto d = decode_name(k.sa, k.len);
    REQUIRE(d);
    CHECK(d->kind == ztctl::NameKind::control);
    CHECK(d->home_hash == kHash);
    UnixName t = node_name(ztctl::NameKind::tcp_connect, kHash);
    CHECK(t.sa.sun_path[4] == 'T');
}

TEST_CASE("names: 'A' names carry peer, local and uniq and decode back", "[stack][names]") {
    InetAddr peer = InetAddr::v4(10, 147, 17, 1, 40000);
    InetAddr local = *InetAddr::parse_ip("fd00::2");
    local.port = 80;
    UnixName a = accepted_name(kHash, peer.to_name(), local.to_name(), 0xdeadbeefcafef00dULL);
    REQUIRE(a.len == kPath + ztctl::kAcceptedNameLen);
    CHECK(ztctl::kAcceptedNameLen == 59);
    // Layout: header(13) peer(19) local(19) uniq(8, native order).
    CHECK(uint8_t(a.sa.sun_path[13]) == 4);
    CHECK(uint8_t(a.sa.sun_path[14]) == 10);
    CHECK(uint8_t(a.sa.sun_path[30]) == (40000 >> 8));  // port, network order
    CHECK(uint8_t(a.sa.sun_path[31]) == (40000 & 0xff));
    CHECK(uint8_t(a.sa.sun_path[32]) == 6);
    auto d = decode_name(a.sa, a.len);
    REQUIRE(d);
    CHECK(d->kind == ztctl::NameKind::accepted);
    CHECK(InetAddr::from_name(d->first) == peer);
    CHECK(InetAddr::from_name(d->second) == local);
    CHECK(d->id == 0xdeadbeefcafef00dULL);
}

TEST_CASE("names: 'L' and 'C' names round-trip", "[stack][names]") {
    InetAddr bound = InetAddr::v4(0, 0, 0, 0, 8080);
    UnixName l = listener_name(kHash, bound.to_name(), 42);
    auto d = decode_name(l.sa, l.len);
    REQUIRE(d);
    CHECK(d->kind == ztctl::NameKind::listener);
    CHECK(InetAddr::from_name(d->first) == bound);
    CHECK(d->id == 42);
    UnixName c = client_name(kHash, InetAddr::v4(10, 0, 0, 2, 22).to_name(), 7);
    auto dc = decode_name(c.sa, c.len);
    REQUIRE(dc);
    CHECK(dc->kind == ztctl::NameKind::client);
    CHECK(dc->id == 7);
}

TEST_CASE("names: foreign and malformed names do not decode", "[stack][names]") {
    UnixName l = listener_name(kHash, InetAddr::v4(10, 0, 0, 1, 1).to_name(), 1);
    CHECK_FALSE(decode_name(l.sa, socklen_t(l.len - 1)));  // wrong length for the kind
    CHECK_FALSE(decode_name(l.sa, 2));                     // unnamed
    UnixName bad = l;
    bad.sa.sun_path[1] = 'Z';
    CHECK_FALSE(decode_name(bad.sa, bad.len));
    bad = l;
    bad.sa.sun_path[4] = 'Q';
    CHECK_FALSE(decode_name(bad.sa, bad.len));
    bad = l;
    bad.sa.sun_path[13] = 5;  // family
    CHECK_FALSE(decode_name(bad.sa, bad.len));
}

TEST_CASE("inet: parse, print, prefixes and special addresses", "[stack][inet]") {
    auto p = InetPrefix::parse("10.147.17.11/24");
    REQUIRE(p);
    CHECK(p->contains(InetAddr::v4(10, 147, 17, 200)));
    CHECK_FALSE(p->contains(InetAddr::v4(10, 147, 18, 1)));
    CHECK(p->broadcast()->ip_string() == "10.147.17.255");
    CHECK_FALSE(InetPrefix::parse("10.1.1.1/32")->broadcast());
    CHECK_FALSE(InetPrefix::parse("10.1.1.1"));
    CHECK_FALSE(InetPrefix::parse("10.1.1.1/"));
    CHECK_FALSE(InetPrefix::parse("fd00::1/129"));
    auto p6 = InetPrefix::parse("fd00:1:2::1/88");
    REQUIRE(p6);
    CHECK(p6->contains(*InetAddr::parse_ip("fd00:1:2::99")));
    CHECK_FALSE(p6->contains(InetAddr::v4(10, 0, 0, 1)));
    auto mapped = InetAddr::parse_ip("::ffff:10.1.2.3");
    REQUIRE(mapped);
    CHECK(mapped->is_v4_mapped());
    CHECK(mapped->unmapped() == InetAddr::v4(10, 1, 2, 3));
    CHECK(InetAddr::v4(127, 0, 0, 5).is_loopback());
    CHECK(InetAddr::parse_ip("::1")->is_loopback());
    CHECK(InetAddr::v4(239, 1, 1, 1).is_multicast());
    CHECK(InetAddr::v4(10, 0, 0, 1, 80).to_string() == "10.0.0.1:80");
    auto v6 = *InetAddr::parse_ip("fd00::1");
    v6.port = 443;
    CHECK(v6.to_string() == "[fd00::1]:443");
    CHECK(InetAddr::from_name(v6.to_name()) == v6);
}

TEST_CASE("names: a new node finds the listening 'L' sockets of its home and user", "[stack][names]") {
    const uint64_t hash = 0x5eed000000000000ULL | uint64_t(getpid());
    ztctl::NameAddr bound{};
    bound.family = 4;
    bound.ip[0] = 10;
    bound.ip[3] = 7;
    bound.port_be = htons(8080);
    auto listen_on = [](const UnixName& n) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        REQUIRE(::bind(fd, n.addr(), n.len) == 0);
        return fd;
    };
    int listening = listen_on(listener_name(hash, bound, 0x1111));
    REQUIRE(::listen(listening, 4) == 0);
    int bound_only = listen_on(listener_name(hash, bound, 0x2222));      // not listening
    int other_home = listen_on(listener_name(hash + 1, bound, 0x3333));  // another home
    REQUIRE(::listen(other_home, 4) == 0);

    // A listener with our name made by another user is not ours (needs root to stage).
    int ready[2] = {-1, -1}, done[2] = {-1, -1};
    pid_t child = -1;
    if (geteuid() == 0) {
        REQUIRE(pipe(ready) == 0);
        REQUIRE(pipe(done) == 0);
        child = fork();
        if (child == 0) {
            if (setresuid(65534, 65534, 65534) != 0) _exit(1);
            int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
            auto n = listener_name(hash, bound, 0x4444);
            if (fd < 0 || ::bind(fd, n.addr(), n.len) != 0 || ::listen(fd, 4) != 0) _exit(2);
            (void)!write(ready[1], "r", 1);
            char c;
            (void)!read(done[0], &c, 1);  // until the parent has looked
            _exit(0);
        }
        char c = 0;
        REQUIRE(read(ready[0], &c, 1) == 1);
    } else {
        WARN("not root: the other-user case is not staged");
    }

    std::string error;
    auto found = find_app_listeners(hash, geteuid(), error);
    REQUIRE(found.has_value());
    std::vector<uint64_t> ids;
    for (const auto& d : *found) {
        CHECK(d.home_hash == hash);
        CHECK(std::memcmp(&d.first, &bound, sizeof bound) == 0);
        ids.push_back(d.id);
    }
    CHECK(ids == std::vector<uint64_t>{0x1111});

    if (child > 0) {
        (void)!write(done[1], "x", 1);
        int status = 0;
        waitpid(child, &status, 0);
        CHECK(WEXITSTATUS(status) == 0);
        for (int fd : {ready[0], ready[1], done[0], done[1]}) close(fd);
    }
    close(listening);
    close(bound_only);
    close(other_home);
}

TEST_CASE("names: unix_socket_table finds the peers of connected sockets and listeners by name", "[stack][names]") {
    int pair[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0);
    const uint64_t hash = 0x5566778899aabbccULL ^ uint64_t(getpid());
    ztctl::NameAddr bound{};
    bound.family = 4;
    bound.port_be = htons(8080);
    const UnixName lname = listener_name(hash, bound, 0x7777);
    int listening = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(::bind(listening, lname.addr(), lname.len) == 0);
    REQUIRE(::listen(listening, 4) == 0);
    // A connection to it: the accepted socket carries the listener's name too, and must not
    // shadow the listener in the by-name lookup.
    int client = ::socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(::connect(client, lname.addr(), lname.len) == 0);
    int accepted = ::accept(listening, nullptr, nullptr);
    REQUIRE(accepted >= 0);

    std::string error;
    auto table = unix_socket_table(error);
    REQUIRE(table.has_value());
    CHECK(error.empty());
    const uint64_t a = socket_inode(pair[0]), b = socket_inode(pair[1]);
    REQUIRE(a != 0);
    REQUIRE(b != 0);
    CHECK(table->peer_of(a) == b);
    CHECK(table->peer_of(b) == a);
    CHECK(table->peer_of(socket_inode(client)) == socket_inode(accepted));
    CHECK(table->inode_of(lname) == socket_inode(listening));
    CHECK(table->inode_of(listener_name(hash, bound, 0x7778)) == 0);
    CHECK(table->peer_of(socket_inode(listening)) == 0);
    // SO_PEERCRED: a connection to a listener names the process that listened.
    CHECK(peer_pid(client) == getpid());
    CHECK(peer_pid(-1) == 0);
    for (int fd : {pair[0], pair[1], listening, client, accepted}) close(fd);
}

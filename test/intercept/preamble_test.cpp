// Preamble sizing, checked against the kernel: a preamble of preamble_len(SO_SNDBUF) bytes left
// unread holds back POLLOUT on an AF_UNIX stream, and reading it all releases POLLOUT
// (fd-model-facts.md Q1).
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "intercept/preamble.hpp"

using namespace zti;

namespace {

short revents(int fd) {
    pollfd p{fd, POLLOUT, 0};
    return poll(&p, 1, 0) == 1 ? p.revents : 0;
}

}  // namespace

TEST_CASE("preamble: size is above a quarter of SO_SNDBUF, 64-byte multiple, holds the header", "[intercept]") {
    for (int sndbuf : {0, 4608, 8192, 212992, 425984, 8388608}) {
        const uint32_t n = preamble_len(sndbuf);
        CHECK(n % 64 == 0);
        CHECK(n >= sizeof(ztctl::PreambleHeader));
        CHECK(uint64_t(n) * 4 > uint64_t(sndbuf));
        CHECK(n <= uint32_t(sndbuf) / 4 + 64 + sizeof(ztctl::PreambleHeader));
    }
    CHECK(preamble_len(212992) == 53312);
}

TEST_CASE("preamble: header fields", "[intercept]") {
    ztctl::NameAddr peer{};
    peer.family = 4;
    peer.port_be = htons(22);
    PreambleOptions o;
    o.keepalive = true;
    o.keepalive_idle_s = 60;
    o.bound = true;
    o.sock_id = 77;
    const ztctl::PreambleHeader h = make_preamble(53312, 0xabcdef, peer, o);
    CHECK(h.magic == ztctl::kPreambleMagic);
    CHECK(h.version == ztctl::kVersion);
    CHECK(h.header_len == sizeof h);
    CHECK(h.total_len == 53312);
    CHECK(h.flags == (ztctl::kPreambleKeepalive | ztctl::kPreambleBound));
    CHECK(h.conn_id == 0xabcdef);
    CHECK(h.sock_id == 77);
    CHECK(std::memcmp(&h.peer, &peer, sizeof peer) == 0);
    CHECK(h.keepalive_idle_s == 60);
    CHECK(make_preamble(100, 1, peer, PreambleOptions{}).sock_id == 0);
}

TEST_CASE("preamble: the kernel hides POLLOUT until the node reads it all", "[intercept]") {
    for (int set : {-1, 0, 4096, 65536}) {  // -1: leave the default
        int sv[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        if (set >= 0) REQUIRE(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &set, sizeof set) == 0);
        int sndbuf = 0;
        socklen_t l = sizeof sndbuf;
        REQUIRE(getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, &l) == 0);
        CHECK((revents(sv[0]) & POLLOUT));
        const uint32_t n = preamble_len(sndbuf);
        std::vector<char> buf(n, 0);
        REQUIRE(write(sv[0], buf.data(), n) == ssize_t(n));
        INFO("SO_SNDBUF " << sndbuf << ", preamble " << n);
        CHECK_FALSE((revents(sv[0]) & POLLOUT));
        std::vector<char> in(n);
        REQUIRE(recv(sv[1], in.data(), n, MSG_WAITALL) == ssize_t(n));
        CHECK((revents(sv[0]) & POLLOUT));
        close(sv[0]);
        close(sv[1]);
    }
}

TEST_CASE("preamble: closing the node end unread looks like a refused connect", "[intercept]") {
    int sv[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
    const uint32_t n = preamble_len(212992);
    std::vector<char> buf(n, 0);
    REQUIRE(write(sv[0], buf.data(), n) == ssize_t(n));
    close(sv[1]);
    const short ev = revents(sv[0]);
    CHECK((ev & POLLOUT));
    CHECK((ev & POLLERR));
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &l);
    CHECK(err == ECONNRESET);  // what the shim's SO_ERROR hook replaces with the node's reason
    getsockopt(sv[0], SOL_SOCKET, SO_ERROR, &err, &l);
    CHECK(err == 0);
    close(sv[0]);
}

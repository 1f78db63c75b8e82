// fd table: entries, dup/close semantics, range removal, option storage, and readers that never
// see a torn entry while another thread writes.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "intercept/fd_table.hpp"

using namespace zti;

namespace {

std::unique_ptr<FdTable> fresh() { return std::make_unique<FdTable>(); }

FdEntry client(uint64_t id) {
    FdEntry e = make_entry(Kind::tcp_client, AF_INET, SOCK_STREAM, IPPROTO_TCP);
    e.id = id;
    e.state = ConnState::connecting;
    return e;
}

}  // namespace

TEST_CASE("fd table: untracked fds are Kind::none, out-of-range ones too", "[intercept]") {
    auto t = fresh();
    FdEntry e;
    CHECK(t->kind(0) == Kind::none);
    CHECK(t->kind(12345) == Kind::none);
    CHECK(t->kind(-1) == Kind::none);
    CHECK(t->kind(FdTable::kMaxFd) == Kind::none);
    CHECK_FALSE(t->get(7, e));
    t->set(FdTable::kMaxFd + 5, client(1));  // ignored
    CHECK(t->kind(FdTable::kMaxFd + 5) == Kind::none);
    CHECK_FALSE(t->update(7, [](FdEntry&) { FAIL("called for an untracked fd"); }));
}

TEST_CASE("fd table: set, get, update, clear", "[intercept]") {
    auto t = fresh();
    t->set(5, client(99));
    CHECK(t->kind(5) == Kind::tcp_client);
    FdEntry e;
    REQUIRE(t->get(5, e));
    CHECK(e.id == 99);
    CHECK(t->update(5, [](FdEntry& x) {
        x.state = ConnState::connected;
        x.kind = Kind::tcp_accepted;
    }));
    REQUIRE(t->get(5, e));
    CHECK(e.kind == Kind::tcp_accepted);
    CHECK(t->kind(5) == Kind::tcp_accepted);
    t->clear(5);
    CHECK(t->kind(5) == Kind::none);
    CHECK_FALSE(t->get(5, e));
    t->set(1000000, client(3));  // a chunk far away is allocated on demand
    CHECK(t->kind(1000000) == Kind::tcp_client);
}

TEST_CASE("fd table: dup copies the entry, not the epoll registrations", "[intercept]") {
    auto t = fresh();
    FdEntry e = client(7);
    int one = 1;
    e.set_opt(IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    e.nepoll = 1;
    e.epoll[0] = {3, 4, 5};
    t->set(10, e);
    CHECK(t->copy(10, 11));
    FdEntry d;
    REQUIRE(t->get(11, d));
    CHECK(d.kind == Kind::tcp_client);
    CHECK(d.id == 7);
    CHECK(d.opt_int(IPPROTO_TCP, TCP_NODELAY, 0) == 1);
    CHECK(d.nepoll == 0);
    REQUIRE(t->get(10, d));
    CHECK(d.nepoll == 1);  // the original keeps them
    t->clear(10);          // close of one copy leaves the other
    CHECK(t->kind(11) == Kind::tcp_client);
}

TEST_CASE("fd table: dup2 from an untracked fd clears the target; ours is never copied", "[intercept]") {
    auto t = fresh();
    t->set(20, client(1));
    CHECK_FALSE(t->copy(21, 20));
    CHECK(t->kind(20) == Kind::none);
    t->set(30, make_entry(Kind::ours, 0, 0, 0));
    CHECK_FALSE(t->copy(30, 31));
    CHECK(t->kind(31) == Kind::none);
    CHECK(t->copy(30, 30));  // dup2(fd, fd) is a no-op
    CHECK(t->kind(30) == Kind::ours);
}

TEST_CASE("fd table: take_range removes tracked fds in range and skips ours", "[intercept]") {
    auto t = fresh();
    for (int fd : {3, 4, 70, 200}) t->set(fd, client(uint64_t(fd)));
    t->set(100, make_entry(Kind::ours, 0, 0, 0));
    std::vector<int> seen;
    t->take_range(4, 150, [&](int fd, const FdEntry& e) {
        CHECK(e.id == uint64_t(fd));
        seen.push_back(fd);
    });
    CHECK(seen == std::vector<int>{4, 70});
    CHECK(t->kind(3) == Kind::tcp_client);
    CHECK(t->kind(4) == Kind::none);
    CHECK(t->kind(70) == Kind::none);
    CHECK(t->kind(100) == Kind::ours);
    CHECK(t->kind(200) == Kind::tcp_client);
    t->take_range(0, ~0u, [&](int, const FdEntry&) {});
    CHECK(t->kind(3) == Kind::none);
    CHECK(t->kind(200) == Kind::none);
    CHECK(t->kind(100) == Kind::ours);
}

TEST_CASE("fd table: stored options", "[intercept]") {
    FdEntry e = make_entry(Kind::inet, AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    CHECK(e.opt_int(SOL_SOCKET, SO_KEEPALIVE, -1) == -1);
    int v = 1;
    CHECK(e.set_opt(SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));
    v = 30;
    CHECK(e.set_opt(IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v));
    v = 0;
    CHECK(e.set_opt(SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v));  // overwrite in place
    CHECK(e.nopts == 2);
    CHECK(e.opt_int(SOL_SOCKET, SO_KEEPALIVE, -1) == 0);
    CHECK(e.opt_int(IPPROTO_TCP, TCP_KEEPIDLE, -1) == 30);
    char big[28] = {};
    CHECK_FALSE(e.set_opt(SOL_SOCKET, SO_BINDTODEVICE, big, sizeof big));
    for (int i = 0; i < kMaxStoredOptions; ++i) e.set_opt(1000, i, &v, sizeof v);
    CHECK(e.nopts == kMaxStoredOptions);
    CHECK_FALSE(e.set_opt(1001, 0, &v, sizeof v));
}

TEST_CASE("fd table: concurrent readers never see a torn entry", "[intercept]") {
    auto t = fresh();
    t->set(9, client(0));
    std::atomic<bool> stop{false};
    std::atomic<long> torn{0}, reads{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 3; ++i) {
        readers.emplace_back([&] {
            FdEntry e;
            while (!stop.load()) {
                if (t->get(9, e)) {
                    if (e.id != e.bound_sock_id || e.local.port_be != uint16_t(e.id)) ++torn;
                    ++reads;
                }
            }
        });
    }
    for (uint64_t i = 1; i < 200000; ++i) {
        t->update(9, [&](FdEntry& x) {
            x.id = i;
            x.local.port_be = uint16_t(i);
            x.bound_sock_id = i;
        });
    }
    stop = true;
    for (auto& th : readers) th.join();
    CHECK(torn.load() == 0);
    CHECK(reads.load() > 0);
}

// The node's event loop: timers, deferred tasks, fd handlers removed mid-batch.
#include <catch2/catch.hpp>

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "tools/ztnode/event_loop.hpp"

using zt::node::EventLoop;

TEST_CASE("event loop: timers fire in deadline order; cancelled ones never", "[stack][loop]") {
    EventLoop loop;
    REQUIRE(loop.ok());
    std::vector<int> order;
    loop.add_timer(30, [&] { order.push_back(3); });
    loop.add_timer(10, [&] { order.push_back(1); });
    auto id = loop.add_timer(20, [&] { order.push_back(2); });
    loop.add_timer(40, [&] { loop.stop(); });
    loop.cancel_timer(id);
    loop.cancel_timer(id);      // twice: no-op
    loop.cancel_timer(999999);  // unknown: no-op
    zt::Ticks t0 = loop.now();
    loop.run();
    CHECK(order == std::vector<int>{1, 3});
    CHECK(loop.now() - t0 >= 40);
}

TEST_CASE("event loop: a handler that removes another fd suppresses its pending event", "[stack][loop]") {
    EventLoop loop;
    int a[2], b[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
    REQUIRE(write(a[1], "x", 1) == 1);
    REQUIRE(write(b[1], "y", 1) == 1);
    int calls = 0;
    // Whichever runs first removes the other; the other must not run in the same batch.
    REQUIRE(loop.add_fd(a[0], EPOLLIN, [&](uint32_t) {
        ++calls;
        loop.remove_fd(b[0]);
        loop.remove_fd(a[0]);
    }));
    REQUIRE(loop.add_fd(b[0], EPOLLIN, [&](uint32_t) {
        ++calls;
        loop.remove_fd(a[0]);
        loop.remove_fd(b[0]);
    }));
    loop.run_once(1000);
    loop.run_once(50);
    CHECK(calls == 1);
    for (int fd : {a[0], a[1], b[0], b[1]}) close(fd);
}

TEST_CASE("event loop: deferred tasks run after the handler, hooks set the wait", "[stack][loop]") {
    EventLoop loop;
    std::vector<int> order;
    int hook_calls = 0;
    zt::Ticks wake_at = loop.now() + 30;
    loop.add_before_wait([&] {
        ++hook_calls;
        return wake_at;
    });
    loop.add_timer(0, [&] {
        loop.defer([&] { order.push_back(2); });
        order.push_back(1);
    });
    loop.run_once(0);
    CHECK(order == std::vector<int>{1, 2});
    // Nothing else is pending: the wait ends at the hook's deadline, not at -1 (forever).
    zt::Ticks t0 = loop.now();
    loop.run_once(-1);
    CHECK(loop.now() >= wake_at);
    CHECK(loop.now() - t0 < 1000);
    CHECK(hook_calls >= 2);
}

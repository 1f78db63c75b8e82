// The node's single-threaded event loop: epoll for fds, one timerfd armed for the earliest
// deadline (our one-shot timers and the before-wait hooks, e.g. lwIP's timers), and deferred
// tasks that run after each handler. Implements stack::Reactor for the stack; the link
// registers its own fds and timers here too.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "stack/reactor.hpp"

namespace zt::node {

class EventLoop final : public stack::Reactor {
public:
    EventLoop();
    ~EventLoop() override;
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    bool ok() const { return epfd_ >= 0 && tfd_ >= 0; }

    bool add_fd(int fd, uint32_t events, IoHandler handler) override;
    void set_fd_events(int fd, uint32_t events) override;
    void remove_fd(int fd) override;
    TimerId add_timer(Ticks delay_ms, Task task) override;
    void cancel_timer(TimerId id) override;
    void defer(Task task) override;
    void add_before_wait(std::function<Ticks()> hook) override;
    Ticks now() const override;

    // Runs until stop(). Returns at once if stop() was called before.
    void run();
    // One iteration: due timers, hooks, then at most one epoll_wait of up to `max_wait_ms`
    // (-1 = until something happens). For tests and for callers with their own outer loop.
    void run_once(int max_wait_ms = -1);
    void stop() { stop_ = true; }
    bool stopped() const { return stop_; }

private:
    struct Watch {
        uint64_t token = 0;
        uint32_t events = 0;
        std::shared_ptr<IoHandler> handler;  // shared: a handler may remove itself
    };

    void run_timers();
    void run_deferred();
    void arm(Ticks deadline);

    int epfd_ = -1;
    int tfd_ = -1;
    Ticks armed_ = stack::kNever;
    bool stop_ = false;
    uint64_t next_token_ = 1;  // 0 is the timerfd
    TimerId next_timer_ = 1;
    std::unordered_map<int, Watch> fds_;
    std::unordered_map<uint64_t, int> tokens_;
    std::map<std::pair<Ticks, TimerId>, Task> timers_;
    std::unordered_map<TimerId, Ticks> timer_at_;
    std::deque<Task> deferred_;
    std::vector<std::function<Ticks()>> hooks_;
};

}  // namespace zt::node

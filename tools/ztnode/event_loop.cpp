// epoll + timerfd event loop (event_loop.hpp).
#include "tools/ztnode/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace zt::node {

namespace {
constexpr uint64_t kTimerToken = 0;
constexpr int kMaxEvents = 256;
}  // namespace

EventLoop::EventLoop() {
    epfd_ = epoll_create1(EPOLL_CLOEXEC);
    tfd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epfd_ >= 0 && tfd_ >= 0) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = kTimerToken;
        epoll_ctl(epfd_, EPOLL_CTL_ADD, tfd_, &ev);
    }
}

EventLoop::~EventLoop() {
    if (tfd_ >= 0) ::close(tfd_);
    if (epfd_ >= 0) ::close(epfd_);
}

Ticks EventLoop::now() const {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return Ticks(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

bool EventLoop::add_fd(int fd, uint32_t events, IoHandler handler) {
    if (fds_.count(fd)) remove_fd(fd);
    Watch w;
    w.token = next_token_++;
    w.events = events;
    w.handler = std::make_shared<IoHandler>(std::move(handler));
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = w.token;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
    tokens_[w.token] = fd;
    fds_[fd] = std::move(w);
    return true;
}

void EventLoop::set_fd_events(int fd, uint32_t events) {
    auto it = fds_.find(fd);
    if (it == fds_.end() || it->second.events == events) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = it->second.token;
    if (epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) == 0) it->second.events = events;
}

void EventLoop::remove_fd(int fd) {
    auto it = fds_.find(fd);
    if (it == fds_.end()) return;
    epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
    tokens_.erase(it->second.token);  // events already fetched for this token are skipped
    fds_.erase(it);
}

stack::Reactor::TimerId EventLoop::add_timer(Ticks delay_ms, Task task) {
    TimerId id = next_timer_++;
    Ticks at = now() + std::max<Ticks>(delay_ms, 0);
    timers_.emplace(std::make_pair(at, id), std::move(task));
    timer_at_[id] = at;
    return id;
}

void EventLoop::cancel_timer(TimerId id) {
    auto it = timer_at_.find(id);
    if (it == timer_at_.end()) return;
    timers_.erase(std::make_pair(it->second, id));
    timer_at_.erase(it);
}

void EventLoop::defer(Task task) { deferred_.push_back(std::move(task)); }

void EventLoop::add_before_wait(std::function<Ticks()> hook) { hooks_.push_back(std::move(hook)); }

void EventLoop::run_timers() {
    Ticks t = now();
    while (!timers_.empty() && timers_.begin()->first.first <= t) {
        auto node = timers_.extract(timers_.begin());
        timer_at_.erase(node.key().second);
        node.mapped()();
        run_deferred();
    }
}

void EventLoop::run_deferred() {
    while (!deferred_.empty()) {
        Task t = std::move(deferred_.front());
        deferred_.pop_front();
        t();
    }
}

void EventLoop::arm(Ticks deadline) {
    if (deadline == armed_) return;
    itimerspec its{};
    if (deadline != stack::kNever) {
        its.it_value.tv_sec = deadline / 1000;
        its.it_value.tv_nsec = (deadline % 1000) * 1000000;
    }
    timerfd_settime(tfd_, TFD_TIMER_ABSTIME, &its, nullptr);
    armed_ = deadline;
}

void EventLoop::run_once(int max_wait_ms) {
    run_timers();
    run_deferred();
    Ticks deadline = timers_.empty() ? stack::kNever : timers_.begin()->first.first;
    for (auto& hook : hooks_) {
        deadline = std::min(deadline, hook());
        run_deferred();
    }
    if (!timers_.empty()) deadline = std::min(deadline, timers_.begin()->first.first);
    int timeout = max_wait_ms;
    if (deadline <= now()) {
        timeout = 0;
    } else {
        arm(deadline);
    }
    if (stop_) return;
    epoll_event evs[kMaxEvents];
    int n = epoll_wait(epfd_, evs, kMaxEvents, timeout);
    if (n < 0) return;  // EINTR
    for (int i = 0; i < n; ++i) {
        uint64_t token = evs[i].data.u64;
        if (token == kTimerToken) {
            uint64_t expirations;
            while (::read(tfd_, &expirations, sizeof expirations) > 0) {
            }
            armed_ = stack::kNever;  // fired: re-arm on the next iteration
            continue;
        }
        auto t = tokens_.find(token);
        if (t == tokens_.end()) continue;  // removed by an earlier handler of this batch
        std::shared_ptr<IoHandler> h = fds_[t->second].handler;
        (*h)(evs[i].events);
        run_deferred();
    }
}

void EventLoop::run() {
    while (!stop_) run_once(-1);
}

}  // namespace zt::node

// What the stack needs from the node's event loop: fd readiness, one-shot timers, deferred
// work and a hook that runs before every wait. The node runtime's EventLoop implements it;
// the stack never blocks and never owns a thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>

#include "core/types.hpp"

namespace zt::stack {

inline constexpr Ticks kNever = std::numeric_limits<Ticks>::max();

class Reactor {
public:
    using IoHandler = std::function<void(uint32_t events)>;  // EPOLL* bits as reported
    using Task = std::function<void()>;
    using TimerId = uint64_t;                                // never 0, never reused

    virtual ~Reactor() = default;

    // Watches `fd` for `events` (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET; EPOLLERR and EPOLLHUP
    // are always reported). Returns false with errno set if epoll refused the fd. The handler
    // is never called after remove_fd(fd), even for events fetched in the same batch.
    virtual bool add_fd(int fd, uint32_t events, IoHandler handler) = 0;
    // Changes the watched events; a no-op when they are unchanged.
    virtual void set_fd_events(int fd, uint32_t events) = 0;
    // Stops watching; the caller still owns (and closes) the fd.
    virtual void remove_fd(int fd) = 0;

    // Runs `task` once, `delay_ms` from now. cancel_timer of a fired or unknown id is a no-op.
    virtual TimerId add_timer(Ticks delay_ms, Task task) = 0;
    virtual void cancel_timer(TimerId id) = 0;

    // Runs `task` after the current handler returns, before the loop waits again. Used to
    // destroy objects whose methods may still be on the stack.
    virtual void defer(Task task) = 0;

    // `hook` runs before every wait and returns the next time it wants to run (kNever for no
    // deadline); the loop arms its timer for the earliest of these and of its timers.
    virtual void add_before_wait(std::function<Ticks()> hook) = 0;

    virtual Ticks now() const = 0;  // monotonic milliseconds
};

}  // namespace zt::stack

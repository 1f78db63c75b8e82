// Small helpers shared by every intercept/ file: the export macro for hooks, the thread-local
// re-entrancy guard and the one place errno is set.
#pragma once

#include <cerrno>
#include <cstdint>

// A hook is an extern "C" function whose symbol is the libc name (given with an asm label, so the
// libc header's declaration of that name, fortify wrappers included, never clashes with ours).
// Only these symbols are exported (intercept/exports.map).
#define ZTI_HOOK(ret, name, ...)                                                                 \
    extern "C" __attribute__((visibility("default"))) ret zti_hook_##name(__VA_ARGS__) noexcept \
        __asm__(#name);                                                                          \
    extern "C" ret zti_hook_##name(__VA_ARGS__) noexcept

#define ZTI_TLS __attribute__((tls_model("initial-exec")))

namespace zti {

// Depth of shim-internal code on this thread. A hook entered while it is non-zero (libc calling
// back into a hooked symbol, or a signal handler interrupting the shim) goes straight to libc.
extern thread_local constinit int t_in_shim ZTI_TLS;

struct Guard {
    Guard() noexcept { ++t_in_shim; }
    ~Guard() { --t_in_shim; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
};

inline bool in_shim() noexcept { return t_in_shim != 0; }

// The single place errno is set for a failure the shim decides on.
inline int fail(int err) noexcept {
    errno = err;
    return -1;
}
inline long fail_l(int err) noexcept {
    errno = err;
    return -1;
}

// Shim active: ZT_HOME was set when the library was loaded (config.cpp).
extern bool g_active;

// The pid the fd table belongs to (set at load and in a fork child). A different getpid() means
// we run in a vfork()ed child (posix_spawn-like code, shells redirecting before exec) that
// shares the parent's memory: such a child must not touch the parent's table or control socket.
extern int g_pid;
bool foreign_process() noexcept;

// Hooks that change shim state pass straight to libc when inactive, re-entered, or in a vfork child.
inline bool pass_mutating() noexcept { return !g_active || in_shim() || foreign_process(); }

}  // namespace zti

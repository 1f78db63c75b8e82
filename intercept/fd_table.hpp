// The per-fd table: what the shim knows about each fd number of the process.
//
// An array of slots indexed by fd (chunks of 64 slots, allocated on first use, never freed).
// Reads are lock-free: `kind()` is one atomic load (the check every data-path hook makes), `get()`
// copies an entry under a per-slot seqlock. Writers take the slot's spinlock. A writer re-entered
// on the same thread (a signal handler calling a hook while the thread was inside `update()`)
// proceeds without waiting instead of deadlocking; the entry may then be torn, which is accepted.
//
// Kinds:
//   none          untracked: every hook passes straight to libc
//   ours          a library fd (control socket, log): protected from the app's close/dup2
//   inet          an AF_INET/AF_INET6 stream/datagram kernel socket, recorded at socket()
//   tcp_bound     still the kernel socket, but bound to a virtual address (TcpBind `id`)
//   tcp_client    a unix stream carrier connected to the node's 'T' listener (`id` = conn_id)
//   tcp_listener  a unix listener bound to the 'L' name for sock_id `id`
//   tcp_accepted  a unix stream the node connected to our 'L' name (`id` = the 'A' name's uniq)
//   udp           one end of the node's SOCK_SEQPACKET pair (`id` = sock_id)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "ipc/control_protocol.hpp"

namespace zti {

enum class Kind : uint8_t { none, ours, inet, tcp_bound, tcp_client, tcp_listener, tcp_accepted, udp };

// TCP client progress, mirroring the kernel's socket state (SS_CONNECTING until a connect() call
// observes the connection established).
enum class ConnState : uint8_t { idle, connecting, connected, failed };

inline bool is_virtual(Kind k) { return k >= Kind::tcp_client; }  // the fd is a unix carrier
inline bool is_tracked_socket(Kind k) { return k >= Kind::inet; }

struct StoredOption {
    int32_t level;
    int32_t name;
    uint8_t len;
    uint8_t value[27];
};

struct EpollReg {
    int32_t epfd;
    uint32_t events;
    uint64_t data;
};

inline constexpr int kMaxStoredOptions = 10;
inline constexpr int kMaxEpollRegs = 2;

enum EntryFlags : uint8_t {
    kLocalKnown = 1 << 0,
    kPeerKnown = 1 << 1,
    kErrPending = 1 << 2,   // conn_err not yet reported through SO_ERROR/connect
    kUdpConnected = 1 << 3,
    kFromBound = 1 << 4,    // tcp_client connected from the reservation `bound_sock_id`
    kUdpShutWr = 1 << 5,    // shutdown(SHUT_WR) on a UDP socket: sends fail with EPIPE
};

struct FdEntry {
    Kind kind;
    ConnState state;
    uint8_t flags;
    uint8_t nopts;
    int32_t domain;    // AF_INET or AF_INET6
    int32_t type;      // SOCK_STREAM or SOCK_DGRAM (without flags)
    int32_t protocol;  // IPPROTO_TCP or IPPROTO_UDP
    int32_t conn_err;  // the node's reason for a failed connect
    uint64_t id;
    uint64_t bound_sock_id;
    ztctl::NameAddr local;
    ztctl::NameAddr peer;
    StoredOption opts[kMaxStoredOptions];
    uint8_t nepoll;
    EpollReg epoll[kMaxEpollRegs];

    const StoredOption* find_opt(int level, int name) const;
    // Records an option value; false if it does not fit (more than 27 bytes or the table is full).
    bool set_opt(int level, int name, const void* value, size_t len);
    int opt_int(int level, int name, int def) const;
};

// A fresh entry of `kind` for a socket of (domain, type, protocol).
FdEntry make_entry(Kind kind, int domain, int type, int protocol);

class FdTable {
public:
    static constexpr int kChunk = 64;
    static constexpr int kMaxFd = 1 << 24;  // fds above are never tracked (passed through)

    constexpr FdTable() = default;
    FdTable(const FdTable&) = delete;
    FdTable& operator=(const FdTable&) = delete;

    Kind kind(int fd) const noexcept;
    bool get(int fd, FdEntry& out) const noexcept;  // false for untracked fds
    void set(int fd, const FdEntry& e) noexcept;
    void clear(int fd) noexcept;
    // Copies from's entry to `to` (dup semantics: epoll registrations stay with `from`); clears
    // `to` when `from` is untracked. Returns whether `from` was tracked. `ours` is never copied.
    bool copy(int from, int to) noexcept;

    // Runs f(entry) under the slot's write lock and publishes the result (f may change the kind).
    // Returns false (without calling f) for an untracked fd unless `create` is set.
    template <class F>
    bool update(int fd, F&& f, bool create = false) noexcept {
        Slot* s = slot(fd, create);
        if (!s) return false;
        lock(*s);
        if (!create && s->kind.load(std::memory_order_relaxed) == uint8_t(Kind::none)) {
            unlock(*s);
            return false;
        }
        f(s->e);
        s->kind.store(uint8_t(s->e.kind), std::memory_order_release);
        unlock(*s);
        return true;
    }

    // Calls f(fd, entry) for each tracked fd in [lo, hi] that is not `ours`, then clears it.
    template <class F>
    void take_range(unsigned lo, unsigned hi, F&& f) noexcept {
        if (lo >= unsigned(kMaxFd)) return;
        if (hi >= unsigned(kMaxFd)) hi = kMaxFd - 1;
        for (unsigned c = lo / kChunk; c <= hi / kChunk; ++c) {
            Slot* chunk = chunks_[c].load(std::memory_order_acquire);
            if (!chunk) continue;
            for (int i = 0; i < kChunk; ++i) {
                const unsigned fd = c * kChunk + unsigned(i);
                if (fd < lo || fd > hi) continue;
                const Kind k = Kind(chunk[i].kind.load(std::memory_order_acquire));
                if (k == Kind::none || k == Kind::ours) continue;
                FdEntry e;
                if (get(int(fd), e) && e.kind != Kind::ours) {
                    clear(int(fd));
                    f(int(fd), e);
                }
            }
        }
    }

private:
    struct Slot {
        std::atomic<uint8_t> kind;
        std::atomic<uint32_t> seq;
        std::atomic<uintptr_t> owner;
        uint32_t depth;
        FdEntry e;
    };

    Slot* slot(int fd, bool create) const noexcept;
    static void lock(Slot& s) noexcept;
    static void unlock(Slot& s) noexcept;

    mutable std::atomic<Slot*> chunks_[kMaxFd / kChunk] = {};
};

extern FdTable g_fds;

}  // namespace zti

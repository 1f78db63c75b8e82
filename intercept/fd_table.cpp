// fd table: lazily allocated chunks, seqlock reads, per-slot spinlock writes.
#include "intercept/fd_table.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <cstring>

namespace zti {
namespace {

// A per-thread address identifies the lock owner (valid in a forked child too).
thread_local char t_self_marker __attribute__((tls_model("initial-exec")));

uintptr_t self_id() { return reinterpret_cast<uintptr_t>(&t_self_marker); }

void cpu_relax(int& spins) {
    if (++spins < 64) {
        __builtin_ia32_pause();
    } else {
        spins = 0;
        sched_yield();
    }
}

}  // namespace

constinit FdTable g_fds;

const StoredOption* FdEntry::find_opt(int level, int name) const {
    for (int i = 0; i < nopts; ++i)
        if (opts[i].level == level && opts[i].name == name) return &opts[i];
    return nullptr;
}

bool FdEntry::set_opt(int level, int name, const void* value, size_t len) {
    if (len > sizeof(StoredOption::value)) return false;
    StoredOption* o = const_cast<StoredOption*>(find_opt(level, name));
    if (!o) {
        if (nopts >= kMaxStoredOptions) return false;
        o = &opts[nopts++];
    }
    std::memset(o, 0, sizeof *o);
    o->level = level;
    o->name = name;
    o->len = uint8_t(len);
    std::memcpy(o->value, value, len);
    return true;
}

int FdEntry::opt_int(int level, int name, int def) const {
    const StoredOption* o = find_opt(level, name);
    if (!o) return def;
    int v = 0;
    std::memcpy(&v, o->value, o->len < sizeof v ? o->len : sizeof v);
    return v;
}

FdEntry make_entry(Kind kind, int domain, int type, int protocol) {
    FdEntry e;
    std::memset(&e, 0, sizeof e);
    e.kind = kind;
    e.domain = domain;
    e.type = type;
    e.protocol = protocol;
    return e;
}

FdTable::Slot* FdTable::slot(int fd, bool create) const noexcept {
    if (fd < 0 || fd >= kMaxFd) return nullptr;
    std::atomic<Slot*>& c = chunks_[fd / kChunk];
    Slot* chunk = c.load(std::memory_order_acquire);
    if (!chunk) {
        if (!create) return nullptr;
        void* m = mmap(nullptr, sizeof(Slot) * kChunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) return nullptr;
        Slot* fresh = static_cast<Slot*>(m);  // zero pages: every slot is Kind::none, unlocked
        Slot* expected = nullptr;
        if (c.compare_exchange_strong(expected, fresh, std::memory_order_acq_rel)) {
            chunk = fresh;
        } else {
            munmap(m, sizeof(Slot) * kChunk);
            chunk = expected;
        }
    }
    return &chunk[fd % kChunk];
}

void FdTable::lock(Slot& s) noexcept {
    const uintptr_t me = self_id();
    if (s.owner.load(std::memory_order_relaxed) == me) {  // re-entered from a signal handler
        ++s.depth;
        return;
    }
    int spins = 0;
    uintptr_t expected = 0;
    while (!s.owner.compare_exchange_weak(expected, me, std::memory_order_acquire)) {
        expected = 0;
        cpu_relax(spins);
    }
    s.depth = 1;
    s.seq.fetch_add(1, std::memory_order_relaxed);  // odd: write in progress
    std::atomic_thread_fence(std::memory_order_release);
}

void FdTable::unlock(Slot& s) noexcept {
    if (--s.depth > 0) return;
    s.seq.fetch_add(1, std::memory_order_release);  // even: stable
    s.owner.store(0, std::memory_order_release);
}

Kind FdTable::kind(int fd) const noexcept {
    if (fd < 0 || fd >= kMaxFd) return Kind::none;
    Slot* chunk = chunks_[fd / kChunk].load(std::memory_order_acquire);
    if (!chunk) return Kind::none;
    return Kind(chunk[fd % kChunk].kind.load(std::memory_order_acquire));
}

bool FdTable::get(int fd, FdEntry& out) const noexcept {
    Slot* s = slot(fd, false);
    if (!s || s->kind.load(std::memory_order_acquire) == uint8_t(Kind::none)) return false;
    if (s->owner.load(std::memory_order_relaxed) == self_id()) {  // our own write is in progress
        std::memcpy(&out, &s->e, sizeof out);
        return out.kind != Kind::none;
    }
    int spins = 0;
    for (;;) {
        const uint32_t s1 = s->seq.load(std::memory_order_acquire);
        if (s1 & 1) {
            cpu_relax(spins);
            continue;
        }
        std::memcpy(&out, &s->e, sizeof out);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (s->seq.load(std::memory_order_relaxed) == s1) break;
    }
    return out.kind != Kind::none;
}

void FdTable::set(int fd, const FdEntry& e) noexcept {
    update(fd, [&](FdEntry& x) { x = e; }, true);
}

void FdTable::clear(int fd) noexcept {
    if (!slot(fd, false)) return;
    update(fd, [](FdEntry& x) { std::memset(&x, 0, sizeof x); });
}

bool FdTable::copy(int from, int to) noexcept {
    if (from == to) return kind(from) != Kind::none;
    FdEntry e;
    if (!get(from, e) || e.kind == Kind::ours) {
        clear(to);
        return false;
    }
    e.nepoll = 0;
    std::memset(e.epoll, 0, sizeof e.epoll);
    set(to, e);
    return true;
}

}  // namespace zti

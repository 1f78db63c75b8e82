// Servers that change user: the home's access key (ipc/access_key.hpp) and the setuid-family
// hooks. A process the node trusts by uid (the home's owner, or root) gets the key from the node
// over its control connection, or reads it from the home; a process started by one that had it
// finds it in ZT_ACCESS_KEY (exec.cpp puts it there), which we take out of the environment at
// load. Before the process gives up its identity (setuid, setreuid, setresuid, seteuid), the
// hook makes sure the node runs and the key is known, so that the process, its forked workers
// and the programs it execs keep the virtual network under their new uid.
// docs/ARCHITECTURE.md ("Privileges") explains the model.
#include "intercept/privileges.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "intercept/common.hpp"
#include "intercept/config.hpp"
#include "intercept/control_client.hpp"
#include "intercept/log.hpp"
#include "intercept/real.hpp"

extern char** environ;

namespace zti {
namespace {

ztctl::AccessKey g_key{};
std::atomic<bool> g_have_key{false};
uid_t g_home_uid = uid_t(-1);
std::atomic<uint32_t> g_node_uid{uint32_t(-1)};
char g_key_env[sizeof "ZT_ACCESS_KEY=" + ztctl::kAccessKeyHexLen];

// Takes ZT_ACCESS_KEY out of the environment: the value is overwritten where it lies (the
// initial environment block is what /proc/<pid>/environ shows), then the entry is removed.
bool take_key_from_env(ztctl::AccessKey& out) {
    const size_t name_len = strlen(ztctl::kAccessKeyEnv);
    bool found = false;
    for (char** e = environ; e && *e; ++e) {
        if (strncmp(*e, ztctl::kAccessKeyEnv, name_len) != 0 || (*e)[name_len] != '=') continue;
        char* v = *e + name_len + 1;
        if (!found) found = ztctl::parse_key_hex(v, strlen(v), out) && !ztctl::key_is_zero(out);
        memset(v, 'x', strlen(v));
    }
    unsetenv(ztctl::kAccessKeyEnv);
    return found;
}

bool read_key_file(ztctl::AccessKey& out) {
    char path[PATH_MAX + 16];
    if (snprintf(path, sizeof path, "%s/%s", g_cfg.home, ztctl::kAccessKeyFile) >= int(sizeof path)) return false;
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return false;
    char buf[64];
    const ssize_t n = real::read(fd, buf, sizeof buf);
    real::close(fd);
    return n > 0 && ztctl::parse_key_hex(buf, size_t(n), out) && !ztctl::key_is_zero(out);
}

// Does the node trust this process by its uid now?
bool trusted_now() {
    const uid_t e = geteuid();
    return e == 0 || e == g_home_uid || e == uid_t(g_node_uid.load(std::memory_order_relaxed));
}

// Before an identity change to effective uid `euid` (-1: unchanged): the node runs and the key is
// known (the control connection, made under the old uid, stays authorized; new ones, and those of
// forked workers, show the key). SO_PEERCRED reports the effective uid, so only that one counts.
void before_identity_change(const char* what, uid_t euid) {
    if (!g_active || in_shim() || foreign_process()) return;
    if (euid == uid_t(-1) || trusted_peer_uid(euid)) return;  // still trusted afterwards
    Guard guard;
    if (!trusted_now()) return;  // nothing more to get than we have
    if (!g_have_key.load(std::memory_order_acquire)) {
        ztctl::AccessKey k;
        if (read_key_file(k)) set_access_key(k.b);
    }
    const bool up = ctl::ensure_node();
    ZTI_DEBUG("%s: before the identity change the node is %s and the access key %s", what, up ? "up" : "unreachable",
              g_have_key.load() ? "known" : "unknown");
}


std::atomic<void*> p_setuid{nullptr}, p_seteuid{nullptr}, p_setreuid{nullptr}, p_setresuid{nullptr};

}  // namespace

void load_privileges() noexcept {
    struct stat st;
    if (stat(g_cfg.home, &st) == 0) g_home_uid = st.st_uid;
    ztctl::AccessKey k;
    if (take_key_from_env(k) || read_key_file(k)) set_access_key(k.b);
}

bool access_key(uint8_t (&out)[ztctl::kAccessKeyLen]) noexcept {
    if (!g_have_key.load(std::memory_order_acquire)) {
        memset(out, 0, sizeof out);
        return false;
    }
    memcpy(out, g_key.b, sizeof out);
    return true;
}

void set_access_key(const uint8_t (&key)[ztctl::kAccessKeyLen]) noexcept {
    ztctl::AccessKey k;
    memcpy(k.b, key, sizeof k.b);
    if (ztctl::key_is_zero(k)) return;
    if (g_have_key.load(std::memory_order_acquire) && ztctl::keys_equal(k, g_key)) return;
    g_key = k;
    char hex[ztctl::kAccessKeyHexLen + 1];
    ztctl::format_key_hex(k, hex);
    snprintf(g_key_env, sizeof g_key_env, "%s=%s", ztctl::kAccessKeyEnv, hex);
    g_have_key.store(true, std::memory_order_release);
}

const char* access_key_env() noexcept { return g_have_key.load(std::memory_order_acquire) ? g_key_env : nullptr; }

void before_raw_identity_change(long nr, const long* a) noexcept {
    switch (nr) {
    case SYS_setuid: before_identity_change("syscall(SYS_setuid)", uid_t(a[0])); break;
    case SYS_setreuid: before_identity_change("syscall(SYS_setreuid)", uid_t(a[1])); break;
    case SYS_setresuid: before_identity_change("syscall(SYS_setresuid)", uid_t(a[1])); break;
    default: break;
    }
}

void set_node_uid(uint32_t uid) noexcept { g_node_uid.store(uid, std::memory_order_relaxed); }

bool trusted_peer_uid(uid_t uid) noexcept {
    return uid == geteuid() || uid == 0 || uid == g_home_uid || uid == uid_t(g_node_uid.load(std::memory_order_relaxed));
}

}  // namespace zti

ZTI_HOOK(int, setuid, uid_t uid) {
    zti::before_identity_change("setuid", uid);
    return zti::real::next_symbol<int (*)(uid_t)>(zti::p_setuid, "setuid")(uid);
}

ZTI_HOOK(int, seteuid, uid_t uid) {
    zti::before_identity_change("seteuid", uid);
    return zti::real::next_symbol<int (*)(uid_t)>(zti::p_seteuid, "seteuid")(uid);
}

ZTI_HOOK(int, setreuid, uid_t r, uid_t e) {
    zti::before_identity_change("setreuid", e);
    return zti::real::next_symbol<int (*)(uid_t, uid_t)>(zti::p_setreuid, "setreuid")(r, e);
}

ZTI_HOOK(int, setresuid, uid_t r, uid_t e, uid_t s) {
    zti::before_identity_change("setresuid", e);
    return zti::real::next_symbol<int (*)(uid_t, uid_t, uid_t)>(zti::p_setresuid, "setresuid")(r, e, s);
}

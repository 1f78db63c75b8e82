// execve()/execv()/execvp()/execvpe()/execl()/execlp()/execle()/posix_spawn()/posix_spawnp(): the program a wrapped
// process executes stays wrapped. Daemons and supervisors build a fresh environment for their
// children (nginx's binary upgrade keeps only TZ and its `env` directives, sudo-like tools
// scrub LD_PRELOAD), and an exec'd program that inherits a virtual socket without the shim sees
// a unix socket (getsockname says AF_UNIX: nginx then fails its upgrade). Like Onload, we put
// back what the environment lost: our library in LD_PRELOAD and the ZT_* variables this process
// started with. A variable the new environment sets itself is left as it is. glibc's execl*()
// call its internal execve, past any hook, so they are hooked themselves: their argument list
// becomes an argv and they go the execve/execvpe way.
#include <dlfcn.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atomic>

#include "intercept/common.hpp"
#include "intercept/log.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"
#include "intercept/privileges.hpp"

extern char** environ;

namespace zti {
namespace {

constexpr int kMaxVars = 16;
constexpr size_t kVarCap = PATH_MAX + 64;

// Captured at load: "NAME=value" for each ZT_* variable, and our library's path.
char g_vars[kMaxVars][kVarCap];
int g_nvars = 0;
char g_lib[PATH_MAX];

bool starts_with(const char* s, const char* p) { return strncmp(s, p, strlen(p)) == 0; }

// Is `name` (up to and including '=') set in envp?
bool has_var(char* const* envp, const char* entry) {
    const char* eq = strchr(entry, '=');
    const size_t n = eq ? size_t(eq - entry) + 1 : strlen(entry);
    for (char* const* e = envp; e && *e; ++e)
        if (strncmp(*e, entry, n) == 0) return true;
    return false;
}

// Does the LD_PRELOAD value name our library (by path or by file name)?
bool preload_has_us(const char* value) {
    const char* base = strrchr(g_lib, '/');
    base = base ? base + 1 : g_lib;
    for (const char* p = value; *p;) {
        while (*p == ':' || *p == ' ') ++p;
        const char* end = p;
        while (*end && *end != ':' && *end != ' ') ++end;
        const size_t n = size_t(end - p);
        if (n == strlen(g_lib) && strncmp(p, g_lib, n) == 0) return true;
        const char* slash = static_cast<const char*>(memrchr(p, '/', n));
        const char* fname = slash ? slash + 1 : p;
        if (size_t(end - fname) == strlen(base) && strncmp(fname, base, strlen(base)) == 0) return true;
        p = end;
    }
    return false;
}

// The environment for the new program: envp itself when nothing is missing; otherwise `out`
// (room for count(envp) + kMaxVars + 2 pointers) with the additions, using `buf` for a merged
// LD_PRELOAD.
char* const* shim_env(char* const* envp, char** out, char* buf, size_t buf_cap) {
    size_t n = 0, k = 0;
    for (char* const* e = envp; e && *e; ++e) ++n;
    bool changed = false;
    bool preload_seen = false;
    for (size_t i = 0; i < n; ++i) {
        char* e = envp[i];
        if (g_lib[0] && starts_with(e, "LD_PRELOAD=")) {
            preload_seen = true;
            if (!preload_has_us(e + 11)) {
                const size_t need = 11 + strlen(g_lib) + 1 + strlen(e + 11) + 1;
                if (need <= buf_cap) {
                    strcpy(buf, "LD_PRELOAD=");
                    strcat(buf, g_lib);
                    if (e[11]) {
                        strcat(buf, ":");
                        strcat(buf, e + 11);
                    }
                    e = buf;
                    changed = true;
                }
            }
        }
        out[k++] = e;
    }
    if (g_lib[0] && !preload_seen && 11 + strlen(g_lib) + 1 <= buf_cap) {
        strcpy(buf, "LD_PRELOAD=");
        strcat(buf, g_lib);
        out[k++] = buf;
        changed = true;
    }
    for (int i = 0; i < g_nvars; ++i) {
        if (has_var(envp, g_vars[i])) continue;
        out[k++] = g_vars[i];
        changed = true;
    }
    // The access key, for a program that starts under a uid the node does not trust (runuser,
    // setpriv, a server's exec'd workers); its shim takes it out of its environment at load.
    if (const char* key = access_key_env(); key && !has_var(envp, key)) {
        out[k++] = const_cast<char*>(key);
        changed = true;
    }
    out[k] = nullptr;
    if (changed) ZTI_DEBUG("exec: restored the shim's environment (%zu -> %zu variables)", n, k);
    return changed ? out : envp;
}

size_t env_count(char* const* envp) {
    size_t n = 0;
    for (char* const* e = envp; e && *e; ++e) ++n;
    return n;
}


std::atomic<void*> p_execve{nullptr}, p_execvpe{nullptr}, p_posix_spawn{nullptr}, p_posix_spawnp{nullptr};

using execve_t = int (*)(const char*, char* const*, char* const*);
using spawn_t = int (*)(pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,
                        char* const*, char* const*);

bool pass() { return !g_active || in_shim() || !g_lib[0]; }

}  // namespace

void capture_exec_env() noexcept {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&capture_exec_env), &info) && info.dli_fname) {
        if (!realpath(info.dli_fname, g_lib)) g_lib[0] = '\0';
    }
    for (char** e = environ; e && *e && g_nvars < kMaxVars; ++e) {
        if (!starts_with(*e, "ZT_") || strlen(*e) >= kVarCap) continue;
        strcpy(g_vars[g_nvars++], *e);
    }
}

}  // namespace zti

using zti::env_count;
using zti::shim_env;

// The new environment lives on this frame: exec does not return on success.
#define ZTI_SHIM_ENV(envp)                                                                         \
    char** zti_out = static_cast<char**>(alloca((env_count(envp) + zti::kMaxVars + 2) * sizeof(char*))); \
    char zti_buf[2 * PATH_MAX + 16];                                                               \
    char* const* zti_env = shim_env(envp, zti_out, zti_buf, sizeof zti_buf)

ZTI_HOOK(int, execve, const char* path, char* const argv[], char* const envp[]) {
    auto real = zti::real::next_symbol<zti::execve_t>(zti::p_execve, "execve");
    if (zti::pass()) return real(path, argv, envp);
    ZTI_SHIM_ENV(envp);
    return real(path, argv, zti_env);
}

ZTI_HOOK(int, execv, const char* path, char* const argv[]) {
    auto real = zti::real::next_symbol<zti::execve_t>(zti::p_execve, "execve");
    if (zti::pass()) return real(path, argv, environ);
    ZTI_SHIM_ENV(environ);
    return real(path, argv, zti_env);
}

ZTI_HOOK(int, execvpe, const char* file, char* const argv[], char* const envp[]) {
    auto real = zti::real::next_symbol<zti::execve_t>(zti::p_execvpe, "execvpe");
    if (zti::pass()) return real(file, argv, envp);
    ZTI_SHIM_ENV(envp);
    return real(file, argv, zti_env);
}

ZTI_HOOK(int, execvp, const char* file, char* const argv[]) {
    auto real = zti::real::next_symbol<zti::execve_t>(zti::p_execvpe, "execvpe");
    if (zti::pass()) return real(file, argv, environ);
    ZTI_SHIM_ENV(environ);
    return real(file, argv, zti_env);
}

// The argument list after `arg0` (up to its NULL) as an argv on this frame; `envp_out` is
// null, or for execle receives the pointer after the NULL (the environment).
#define ZTI_ARGV(arg0, envp_out)                                                                   \
    size_t zti_argc = 0; /* arguments before the NULL; arg0 itself may be it */                    \
    if (arg0) {                                                                                    \
        va_list ap;                                                                                \
        va_start(ap, arg0);                                                                        \
        for (zti_argc = 1; va_arg(ap, const char*); ++zti_argc) {}                                 \
        va_end(ap);                                                                                \
    }                                                                                              \
    char** zti_argv = static_cast<char**>(alloca((zti_argc + 1) * sizeof(char*)));                 \
    {                                                                                              \
        va_list ap;                                                                                \
        va_start(ap, arg0);                                                                        \
        zti_argv[0] = const_cast<char*>(arg0);                                                     \
        for (size_t i = 1; i <= zti_argc && arg0; ++i) zti_argv[i] = va_arg(ap, char*);            \
        if (envp_out) *envp_out = va_arg(ap, char* const*);                                        \
        va_end(ap);                                                                                \
    }

ZTI_HOOK(int, execl, const char* path, const char* arg0, ...) {
    ZTI_ARGV(arg0, static_cast<char* const**>(nullptr));
    return zti_hook_execv(path, zti_argv);
}

ZTI_HOOK(int, execlp, const char* file, const char* arg0, ...) {
    ZTI_ARGV(arg0, static_cast<char* const**>(nullptr));
    return zti_hook_execvp(file, zti_argv);
}

ZTI_HOOK(int, execle, const char* path, const char* arg0, ...) {
    char* const* envp = nullptr;
    ZTI_ARGV(arg0, &envp);
    return zti_hook_execve(path, zti_argv, envp);
}

ZTI_HOOK(int, posix_spawn, pid_t* pid, const char* path, const posix_spawn_file_actions_t* fa,
         const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
    auto real = zti::real::next_symbol<zti::spawn_t>(zti::p_posix_spawn, "posix_spawn");
    if (zti::pass()) return real(pid, path, fa, attr, argv, envp);
    ZTI_SHIM_ENV(envp);
    return real(pid, path, fa, attr, argv, zti_env);
}

ZTI_HOOK(int, posix_spawnp, pid_t* pid, const char* file, const posix_spawn_file_actions_t* fa,
         const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
    auto real = zti::real::next_symbol<zti::spawn_t>(zti::p_posix_spawnp, "posix_spawnp");
    if (zti::pass()) return real(pid, file, fa, attr, argv, envp);
    ZTI_SHIM_ENV(envp);
    return real(pid, file, fa, attr, argv, zti_env);
}

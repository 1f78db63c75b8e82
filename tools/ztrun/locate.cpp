// ztrun's lookups (locate.hpp). The relative paths come from meson (meson.build, top): the same
// configured libdir, libexecdir and bindir the files were installed to.
#include "tools/ztrun/locate.hpp"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#ifndef ZTI_LIB_FROM_BIN
#define ZTI_LIB_FROM_BIN "../lib"
#endif
#ifndef ZTI_NODE_FROM_LIB
#define ZTI_NODE_FROM_LIB "../libexec/ztintercept"
#endif

namespace ztrun {

namespace {

std::string real(const std::string& p) {
    char buf[PATH_MAX];
    return realpath(p.c_str(), buf) ? std::string(buf) : p;
}

}  // namespace

std::string self_dir() {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    buf[n] = '\0';
    std::string s(buf);
    const size_t slash = s.rfind('/');
    return slash == std::string::npos ? "." : s.substr(0, slash);
}

std::string find_library() {
    if (const char* e = std::getenv("ZT_INTERCEPT_LIB"); e && *e) return e;
    const std::string dir = self_dir();
    for (const std::string rel : {"/" ZTI_LIB_FROM_BIN "/libztintercept.so",  // installed
                                  "/../../intercept/libztintercept.so",      // build tree
                                  "/libztintercept.so"})                      // side by side (a container)
        if (access((dir + rel).c_str(), R_OK) == 0) return real(dir + rel);
    return {};
}

std::string find_node(const std::string& lib) {
    if (const char* e = std::getenv("ZT_NODE_BIN"); e && *e) return e;
    const std::string dir = lib.substr(0, lib.rfind('/'));
    for (const std::string rel : {"/" ZTI_NODE_FROM_LIB "/ztnode", "/../tools/ztnode/ztnode", "/ztnode"})
        if (access((dir + rel).c_str(), X_OK) == 0) return real(dir + rel);
    return "ztnode";
}

std::string resolve(const char* name) {
    if (std::strchr(name, '/')) return name;
    const char* path = std::getenv("PATH");
    std::string dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (size_t start = 0; start <= dirs.size();) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return {};
}

const char* unwrappable(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return nullptr;
    // Secure mode (AT_SECURE) only when running it changes our ids.
    if (((st.st_mode & S_ISUID) && st.st_uid != geteuid()) || ((st.st_mode & S_ISGID) && st.st_gid != getegid()))
        return "is set-user-ID or set-group-ID: the dynamic loader ignores LD_PRELOAD for it";
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return nullptr;
    bool dynamic = true;
    Elf64_Ehdr eh {};
    if (pread(fd, &eh, sizeof eh, 0) == ssize_t(sizeof eh) && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0) {
        dynamic = false;
        const bool is64 = eh.e_ident[EI_CLASS] == ELFCLASS64;
        Elf32_Ehdr eh32 {};
        if (!is64) (void)!pread(fd, &eh32, sizeof eh32, 0);
        const uint64_t phoff = is64 ? eh.e_phoff : eh32.e_phoff;
        const unsigned phnum = is64 ? eh.e_phnum : eh32.e_phnum;
        const unsigned phentsize = is64 ? eh.e_phentsize : eh32.e_phentsize;
        for (unsigned k = 0; k < phnum && k < 4096 && !dynamic; ++k) {
            uint32_t type = 0;  // p_type is the first field in both classes
            if (pread(fd, &type, sizeof type, off_t(phoff + uint64_t(k) * phentsize)) != ssize_t(sizeof type)) break;
            dynamic = type == PT_INTERP;
        }
    }
    close(fd);
    return dynamic ? nullptr : "is statically linked: LD_PRELOAD cannot wrap it, its sockets stay on the kernel's network";
}

}  // namespace ztrun

// ztrun: runs a program with its sockets on a ZeroTier network. Sets the node's configuration
// in the environment (ZT_HOME, ZT_NETWORKS, ZT_PEERS, ZT_PORT, ...), makes sure the home's node
// is on the networks given with -n and has an address on each (networks.hpp), prepends
// libztintercept.so to LD_PRELOAD and execs the program.
//
//   ztrun [-H home] [-n nwid[=ip/len]]... [-p peer@endpoint]... [--port N] [--wait S]
//         [--wildcard virtual|kernel] [-q] [-d] [--] prog args...
#include <arpa/inet.h>
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tools/ztnode/config.hpp"
#include "tools/ztrun/networks.hpp"

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: ztrun [options] [--] program [args...]\n"
                 "  -H, --home DIR          ZeroTier home (identity, config, node socket); default $ZT_HOME\n"
                 "                          or $XDG_DATA_HOME/ztintercept (~/.local/share/ztintercept)\n"
                 "  -n, --network ID[=IP/LEN]  join a network (repeatable) through its controller, or\n"
                 "                          statically with the address given\n"
                 "      --wait SECONDS      how long to wait for the networks to come up (default 60;\n"
                 "                          0: do not wait)\n"
                 "  -p, --peer PEER@IP/PORT    a peer to reach directly (repeatable); PEER is a ZeroTier\n"
                 "                          address or an identity.public\n"
                 "      --port N            the node's UDP port\n"
                 "      --wildcard virtual|kernel  where binds to 0.0.0.0/:: go (default virtual)\n"
                 "      --strict            while the virtual network is not up, nothing but loopback goes\n"
                 "                          through the kernel (calls fail with ENETUNREACH)\n"
                 "  -q, --quiet             say nothing while waiting for the networks, and let the\n"
                 "                          program's stderr carry no problems of the network\n"
                 "  -d, --debug             debug logs in the home (intercept.log)\n"
                 "  -h, --help              this help\n");
}

bool exists(const std::string& p) { return access(p.c_str(), R_OK) == 0; }

// "nwid" or "nwid=ip/len[=ip/len...]" (spaces work as separators too): the reason it is not, or "".
std::string check_network(const std::string& spec) {
    size_t end = spec.find_first_of("= ");
    const std::string id = spec.substr(0, end);
    if (id.size() != 16 || id.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
        return "'" + id + "' is not a network id (16 hex digits)";
    while (end != std::string::npos && end < spec.size()) {
        const size_t start = end + 1;
        end = spec.find_first_of("= ", start);
        const std::string pfx = spec.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (pfx.empty()) continue;
        const size_t slash = pfx.find('/');
        unsigned char buf[16];
        const std::string ip = pfx.substr(0, slash);
        const bool v4 = inet_pton(AF_INET, ip.c_str(), buf) == 1, v6 = !v4 && inet_pton(AF_INET6, ip.c_str(), buf) == 1;
        char* e = nullptr;
        const long len = slash == std::string::npos ? -1 : std::strtol(pfx.c_str() + slash + 1, &e, 10);
        if ((!v4 && !v6) || len < 0 || (e && *e) || len > (v4 ? 32 : 128))
            return "'" + pfx + "' is not an address with a prefix length (10.147.17.5/24, fd00::5/88)";
    }
    return "";
}

// "peer" or "peer@ip/port" as ZT_PEERS takes it: the reason it is not, or "".
std::string check_peer(const std::string& spec) {
    const size_t at = spec.rfind('@');
    std::string why;
    if (at == std::string::npos) zt::node::parse_peer(spec, {}, why);
    else zt::node::parse_peer(std::string_view(spec).substr(0, at), std::string_view(spec).substr(at + 1), why);
    return why;
}

// The node's configuration as the program's node would read it (the home's ztintercept.conf and
// the ZT_* variables, ours included), checked before anything starts: the reason it is not
// usable, or "".
std::string check_config(bool peers_from_args) {
    std::string error;
    const auto cfg = zt::node::load_config([](const char* n) { return std::getenv(n); }, error);
    if (!cfg) return error;
    // A peer named by its address alone is found through the roots (WHOIS, relaying): with
    // none, nothing can find it.
    const char* planet = std::getenv("ZT_PLANET");
    if (!planet || std::strcmp(planet, "none") != 0) return "";
    for (const auto& p : cfg->peers) {
        if (!p.endpoint.is_nil()) continue;
        const std::string a = p.address.to_string();
        const std::string lost = ": no endpoint, and without roots (ZT_PLANET=none) nothing can find it: give it as ";
        if (peers_from_args) return "-p " + a + lost + a + "@IP/PORT";
        if (std::getenv("ZT_PEERS")) return "ZT_PEERS: peer " + a + lost + a + "@IP/PORT";
        return cfg->conf_path + ": peer " + a + lost + "'peer = " + a + " IP/PORT'";
    }
    return "";
}

std::string self_dir() {
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    buf[n] = '\0';
    std::string s(buf);
    const size_t slash = s.rfind('/');
    return slash == std::string::npos ? "." : s.substr(0, slash);
}

// libztintercept.so: $ZT_INTERCEPT_LIB, beside ztrun (installed), or in the build tree.
std::string find_library() {
    if (const char* e = std::getenv("ZT_INTERCEPT_LIB"); e && *e) return e;
    const std::string dir = self_dir();
    for (const char* rel : {"/libztintercept.so", "/../../intercept/libztintercept.so", "/../lib/libztintercept.so"}) {
        const std::string p = dir + rel;
        if (exists(p)) {
            char real[PATH_MAX];
            return realpath(p.c_str(), real) ? std::string(real) : p;
        }
    }
    return {};
}

// ztnode: $ZT_NODE_BIN, beside the library (installed), or in the build tree.
std::string find_node(const std::string& lib) {
    if (const char* e = std::getenv("ZT_NODE_BIN"); e && *e) return e;
    const std::string dir = lib.substr(0, lib.rfind('/'));
    for (const char* rel : {"/ztnode", "/../tools/ztnode/ztnode"})
        if (access((dir + rel).c_str(), X_OK) == 0) return dir + rel;
    return "ztnode";
}

bool mkdirs(const std::string& path) {
    std::string cur;
    for (size_t i = 0; i <= path.size(); ++i) {
        if (i == path.size() || (path[i] == '/' && i > 0)) {
            cur = path.substr(0, i);
            if (mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST) return false;
        }
    }
    return true;
}

std::string default_home() {
    if (const char* e = std::getenv("ZT_HOME"); e && *e) return e;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/ztintercept";
    const char* h = std::getenv("HOME");
    return std::string(h && *h ? h : ".") + "/.local/share/ztintercept";
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
    return s;
}

}  // namespace

// The file execvp would run: `name` itself if it has a slash, else the first executable of
// that name on PATH; empty if none.
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

// Why LD_PRELOAD cannot wrap the program at `path`, or nullptr: the dynamic loader never runs
// for a static ELF (no PT_INTERP: most Go binaries, ldconfig) and ignores LD_PRELOAD for
// set-user/group-ID programs. Scripts and anything unreadable pass (their interpreter decides).
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

int main(int argc, char** argv) {
    std::string home, port, wildcard;
    std::vector<std::string> networks, peers;
    bool debug = false, quiet = false, strict = false;
    int wait_s = 60;
    int i = 1;
    auto value = [&](const char* opt) -> std::string {
        if (i + 1 >= argc) {
            std::fprintf(stderr, "ztrun: %s needs a value\n", opt);
            std::exit(2);
        }
        return argv[++i];
    };
    for (; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.empty() || a[0] != '-') break;
        if (a == "-H" || a == "--home") {
            home = value("-H");
        } else if (a == "-n" || a == "--network") {
            networks.push_back(value("-n"));
            std::string why = check_network(networks.back());
            if (why.empty()) zt::node::parse_network(networks.back(), why);  // loopback, multicast, ...
            if (!why.empty()) {
                std::fprintf(stderr, "ztrun: -n %s: %s\n", networks.back().c_str(), why.c_str());
                return 2;
            }
        } else if (a == "--strict") {
            strict = true;
        } else if (a == "-p" || a == "--peer") {
            peers.push_back(value("-p"));
            if (const std::string why = check_peer(peers.back()); !why.empty()) {
                std::fprintf(stderr, "ztrun: -p %s: %s\n", peers.back().c_str(), why.c_str());
                return 2;
            }
        } else if (a == "--port") {
            port = value("--port");
            char* end = nullptr;
            const long n = std::strtol(port.c_str(), &end, 10);
            if (port.empty() || *end || n < 0 || n > 65535) {
                std::fprintf(stderr, "ztrun: --port takes a UDP port (0..65535; 0: any)\n");
                return 2;
            }
        } else if (a == "--wildcard") {
            wildcard = value("--wildcard");
            if (wildcard != "virtual" && wildcard != "kernel") {
                std::fprintf(stderr, "ztrun: --wildcard takes virtual or kernel\n");
                return 2;
            }
        } else if (a == "--wait") {
            const std::string v = value("--wait");
            char* end = nullptr;
            const long w = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end || w < 0 || w > 86400) {
                std::fprintf(stderr, "ztrun: --wait takes seconds (0..86400)\n");
                return 2;
            }
            wait_s = int(w);
        } else if (a == "-q" || a == "--quiet") {
            quiet = true;
        } else if (a == "-d" || a == "--debug") {
            debug = true;
        } else if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "ztrun: unknown option %s\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }

    if (home.empty()) home = default_home();
    if (!mkdirs(home)) {
        std::fprintf(stderr, "ztrun: cannot create home %s: %s\n", home.c_str(), std::strerror(errno));
        return 1;
    }
    char real_home[PATH_MAX];
    if (realpath(home.c_str(), real_home)) home = real_home;

    const std::string lib = find_library();
    if (lib.empty()) {
        std::fprintf(stderr, "ztrun: libztintercept.so not found beside %s (set ZT_INTERCEPT_LIB)\n",
                     self_dir().c_str());
        return 1;
    }

    setenv("ZT_HOME", home.c_str(), 1);
    if (!networks.empty()) setenv("ZT_NETWORKS", join(networks).c_str(), 1);
    if (!peers.empty()) setenv("ZT_PEERS", join(peers).c_str(), 1);
    if (!port.empty()) setenv("ZT_PORT", port.c_str(), 1);
    if (!wildcard.empty()) setenv("ZT_BIND_WILDCARD", wildcard.c_str(), 1);
    if (debug) setenv("ZT_LOG_LEVEL", "debug", 1);
    if (strict) setenv("ZT_STRICT", "1", 1);
    // Problems of the network reach the program's stderr in one line (the shim says nothing
    // there under a bare LD_PRELOAD).
    if (!quiet) setenv("ZT_VERBOSE", "1", 1);
    if (const std::string why = check_config(!peers.empty()); !why.empty()) {
        std::fprintf(stderr, "ztrun: %s\n", why.c_str());
        return 2;
    }

    // The networks: from -n, else those the environment names.
    if (networks.empty())
        if (const char* env = std::getenv("ZT_NETWORKS"); env && *env) {
            std::string v = env;
            for (size_t at = 0; at <= v.size();) {
                size_t comma = v.find(',', at);
                if (comma == std::string::npos) comma = v.size();
                if (comma > at) networks.push_back(v.substr(at, comma - at));
                at = comma + 1;
            }
        }
    if (!networks.empty() && wait_s > 0) {
        ztrun::Options o;
        o.home = home;
        o.node_bin = find_node(lib);
        o.networks = networks;
        o.wait_s = wait_s;
        o.quiet = quiet;
        if (int rc = ztrun::join_and_wait(o)) return rc;
        // The ranges the networks have now stay virtual for the program even if the node goes
        // away: its calls to them fail instead of going out on the physical network.
        if (!o.routes.empty()) setenv("ZT_ROUTES", o.routes.c_str(), 1);
    }

    std::string preload = lib;
    if (const char* old = std::getenv("LD_PRELOAD"); old && *old) {
        if (std::strstr(old, lib.c_str())) {
            preload = old;
        } else {
            preload += ":";
            preload += old;
        }
    }
    setenv("LD_PRELOAD", preload.c_str(), 1);

    if (const std::string prog = resolve(argv[i]); !prog.empty())
        if (const char* why = unwrappable(prog)) std::fprintf(stderr, "ztrun: warning: %s %s\n", prog.c_str(), why);
    execvp(argv[i], argv + i);
    std::fprintf(stderr, "ztrun: %s: %s\n", argv[i], std::strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

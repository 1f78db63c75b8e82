// ztrun: runs a program with its sockets on a ZeroTier network. Sets the node's configuration
// in the environment (ZT_HOME, ZT_NETWORKS, ZT_PEERS, ZT_PORT, ...), prepends libztintercept.so
// to LD_PRELOAD and execs the program; the shim starts or joins the home's node on first need.
//
//   ztrun [-H home] [-n nwid[=ip/len]]... [-p peer@endpoint]... [--port N]
//         [--wildcard virtual|kernel] [-d] [--] prog args...
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: ztrun [options] [--] program [args...]\n"
                 "  -H, --home DIR          ZeroTier home (identity, config, node socket); default $ZT_HOME\n"
                 "                          or $XDG_DATA_HOME/ztintercept (~/.local/share/ztintercept)\n"
                 "  -n, --network ID[=IP/LEN]  join a network (repeatable); a static address if given\n"
                 "  -p, --peer PEER@IP/PORT    a peer to reach directly (repeatable); PEER is a ZeroTier\n"
                 "                          address or an identity.public\n"
                 "      --port N            the node's UDP port\n"
                 "      --wildcard virtual|kernel  where binds to 0.0.0.0/:: go (default virtual)\n"
                 "  -d, --debug             debug logs in the home (intercept.log)\n"
                 "  -h, --help              this help\n");
}

bool exists(const std::string& p) { return access(p.c_str(), R_OK) == 0; }

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

int main(int argc, char** argv) {
    std::string home, port, wildcard;
    std::vector<std::string> networks, peers;
    bool debug = false;
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
        } else if (a == "-p" || a == "--peer") {
            peers.push_back(value("-p"));
        } else if (a == "--port") {
            port = value("--port");
        } else if (a == "--wildcard") {
            wildcard = value("--wildcard");
            if (wildcard != "virtual" && wildcard != "kernel") {
                std::fprintf(stderr, "ztrun: --wildcard takes virtual or kernel\n");
                return 2;
            }
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

    execvp(argv[i], argv + i);
    std::fprintf(stderr, "ztrun: %s: %s\n", argv[i], std::strerror(errno));
    return errno == ENOENT ? 127 : 126;
}

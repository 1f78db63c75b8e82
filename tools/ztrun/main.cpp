// ztrun: runs a program with its sockets on a ZeroTier network. Sets the node's configuration
// in the environment (ZT_HOME, ZT_NETWORKS, ZT_PEERS, ZT_PORT, ...), makes sure the home's node
// is on the networks given with -n and has an address on each (networks.hpp), prepends
// libztintercept.so to LD_PRELOAD and execs the program.
//
//   ztrun [-H home] [-n nwid[=ip/len]]... [-p peer@endpoint]... [--port N] [--wait S]
//         [--wildcard virtual|kernel] [--strict] [-q | -v] [-d] [--] prog args...
// The exit status is the program's, or one of exit_codes.hpp (tools/ztrun/ztrun.1 is the manual).
#include <arpa/inet.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tools/ztnode/config.hpp"
#include "tools/ztrun/exit_codes.hpp"
#include "tools/ztrun/locate.hpp"
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
                 "      --socks [IP:]PORT   the node serves a SOCKS5 proxy into the networks (127.0.0.1)\n"
                 "      --http-proxy [IP:]PORT  the node serves an HTTP proxy (CONNECT and http://)\n"
                 "      --forward 'tcp LOCAL VIRTUAL'  a local port carried to a virtual address (repeatable)\n"
                 "      --expose 'tcp VIRTUAL LOCAL'   a virtual port carried to a local address (repeatable)\n"
                 "                          (these four apply when ztrun starts the node)\n"
                 "      --strict            while the virtual network is not up, nothing but loopback goes\n"
                 "                          through the kernel (calls fail with ENETUNREACH)\n"
                 "  -q, --quiet             say nothing while waiting for the networks, and let the\n"
                 "                          program's stderr carry no problems of the network\n"
                 "  -v, --verbose           say what ztrun does: the node, its address, each state of\n"
                 "                          each network, with times\n"
                 "  -d, --debug             debug logs in the home (intercept.log)\n"
                 "  -h, --help              this help\n"
                 "On a terminal ztrun shows how far the networks are while it waits; otherwise it says\n"
                 "nothing unless the wait lasts over a second.\n"
                 "Exit status: the program's own once it runs; before that\n"
                 "  1    a network did not come up in time (or was refused), the node did not start\n"
                 "       or stopped, the home cannot be made, libztintercept.so was not found\n"
                 "  2    bad options or arguments\n"
                 "  126  the program cannot be executed\n"
                 "  127  the program was not found\n"
                 "See ztrun(1).\n");
}

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

int64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace ztrun;
    const int64_t start_ms = mono_ms();
    std::string home, port, wildcard, socks, http_proxy;
    std::vector<std::string> networks, peers, forwards, exposes;
    bool debug = false, quiet = false, verbose = false, strict = false;
    int wait_s = 60;
    int i = 1;
    auto value = [&](const char* opt) -> std::string {
        if (i + 1 >= argc) {
            std::fprintf(stderr, "ztrun: %s needs a value\n", opt);
            std::exit(kExitUsage);
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
                return kExitUsage;
            }
        } else if (a == "--socks" || a == "--http-proxy") {
            std::string& where = a == "--socks" ? socks : http_proxy;
            where = value(a.c_str());
            std::string why;
            if (!zt::node::parse_host_port(where, true, why)) {
                std::fprintf(stderr, "ztrun: %s %s: %s\n", a.c_str(), where.c_str(), why.c_str());
                return kExitUsage;
            }
        } else if (a == "--forward" || a == "--expose") {
            auto& list = a == "--forward" ? forwards : exposes;
            list.push_back(value(a.c_str()));
            std::string why;
            if (!zt::node::parse_forward(list.back(), a == "--expose", why)) {
                std::fprintf(stderr, "ztrun: %s %s: %s\n", a.c_str(), list.back().c_str(), why.c_str());
                return kExitUsage;
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
                return kExitUsage;
            }
        } else if (a == "--wait") {
            const std::string v = value("--wait");
            char* end = nullptr;
            const long w = std::strtol(v.c_str(), &end, 10);
            if (v.empty() || *end || w < 0 || w > 86400) {
                std::fprintf(stderr, "ztrun: --wait takes seconds (0..86400)\n");
                return kExitUsage;
            }
            wait_s = int(w);
        } else if (a == "-q" || a == "--quiet") {
            quiet = true;
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a == "-d" || a == "--debug") {
            debug = true;
        } else if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "ztrun: unknown option %s\n", a.c_str());
            usage(stderr);
            return kExitUsage;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return kExitUsage;
    }
    if (quiet && verbose) {
        std::fprintf(stderr, "ztrun: -q and -v exclude each other\n");
        return kExitUsage;
    }
    Progress progress(quiet     ? Progress::Manner::quiet
                      : verbose ? Progress::Manner::verbose
                      : isatty(STDERR_FILENO) ? Progress::Manner::terminal
                                              : Progress::Manner::lines,
                      start_ms);
    // A program that cannot run is named before anything starts (execvp tells again should it
    // change meanwhile).
    const std::string prog = resolve(argv[i]);
    if (prog.empty() || access(prog.c_str(), X_OK) != 0) {
        const int err = prog.empty() ? ENOENT : errno;
        std::fprintf(stderr, "ztrun: %s: %s\n", argv[i], std::strerror(err));
        return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitCannotRun;
    }

    if (home.empty()) home = default_home();
    if (!mkdirs(home)) {
        std::fprintf(stderr, "ztrun: cannot create home %s: %s\n", home.c_str(), std::strerror(errno));
        return kExitFailed;
    }
    char real_home[PATH_MAX];
    if (realpath(home.c_str(), real_home)) home = real_home;

    const std::string lib = find_library();
    if (lib.empty()) {
        std::fprintf(stderr, "ztrun: libztintercept.so not found from %s (set ZT_INTERCEPT_LIB)\n",
                     self_dir().c_str());
        return kExitFailed;
    }
    const std::string node_bin = find_node(lib);
    progress.detail("home %s, library %s, node %s", home.c_str(), lib.c_str(), node_bin.c_str());

    setenv("ZT_HOME", home.c_str(), 1);
    if (!networks.empty()) setenv("ZT_NETWORKS", join(networks).c_str(), 1);
    if (!peers.empty()) setenv("ZT_PEERS", join(peers).c_str(), 1);
    if (!port.empty()) setenv("ZT_PORT", port.c_str(), 1);
    if (!wildcard.empty()) setenv("ZT_BIND_WILDCARD", wildcard.c_str(), 1);
    if (!socks.empty()) setenv("ZT_SOCKS", socks.c_str(), 1);
    if (!http_proxy.empty()) setenv("ZT_HTTP_PROXY", http_proxy.c_str(), 1);
    if (!forwards.empty()) setenv("ZT_FORWARDS", join(forwards).c_str(), 1);
    if (!exposes.empty()) setenv("ZT_EXPOSES", join(exposes).c_str(), 1);
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
        o.node_bin = node_bin;
        o.networks = networks;
        o.wait_s = wait_s;
        if (int rc = join_and_wait(o, progress)) return rc;
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

    if (const char* why = unwrappable(prog)) {
        // A static program cannot be wrapped, but it can use the node's proxy: most honour the
        // usual variables (Go's net/http, curl). Set them unless the caller did.
        std::string given;
        if (std::strstr(why, "statically linked") && (!http_proxy.empty() || !socks.empty())) {
            std::string why_not;
            const auto at = zt::node::parse_host_port(http_proxy.empty() ? socks : http_proxy, true, why_not);
            const std::string url = (http_proxy.empty() ? "socks5h://" : "http://") + (at ? at->to_string() : "");
            const char* vars[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"};
            for (const char* v : vars)
                if (!std::getenv(v) && (http_proxy.size() || std::strstr(v, "ALL") || std::strstr(v, "all"))) {
                    setenv(v, url.c_str(), 1);
                    given = url;
                }
        }
        if (given.empty())
            std::fprintf(stderr, "ztrun: warning: %s %s\n", prog.c_str(), why);
        else
            std::fprintf(stderr, "ztrun: warning: %s %s; it is given the node's proxy (HTTP_PROXY, ALL_PROXY... = %s)\n",
                         prog.c_str(), why, given.c_str());
    }
    progress.detail("running %s%s%s", prog.c_str(),
                    std::getenv("ZT_ROUTES") ? " with ZT_ROUTES=" : "",
                    std::getenv("ZT_ROUTES") ? std::getenv("ZT_ROUTES") : "");
    execvp(argv[i], argv + i);
    const int err = errno;
    std::fprintf(stderr, "ztrun: %s: %s\n", argv[i], std::strerror(err));
    return err == ENOENT || err == ENOTDIR ? kExitNotFound : kExitCannotRun;
}

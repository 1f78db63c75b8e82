// Environment configuration.
#include "intercept/config.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "intercept/common.hpp"
#include "intercept/real.hpp"
#include "ipc/control_protocol.hpp"

namespace zti {

bool g_active = false;
int g_pid = 0;

bool foreign_process() noexcept { return getpid() != g_pid; }
Config g_cfg;
constinit thread_local int t_in_shim ZTI_TLS = 0;

namespace {

// "<ip>/<len>" into a Join prefix; false if it does not parse.
bool parse_prefix(const char* s, size_t n, ztctl::NetworkInfo::Prefix& out) {
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char* slash = strchr(buf, '/');
    if (!slash) return false;
    *slash = '\0';
    const long len = strtol(slash + 1, nullptr, 10);
    memset(&out, 0, sizeof out);
    if (inet_pton(AF_INET, buf, out.addr.ip) == 1 && len >= 0 && len <= 32) {
        out.addr.family = 4;
    } else if (inet_pton(AF_INET6, buf, out.addr.ip) == 1 && len >= 0 && len <= 128) {
        out.addr.family = 6;
    } else {
        return false;
    }
    out.prefix_len = uint8_t(len);
    return true;
}

// ZT_NETWORKS: comma-separated entries of a 16-hex network id and optional prefixes, separated
// by '=' or spaces (the node's own syntax, tools/ztnode/config.hpp).
// Adds a prefix to the table of ranges known to be virtual.
void add_known(const ztctl::NetworkInfo::Prefix& p) {
    RouteTable& t = g_cfg.known;
    if (t.count >= kMaxPrefixes || (p.addr.family != 4 && p.addr.family != 6)) return;
    Prefix& out = t.prefixes[t.count++];
    memset(&out, 0, sizeof out);
    out.family = p.addr.family;
    out.len = p.prefix_len;
    memcpy(out.ip, p.addr.ip, 16);
}

// ZT_ROUTES: "ip/len" entries separated by commas or spaces.
void parse_routes(const char* v) {
    while (v && *v) {
        while (*v == ',' || *v == ' ') ++v;
        const char* end = v;
        while (*end && *end != ',' && *end != ' ') ++end;
        ztctl::NetworkInfo::Prefix p;
        if (end > v && parse_prefix(v, size_t(end - v), p)) add_known(p);
        v = end;
    }
}

// $ZT_HOME/routes, which the node keeps (tools/ztnode/runtime.cpp): the ranges of its networks
// the last time it ran. Unreadable after a privilege drop; ZT_ROUTES or the key path cover that.
void read_routes_file() {
    char path[PATH_MAX + 16];
    if (snprintf(path, sizeof path, "%s/routes", g_cfg.home) >= int(sizeof path)) return;
    const int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return;
    char buf[4096];
    const ssize_t n = real::read(fd, buf, sizeof buf - 1);
    real::close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    for (char* line = buf; *line;) {
        char* end = strchr(line, '\n');
        if (end) *end = '\0';
        ztctl::NetworkInfo::Prefix p;
        if (parse_prefix(line, strlen(line), p)) add_known(p);
        if (!end) break;
        line = end + 1;
    }
}

void parse_networks(const char* v) {
    g_cfg.join_count = 0;
    while (v && *v && g_cfg.join_count < int(ztctl::kMaxNetworks)) {
        const char* end = strchr(v, ',');
        const size_t n = end ? size_t(end - v) : strlen(v);
        ztctl::Join& j = g_cfg.joins[g_cfg.join_count];
        memset(&j, 0, sizeof j);
        size_t i = 0;
        auto sep = [](char c) { return c == ' ' || c == '\t' || c == '='; };
        while (i < n && sep(v[i])) ++i;
        char idbuf[17];
        size_t k = 0;
        while (i < n && !sep(v[i]) && k < 16) idbuf[k++] = v[i++];
        idbuf[k] = '\0';
        char* idend = nullptr;
        j.nwid = strtoull(idbuf, &idend, 16);
        bool ok = k == 16 && idend && *idend == '\0' && (i == n || sep(v[i]));
        while (ok && i < n) {
            while (i < n && sep(v[i])) ++i;
            size_t start = i;
            while (i < n && !sep(v[i])) ++i;
            if (i > start && j.addr_count < 8) ok = parse_prefix(v + start, i - start, j.addrs[j.addr_count++]);
        }
        if (ok) ++g_cfg.join_count;
        v = end ? end + 1 : nullptr;
    }
}

}  // namespace

void load_config() noexcept {
    const char* home = getenv("ZT_HOME");
    if (!home || !*home) return;
    if (!realpath(home, g_cfg.home)) {
        mkdir(home, 0700);
        if (!realpath(home, g_cfg.home)) {
            if (strlen(home) >= sizeof g_cfg.home) return;
            strcpy(g_cfg.home, home);
        }
    }
    g_cfg.home_hash = ztctl::home_hash(g_cfg.home);
    const char* wc = getenv("ZT_BIND_WILDCARD");
    g_cfg.wildcard = (wc && strcmp(wc, "kernel") == 0) ? WildcardPolicy::kernel : WildcardPolicy::virtual_net;
    parse_networks(getenv("ZT_NETWORKS"));
    g_cfg.known.count = 0;
    for (int i = 0; i < g_cfg.join_count; ++i)
        for (int j = 0; j < g_cfg.joins[i].addr_count; ++j) add_known(g_cfg.joins[i].addrs[j]);
    parse_routes(getenv("ZT_ROUTES"));
    read_routes_file();
    const char* strict = getenv("ZT_STRICT");
    g_cfg.strict = strict && *strict && strcmp(strict, "0") != 0;
    const char* nb = getenv("ZT_NODE_BIN");
    if (nb && strlen(nb) < sizeof g_cfg.node_bin) strcpy(g_cfg.node_bin, nb);
    g_pid = int(getpid());
    g_active = true;
}

}  // namespace zti

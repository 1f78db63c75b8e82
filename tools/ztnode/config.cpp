// ztnode configuration parsing (config.hpp).
#include "tools/ztnode/config.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ipc/control_protocol.hpp"

namespace zt::node {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// Splits on any of `seps`, dropping empty fields.
std::vector<std::string_view> split(std::string_view s, std::string_view seps) {
    std::vector<std::string_view> out;
    size_t i = 0;
    while (i < s.size()) {
        size_t j = s.find_first_of(seps, i);
        if (j == std::string_view::npos) j = s.size();
        if (j > i) out.push_back(s.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

std::optional<long> parse_int(std::string_view s, long lo, long hi) {
    if (s.empty() || s.size() > 9) return std::nullopt;
    long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v < lo || v > hi) return std::nullopt;
    return v;
}

bool is_hex(std::string_view s) {
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
    return true;
}

bool valid_log_level(std::string_view v) {
    for (const char* l : {"trace", "debug", "info", "warn", "error", "critical", "off"})
        if (v == l) return true;
    return false;
}

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// One `key = value` setting from the file or the environment; list keys append.
bool apply_setting(std::string_view key, std::string_view value, Config& cfg, std::string& why) {
    if (key == "port") {
        auto v = parse_int(value, 0, 65535);
        if (!v) {
            why = "port must be 0..65535, got " + quoted(value);
            return false;
        }
        cfg.port = uint16_t(*v);
        return true;
    }
    if (key == "mtu") {
        auto v = parse_int(value, 576, 10000);
        if (!v) {
            why = "mtu must be 576..10000, got " + quoted(value);
            return false;
        }
        cfg.mtu = uint32_t(*v);
        return true;
    }
    if (key == "linger") {
        auto v = parse_int(value, 0, 86400);
        if (!v) {
            why = "linger must be 0..86400 seconds, got " + quoted(value);
            return false;
        }
        cfg.linger_s = int(*v);
        return true;
    }
    if (key == "socks" || key == "http_proxy") {
        auto a = parse_host_port(value, true, why);
        if (!a) {
            why = std::string(key) + ": " + why;
            return false;
        }
        (key == "socks" ? cfg.socks : cfg.http_proxy) = *a;
        return true;
    }
    if (key == "proxy_auth") {
        size_t colon = value.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon + 1 == value.size() || colon > 255 ||
            value.size() - colon - 1 > 255) {
            why = "proxy_auth must be 'user:password' (each 1..255 bytes)";
            return false;
        }
        cfg.proxy_user = std::string(value.substr(0, colon));
        cfg.proxy_password = std::string(value.substr(colon + 1));
        return true;
    }
    if (key == "forward" || key == "expose") {
        auto f = parse_forward(value, key == "expose", why);
        if (!f) return false;
        auto& list = key == "forward" ? cfg.forwards : cfg.exposes;
        if (list.size() >= 256) {
            why = "more than 256 " + std::string(key) + " entries";
            return false;
        }
        list.push_back(*f);
        return true;
    }
    if (key == "allow_global" || key == "allow_default" || key == "udp_offload" || key == "proxy_outside") {
        bool on;
        if (value == "true" || value == "1" || value == "yes") on = true;
        else if (value == "false" || value == "0" || value == "no") on = false;
        else {
            why = std::string(key) + " must be true or false, got " + quoted(value);
            return false;
        }
        (key == "allow_global"    ? cfg.allow_global
         : key == "allow_default" ? cfg.allow_default
         : key == "proxy_outside" ? cfg.proxy_outside
                                  : cfg.udp_offload) = on;
        return true;
    }
    if (key == "log_level") {
        if (!valid_log_level(value)) {
            why = "log_level must be one of trace debug info warn error critical off, got " + quoted(value);
            return false;
        }
        cfg.log_level = std::string(value);
        return true;
    }
    if (key == "network") {
        auto n = parse_network(value, why);
        if (!n) return false;
        for (const auto& have : cfg.networks)
            if (have.nwid == n->nwid) {
                why = "network " + n->nwid.to_string() + " listed twice";
                return false;
            }
        if (cfg.networks.size() >= ztctl::kMaxNetworks) {
            why = "more than " + std::to_string(ztctl::kMaxNetworks) + " networks";
            return false;
        }
        cfg.networks.push_back(std::move(*n));
        return true;
    }
    if (key == "peer") {
        auto fields = split(value, " \t");
        if (fields.size() != 1 && fields.size() != 2) {
            why = "peer needs '<address or identity> [<endpoint>]', got " + quoted(value);
            return false;
        }
        auto p = parse_peer(fields[0], fields.size() == 2 ? fields[1] : std::string_view{}, why);
        if (!p) return false;
        cfg.peers.push_back(std::move(*p));
        return true;
    }
    why = "unknown setting " + quoted(key);
    return false;
}

}  // namespace

std::optional<NetworkConfig> parse_network(std::string_view spec, std::string& why) {
    auto fields = split(trim(spec), "= \t");
    if (fields.empty()) {
        why = "empty network entry";
        return std::nullopt;
    }
    auto nwid = NetworkId::parse(fields[0]);
    if (!nwid) {
        why = "bad network id " + quoted(fields[0]) + " (16 hex digits expected)";
        return std::nullopt;
    }
    NetworkConfig n;
    n.nwid = *nwid;
    for (size_t i = 1; i < fields.size(); ++i) {
        auto p = stack::InetPrefix::parse(fields[i]);
        if (!p) {
            why = "bad address " + quoted(fields[i]) + " for network " + nwid->to_string() +
                  " (<ipv4>/<len> or <ipv6>/<len> expected)";
            return std::nullopt;
        }
        if (p->addr.is_unspecified() || p->addr.is_loopback() || p->addr.is_multicast()) {
            why = "address " + quoted(fields[i]) + " cannot be assigned to a network";
            return std::nullopt;
        }
        if (n.addrs.size() >= 8) {
            why = "more than 8 addresses for network " + nwid->to_string();
            return std::nullopt;
        }
        n.addrs.push_back(*p);
    }
    return n;
}

std::optional<stack::InetAddr> parse_host_port(std::string_view s, bool port_alone_ok, std::string& why) {
    s = trim(s);
    std::string_view host, port;
    if (!s.empty() && s.front() == '[') {
        size_t close = s.find(']');
        if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') {
            why = "bad address " + quoted(s) + " ([ipv6]:port expected)";
            return std::nullopt;
        }
        host = s.substr(1, close - 1);
        port = s.substr(close + 2);
    } else if (size_t colon = s.rfind(':'); colon != std::string_view::npos) {
        host = s.substr(0, colon);
        port = s.substr(colon + 1);
    } else if (port_alone_ok) {
        host = "127.0.0.1";
        port = s;
    } else {
        why = "bad address " + quoted(s) + " (ip:port expected)";
        return std::nullopt;
    }
    auto ip = stack::InetAddr::parse_ip(host);
    auto p = parse_int(port, 1, 65535);
    if (!ip || !p) {
        why = "bad address " + quoted(s) + " (ip:port or [ipv6]:port expected, port 1..65535)";
        return std::nullopt;
    }
    ip->port = uint16_t(*p);
    return ip;
}

std::string ForwardConfig::to_string() const {
    return std::string(udp ? "udp " : "tcp ") + from.to_string() + " " + to.to_string();
}

std::optional<ForwardConfig> parse_forward(std::string_view spec, bool expose, std::string& why) {
    const char* key = expose ? "expose" : "forward";
    auto fields = split(trim(spec), " \t");
    if (fields.size() != 3 || (fields[0] != "tcp" && fields[0] != "udp")) {
        why = std::string(key) + " needs 'tcp|udp <" + (expose ? "virtual" : "local") + " ip:port> <" +
              (expose ? "local" : "virtual") + " ip:port>', got " + quoted(spec);
        return std::nullopt;
    }
    ForwardConfig f;
    f.udp = fields[0] == "udp";
    auto from = parse_host_port(fields[1], false, why);
    if (!from) return std::nullopt;
    auto to = parse_host_port(fields[2], false, why);
    if (!to) return std::nullopt;
    f.from = *from;
    f.to = *to;
    return f;
}

bool check_config(const Config& cfg, std::string& error) {
    const bool auth = !cfg.proxy_user.empty();
    for (const auto& [name, a] : {std::pair{"socks", cfg.socks}, std::pair{"http_proxy", cfg.http_proxy}}) {
        if (a.family && !a.is_loopback() && !auth) {
            error = std::string(name) + " = " + a.to_string() +
                    " listens beyond loopback: set proxy_auth = user:password, or listen on 127.0.0.1";
            return false;
        }
    }
    if (cfg.socks.family && cfg.http_proxy.family && cfg.socks == cfg.http_proxy) {
        error = "socks and http_proxy both listen on " + cfg.socks.to_string();
        return false;
    }
    for (const auto& f : cfg.forwards) {
        if (f.to.is_unspecified() || f.to.is_loopback() || f.to.is_multicast()) {
            error = "forward " + f.to_string() + ": the target must be an address on a virtual network";
            return false;
        }
        if (f.from.is_multicast()) {
            error = "forward " + f.to_string() + ": cannot listen on a multicast address";
            return false;
        }
    }
    for (const auto& e : cfg.exposes) {
        if (e.from.is_loopback() || e.from.is_multicast()) {
            error = "expose " + e.to_string() + ": listen on a virtual address (or 0.0.0.0), not " + e.from.ip_string();
            return false;
        }
        if (e.to.is_unspecified() || e.to.is_multicast()) {
            error = "expose " + e.to_string() + ": the target must be a specific address";
            return false;
        }
    }
    return true;
}

std::optional<PeerConfig> parse_peer(std::string_view peer, std::string_view endpoint, std::string& why) {
    PeerConfig p;
    peer = trim(peer);
    if (peer.size() == 10) {
        auto a = Address::parse(peer);
        if (!a) {
            why = "bad peer address " + quoted(peer) + " (10 hex digits expected)";
            return std::nullopt;
        }
        p.address = *a;
    } else {
        // identity.public: <address>:0:<64-byte public key in hex>
        auto parts = split(peer, ":");
        if (parts.size() != 3 || parts[0].size() != 10 || parts[1] != "0" || parts[2].size() != 128 ||
            !is_hex(parts[2]) || !Address::parse(parts[0])) {
            why = "bad peer " + quoted(peer) + " (10-hex address or identity.public 'address:0:hex' expected)";
            return std::nullopt;
        }
        p.address = *Address::parse(parts[0]);
        p.identity = std::string(peer);
    }
    if (p.address.is_reserved()) {
        why = "peer address " + p.address.to_string() + " is reserved";
        return std::nullopt;
    }
    if (trim(endpoint).empty()) return p;  // address only: found through the roots (WHOIS)
    auto ep = Endpoint::parse(trim(endpoint));
    if (!ep || ep->port == 0) {
        why = "bad endpoint " + quoted(endpoint) + " for peer " + p.address.to_string() +
              " (1.2.3.4/9993 or [::1]/9993 expected)";
        return std::nullopt;
    }
    p.endpoint = *ep;
    return p;
}

bool parse_config_text(std::string_view text, std::string_view source, Config& cfg, std::string& error) {
    size_t line_no = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string_view::npos) nl = text.size();
        std::string_view line = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
        line = trim(line);
        if (line.empty()) continue;
        std::string where = std::string(source) + ":" + std::to_string(line_no) + ": ";
        size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            error = where + "expected 'key = value', got " + quoted(line);
            return false;
        }
        std::string_view key = trim(line.substr(0, eq));
        std::string_view value = trim(line.substr(eq + 1));
        if (key.empty() || value.empty()) {
            error = where + "expected 'key = value', got " + quoted(line);
            return false;
        }
        std::string why;
        if (!apply_setting(key, value, cfg, why)) {
            error = where + why;
            return false;
        }
    }
    return true;
}

bool apply_env(const EnvFn& env, Config& cfg, std::string& error) {
    auto get = [&](const char* name) -> std::optional<std::string_view> {
        const char* v = env(name);
        if (!v) return std::nullopt;
        return trim(v);
    };
    std::string why;
    struct Scalar {
        const char* var;
        const char* key;
    };
    for (Scalar s : {Scalar{"ZT_PORT", "port"}, Scalar{"ZT_MTU", "mtu"}, Scalar{"ZT_LOG_LEVEL", "log_level"},
                     Scalar{"ZT_NODE_LINGER", "linger"}, Scalar{"ZT_ALLOW_GLOBAL", "allow_global"},
                     Scalar{"ZT_ALLOW_DEFAULT", "allow_default"}, Scalar{"ZT_UDP_OFFLOAD", "udp_offload"},
                     Scalar{"ZT_SOCKS", "socks"}, Scalar{"ZT_HTTP_PROXY", "http_proxy"},
                     Scalar{"ZT_PROXY_AUTH", "proxy_auth"}, Scalar{"ZT_PROXY_OUTSIDE", "proxy_outside"}}) {
        auto v = get(s.var);
        if (!v || v->empty()) continue;
        if (!apply_setting(s.key, *v, cfg, why)) {
            error = std::string(s.var) + ": " + why;
            return false;
        }
    }
    if (auto v = get("ZT_NETWORKS")) {
        cfg.networks.clear();
        for (auto entry : split(*v, ",")) {
            if (trim(entry).empty()) continue;
            if (!apply_setting("network", entry, cfg, why)) {
                error = "ZT_NETWORKS: " + why;
                return false;
            }
        }
    }
    for (auto [var, key] : {std::pair{"ZT_FORWARDS", "forward"}, std::pair{"ZT_EXPOSES", "expose"}}) {
        auto v = get(var);
        if (!v) continue;
        (std::string_view(key) == "forward" ? cfg.forwards : cfg.exposes).clear();
        for (auto entry : split(*v, ",")) {
            if (trim(entry).empty()) continue;
            if (!apply_setting(key, entry, cfg, why)) {
                error = std::string(var) + ": " + why;
                return false;
            }
        }
    }
    if (auto v = get("ZT_PEERS")) {
        cfg.peers.clear();
        for (auto entry : split(*v, ",")) {
            entry = trim(entry);
            if (entry.empty()) continue;
            size_t at = entry.rfind('@');
            auto p = at == std::string_view::npos ? parse_peer(entry, {}, why)
                                                  : parse_peer(entry.substr(0, at), entry.substr(at + 1), why);
            if (!p) {
                error = "ZT_PEERS: " + why;
                return false;
            }
            cfg.peers.push_back(std::move(*p));
        }
    }
    return true;
}

std::optional<Config> load_config(const EnvFn& env, std::string& error) {
    Config cfg;
    const char* home = env("ZT_HOME");
    if (!home || !*home) {
        error = "ZT_HOME is not set (the node's home directory is required)";
        return std::nullopt;
    }
    cfg.home = home;
    if (cfg.home.front() != '/') {
        char cwd[4096];
        if (!getcwd(cwd, sizeof cwd)) {
            error = std::string("ZT_HOME: cannot resolve a relative path: ") + std::strerror(errno);
            return std::nullopt;
        }
        cfg.home = std::string(cwd) + "/" + cfg.home;
    }
    while (cfg.home.size() > 1 && cfg.home.back() == '/') cfg.home.pop_back();
    cfg.conf_path = cfg.home + "/ztintercept.conf";
    std::ifstream in(cfg.conf_path);
    if (in) {
        std::stringstream ss;
        ss << in.rdbuf();
        if (in.bad()) {
            error = cfg.conf_path + ": cannot read";
            return std::nullopt;
        }
        if (!parse_config_text(ss.str(), cfg.conf_path, cfg, error)) return std::nullopt;
    } else if (access(cfg.conf_path.c_str(), F_OK) == 0) {
        error = cfg.conf_path + ": cannot open: " + std::strerror(errno);
        return std::nullopt;
    }
    if (!apply_env(env, cfg, error)) return std::nullopt;
    if (!check_config(cfg, error)) {
        error = cfg.conf_path + ": " + error;
        return std::nullopt;
    }
    return cfg;
}

}  // namespace zt::node

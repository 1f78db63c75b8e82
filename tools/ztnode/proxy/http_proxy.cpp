// HTTP proxy request parsing (http_proxy.hpp).
#include "tools/ztnode/proxy/http_proxy.hpp"

#include <algorithm>
#include <cctype>

namespace zt::node::http_proxy {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(uint8_t(x)) == std::tolower(uint8_t(y)); });
}

bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        const auto u = uint8_t(c);
        if (u <= 32 || u >= 127 || std::string_view("()<>@,;:\\\"/[]?={}").find(c) != std::string_view::npos) return false;
    }
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// "host:port", "[v6]:port" or, if `default_port` is set, also without the port. The host is
// returned without brackets.
bool split_authority(std::string_view a, std::string& host, uint16_t& port, int default_port) {
    std::string_view h, p;
    if (!a.empty() && a.front() == '[') {
        size_t close = a.find(']');
        if (close == std::string_view::npos) return false;
        h = a.substr(1, close - 1);
        std::string_view rest = a.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return false;
            p = rest.substr(1);
        }
        if (h.find(':') == std::string_view::npos) return false;
    } else {
        size_t colon = a.rfind(':');
        if (colon != std::string_view::npos) {
            h = a.substr(0, colon);
            p = a.substr(colon + 1);
            if (h.find(':') != std::string_view::npos) return false;  // a bare IPv6 literal
        } else {
            h = a;
        }
    }
    if (h.empty() || h.size() > 255) return false;
    for (char c : h)
        if (uint8_t(c) <= 32 || uint8_t(c) >= 127 || c == '/' || c == '@' || c == '?' || c == '#') return false;
    if (p.empty()) {
        if (default_port < 0) return false;
        port = uint16_t(default_port);
    } else {
        if (p.size() > 5) return false;
        unsigned v = 0;
        for (char c : p) {
            if (c < '0' || c > '9') return false;
            v = v * 10 + unsigned(c - '0');
        }
        if (v == 0 || v > 65535) return false;
        port = uint16_t(v);
    }
    host.assign(h);
    return true;
}

bool hop_by_hop(std::string_view name) {
    for (std::string_view h : {"connection", "proxy-connection", "keep-alive", "proxy-authorization", "te",
                               "trailer", "upgrade", "proxy-authenticate"})
        if (iequals(name, h)) return true;
    return false;
}

}  // namespace

std::string Request::target_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Parse parse(std::string_view in, size_t& head_len, Request& out, int& status) {
    size_t end = in.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (in.size() > kMaxHead) {
            status = 431;
            return Parse::bad;
        }
        return Parse::need_more;
    }
    if (end + 4 > kMaxHead) {
        status = 431;
        return Parse::bad;
    }
    status = 400;
    const std::string_view head = in.substr(0, end + 2);  // every line ends in \r\n
    size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    // METHOD SP request-target SP HTTP-version
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) return Parse::bad;
    const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                           version = line.substr(sp2 + 1);
    if (!is_token(method) || target.empty()) return Parse::bad;
    for (char c : target)
        if (uint8_t(c) <= 0x20 || uint8_t(c) >= 0x7f) return Parse::bad;  // no controls, spaces or non-ASCII
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || !std::isdigit(uint8_t(version[5])) ||
        !std::isdigit(uint8_t(version[7]))) {
        return Parse::bad;
    }
    if (version[5] != '1') {
        status = 505;
        return Parse::bad;
    }
    out = Request{};
    out.method.assign(method);
    std::string path;
    if (method == "CONNECT") {
        out.connect = true;
        if (!split_authority(target, out.host, out.port, -1)) return Parse::bad;
    } else {
        constexpr std::string_view kScheme = "http://";
        if (target.size() < kScheme.size() || !iequals(target.substr(0, kScheme.size()), kScheme)) {
            status = target.front() == '/' || target == "*" || iequals(target.substr(0, std::min<size_t>(8, target.size())), "https://")
                         ? 405 : 400;
            return Parse::bad;
        }
        std::string_view rest = target.substr(kScheme.size());
        size_t slash = rest.find_first_of("/?#");
        std::string_view authority = rest.substr(0, slash);
        if (authority.find('@') != std::string_view::npos) return Parse::bad;  // userinfo: not forwarded
        if (!split_authority(authority, out.host, out.port, 80)) return Parse::bad;
        if (slash == std::string_view::npos) {
            path = "/";
        } else {
            path.assign(rest.substr(slash));
            if (path.front() == '#') return Parse::bad;
            if (path.front() == '?') path.insert(path.begin(), '/');
            if (size_t hash = path.find('#'); hash != std::string::npos) path.resize(hash);
        }
    }
    // Header fields.
    std::string fields;
    bool has_host = false;
    size_t pos = line_end + 2;
    while (pos < head.size()) {
        size_t e = head.find("\r\n", pos);
        std::string_view f = head.substr(pos, e - pos);
        pos = e + 2;
        if (f.empty() || f.front() == ' ' || f.front() == '\t') return Parse::bad;  // obs-fold
        size_t colon = f.find(':');
        if (colon == std::string_view::npos) return Parse::bad;
        std::string_view name = f.substr(0, colon), value = trim(f.substr(colon + 1));
        if (!is_token(name)) return Parse::bad;
        for (char c : value)  // field-value: VCHAR, SP, HTAB and obs-text; no other controls
            if ((uint8_t(c) < 0x20 && c != '\t') || uint8_t(c) == 0x7f) return Parse::bad;
        if (iequals(name, "proxy-authorization")) out.proxy_authorization.assign(value);
        if (out.connect || hop_by_hop(name)) continue;
        if (iequals(name, "host")) has_host = true;
        fields.append(name).append(": ").append(value).append("\r\n");
    }
    if (auto ip = stack::InetAddr::parse_ip(out.host)) {
        out.ip = *ip;
        out.ip->port = out.port;
    }
    if (!out.connect) {
        out.upstream_head = out.method + " " + path + " HTTP/1.1\r\n";
        if (!has_host) {
            const bool v6 = out.host.find(':') != std::string::npos;
            out.upstream_head += "Host: " + (v6 ? "[" + out.host + "]" : out.host);
            if (out.port != 80) out.upstream_head += ":" + std::to_string(out.port);
            out.upstream_head += "\r\n";
        }
        out.upstream_head += fields + "Connection: close\r\n\r\n";
    }
    head_len = end + 4;
    status = 0;
    return Parse::ok;
}

std::string response(int status, std::string_view extra) {
    const char* reason = "Error";
    switch (status) {
    case 200: reason = "Connection established"; break;
    case 400: reason = "Bad Request"; break;
    case 403: reason = "Forbidden"; break;
    case 405: reason = "Method Not Allowed"; break;
    case 407: reason = "Proxy Authentication Required"; break;
    case 431: reason = "Request Header Fields Too Large"; break;
    case 502: reason = "Bad Gateway"; break;
    case 503: reason = "Service Unavailable"; break;
    case 504: reason = "Gateway Timeout"; break;
    case 505: reason = "HTTP Version Not Supported"; break;
    default: break;
    }
    std::string r = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    r.append(extra);
    if (status != 200) r += "Content-Length: 0\r\nConnection: close\r\n";
    r += "\r\n";
    return r;
}

}  // namespace zt::node::http_proxy

// SOCKS5 message parsing and building (socks5.hpp).
#include "tools/ztnode/proxy/socks5.hpp"

#include <algorithm>
#include <cstring>

namespace zt::node::socks5 {

bool Greeting::offers(uint8_t m) const { return std::find(methods.begin(), methods.end(), m) != methods.end(); }

Parse parse_greeting(std::span<const uint8_t> in, size_t& used, Greeting& out) {
    if (in.empty()) return Parse::need_more;
    if (in[0] != kVersion) return Parse::bad;
    if (in.size() < 2) return Parse::need_more;
    const size_t n = in[1];
    if (n == 0) return Parse::bad;  // no method at all: nothing we could choose
    if (in.size() < 2 + n) return Parse::need_more;
    out.methods.assign(in.begin() + 2, in.begin() + 2 + ptrdiff_t(n));
    used = 2 + n;
    return Parse::ok;
}

Parse parse_auth(std::span<const uint8_t> in, size_t& used, Credentials& out) {
    if (in.empty()) return Parse::need_more;
    if (in[0] != kAuthVersion) return Parse::bad;
    if (in.size() < 2) return Parse::need_more;
    const size_t ulen = in[1];
    if (ulen == 0) return Parse::bad;
    if (in.size() < 2 + ulen + 1) return Parse::need_more;
    const size_t plen = in[2 + ulen];
    if (plen == 0) return Parse::bad;
    if (in.size() < 3 + ulen + plen) return Parse::need_more;
    out.user.assign(reinterpret_cast<const char*>(in.data() + 2), ulen);
    out.password.assign(reinterpret_cast<const char*>(in.data() + 3 + ulen), plen);
    used = 3 + ulen + plen;
    return Parse::ok;
}

std::string Target::to_string() const {
    if (!host.empty()) {
        const bool v6 = host.find(':') != std::string::npos;
        return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }
    return ip ? ip->to_string() : std::string("?");
}

namespace {

// ATYP DST.ADDR DST.PORT at the start of `in`. need_more, ok (with `used`), or bad with `code`.
Parse parse_target(std::span<const uint8_t> in, size_t& used, Target& out, uint8_t& code) {
    if (in.empty()) return Parse::need_more;
    const uint8_t atyp = in[0];
    size_t addr_len = 0, skip = 1;
    switch (atyp) {
    case kAtypIPv4: addr_len = 4; break;
    case kAtypIPv6: addr_len = 16; break;
    case kAtypDomain:
        if (in.size() < 2) return Parse::need_more;
        addr_len = in[1];
        skip = 2;
        if (addr_len == 0) {
            code = kGeneralFailure;
            return Parse::bad;
        }
        break;
    default:
        code = kAddressTypeNotSupported;
        return Parse::bad;
    }
    if (in.size() < skip + addr_len + 2) return Parse::need_more;
    const uint8_t* a = in.data() + skip;
    out = Target{};
    out.port = uint16_t(a[addr_len] << 8 | a[addr_len + 1]);
    if (atyp == kAtypDomain) {
        out.host.assign(reinterpret_cast<const char*>(a), addr_len);
        if (out.host.find('\0') != std::string::npos) {
            code = kGeneralFailure;
            return Parse::bad;
        }
        // A client that resolves nothing itself (socks5h) may still send an IP literal.
        std::string_view lit = out.host;
        if (lit.size() > 2 && lit.front() == '[' && lit.back() == ']') lit = lit.substr(1, lit.size() - 2);
        if (auto ip = stack::InetAddr::parse_ip(lit)) {
            out.ip = *ip;
            out.ip->port = out.port;
        }
    } else {
        stack::InetAddr ip;
        ip.family = atyp == kAtypIPv4 ? 4 : 6;
        std::memcpy(ip.ip.data(), a, addr_len);
        ip.port = out.port;
        out.ip = ip;
    }
    used = skip + addr_len + 2;
    return Parse::ok;
}

void put_addr(std::vector<uint8_t>& out, const stack::InetAddr& a) {
    if (a.is_v6()) {
        out.push_back(kAtypIPv6);
        out.insert(out.end(), a.ip.begin(), a.ip.begin() + 16);
    } else {
        out.push_back(kAtypIPv4);
        if (a.is_v4())
            out.insert(out.end(), a.ip.begin(), a.ip.begin() + 4);
        else
            out.insert(out.end(), 4, 0);
    }
    const uint16_t port = a.family ? a.port : 0;
    out.push_back(uint8_t(port >> 8));
    out.push_back(uint8_t(port));
}

}  // namespace

Parse parse_request(std::span<const uint8_t> in, size_t& used, Request& out, uint8_t& code) {
    code = 0;
    if (in.empty()) return Parse::need_more;
    if (in[0] != kVersion) return Parse::bad;
    if (in.size() < 4) return Parse::need_more;
    const uint8_t cmd = in[1];
    size_t tlen = 0;
    Parse p = parse_target(in.subspan(3), tlen, out.target, code);
    if (p != Parse::ok) return p;
    if (cmd != kCmdConnect && cmd != kCmdBind && cmd != kCmdUdpAssociate) {
        code = kCommandNotSupported;
        return Parse::bad;
    }
    out.cmd = cmd;
    used = 3 + tlen;
    return Parse::ok;
}

std::vector<uint8_t> reply(uint8_t code, const stack::InetAddr& bound) {
    std::vector<uint8_t> out{kVersion, code, 0};
    put_addr(out, bound);
    return out;
}

std::optional<UdpHeader> parse_udp_header(std::span<const uint8_t> in) {
    if (in.size() < 4 || in[0] != 0 || in[1] != 0) return std::nullopt;
    UdpHeader h;
    h.frag = in[2];
    size_t used = 0;
    uint8_t code = 0;
    if (parse_target(in.subspan(3), used, h.target, code) != Parse::ok) return std::nullopt;
    h.header_len = 3 + used;
    return h;
}

std::vector<uint8_t> udp_header(const stack::InetAddr& from) {
    std::vector<uint8_t> out{0, 0, 0};
    put_addr(out, from);
    return out;
}

}  // namespace zt::node::socks5

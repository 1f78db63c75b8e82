// The proxy's request parsers (tools/ztnode/proxy/socks5, http_proxy) on arbitrary bytes: the
// first byte picks the parser, the rest is what a client sent. Every parse must end in
// need_more, ok or bad without reading past the input, and what it reports must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "tools/ztnode/proxy/http_proxy.hpp"
#include "tools/ztnode/proxy/socks5.hpp"

using namespace zt::node;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::span<const uint8_t> in(data + 1, size - 1);
    size_t used = 0;
    switch (data[0] % 5) {
    case 0: {
        socks5::Greeting g;
        if (socks5::parse_greeting(in, used, g) == socks5::Parse::ok && (used > in.size() || used != 2 + g.methods.size()))
            std::abort();
        break;
    }
    case 1: {
        socks5::Credentials c;
        if (socks5::parse_auth(in, used, c) == socks5::Parse::ok && used != 3 + c.user.size() + c.password.size())
            std::abort();
        break;
    }
    case 2: {
        socks5::Request r;
        uint8_t code = 0;
        auto p = socks5::parse_request(in, used, r, code);
        if (p == socks5::Parse::ok && (used > in.size() || (r.target.ip && r.target.ip->port != r.target.port)))
            std::abort();
        if (p == socks5::Parse::ok) {
            auto reply = socks5::reply(socks5::kSucceeded, r.target.ip.value_or(zt::stack::InetAddr{}));
            if (reply.size() != 10 && reply.size() != 22) std::abort();
        }
        break;
    }
    case 3: {
        if (auto h = socks5::parse_udp_header(in); h && h->header_len > in.size()) std::abort();
        break;
    }
    default: {
        std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
        http_proxy::Request r;
        int status = 0;
        auto p = http_proxy::parse(text, used, r, status);
        if (p == http_proxy::Parse::ok) {
            if (used > text.size() || r.port == 0 || r.host.empty()) std::abort();
            if (!r.connect && r.upstream_head.find("\r\n\r\n") != r.upstream_head.size() - 4) std::abort();
            // The head we send on holds no line break of the client's making.
            if (r.upstream_head.find('\0') != std::string::npos) std::abort();
        } else if (p == http_proxy::Parse::bad && (status < 400 || status > 505)) {
            std::abort();
        }
        break;
    }
    }
    return 0;
}

// The proxy's message parsers (tools/ztnode/proxy/socks5, http_proxy) and the proxy and
// forward settings of the node configuration.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "tools/ztnode/config.hpp"
#include "tools/ztnode/proxy/http_proxy.hpp"
#include "tools/ztnode/proxy/socks5.hpp"

using namespace zt;
using namespace zt::node;

namespace {
std::vector<uint8_t> v(std::initializer_list<int> b) {
    std::vector<uint8_t> out;
    for (int x : b) out.push_back(uint8_t(x));
    return out;
}
}  // namespace

TEST_CASE("socks5: greeting", "[proxy][socks5]") {
    socks5::Greeting g;
    size_t used = 0;
    CHECK(socks5::parse_greeting(v({}), used, g) == socks5::Parse::need_more);
    CHECK(socks5::parse_greeting(v({5}), used, g) == socks5::Parse::need_more);
    CHECK(socks5::parse_greeting(v({5, 2, 0}), used, g) == socks5::Parse::need_more);
    REQUIRE(socks5::parse_greeting(v({5, 2, 0, 2, 0xaa}), used, g) == socks5::Parse::ok);
    CHECK(used == 4);
    CHECK(g.offers(0));
    CHECK(g.offers(2));
    CHECK_FALSE(g.offers(1));
    CHECK(socks5::parse_greeting(v({4, 1, 0}), used, g) == socks5::Parse::bad);  // SOCKS4
    CHECK(socks5::parse_greeting(v({5, 0}), used, g) == socks5::Parse::bad);     // no methods
}

TEST_CASE("socks5: username/password (RFC 1929)", "[proxy][socks5]") {
    socks5::Credentials c;
    size_t used = 0;
    auto msg = v({1, 3, 'b', 'o', 'b', 2, 'p', 'w'});
    for (size_t n = 0; n < msg.size(); ++n)
        CHECK(socks5::parse_auth(std::span(msg.data(), n), used, c) == socks5::Parse::need_more);
    REQUIRE(socks5::parse_auth(msg, used, c) == socks5::Parse::ok);
    CHECK(used == msg.size());
    CHECK(c.user == "bob");
    CHECK(c.password == "pw");
    CHECK(socks5::parse_auth(v({5, 1, 'a', 1, 'b'}), used, c) == socks5::Parse::bad);
    CHECK(socks5::parse_auth(v({1, 0, 1, 'b'}), used, c) == socks5::Parse::bad);
    CHECK(socks5::parse_auth(v({1, 1, 'a', 0}), used, c) == socks5::Parse::bad);
}

TEST_CASE("socks5: requests of every address type", "[proxy][socks5]") {
    socks5::Request r;
    size_t used = 0;
    uint8_t code = 0xee;
    SECTION("IPv4") {
        auto msg = v({5, 1, 0, 1, 10, 147, 17, 2, 0x1f, 0x90, 'x'});
        for (size_t n = 0; n < 10; ++n)
            CHECK(socks5::parse_request(std::span(msg.data(), n), used, r, code) == socks5::Parse::need_more);
        REQUIRE(socks5::parse_request(msg, used, r, code) == socks5::Parse::ok);
        CHECK(used == 10);  // the byte after the request is the client's data
        CHECK(r.cmd == socks5::kCmdConnect);
        REQUIRE(r.target.ip);
        CHECK(r.target.ip->to_string() == "10.147.17.2:8080");
    }
    SECTION("IPv6") {
        auto msg = v({5, 1, 0, 4, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 80});
        REQUIRE(socks5::parse_request(msg, used, r, code) == socks5::Parse::ok);
        CHECK(used == msg.size());
        CHECK(r.target.ip->to_string() == "[fd00::1]:80");
    }
    SECTION("a domain name, and a domain that is an IP literal") {
        auto msg = v({5, 1, 0, 3, 7, 'w', 'e', 'b', '.', 'z', 't', 'i', 0, 80});
        REQUIRE(socks5::parse_request(msg, used, r, code) == socks5::Parse::ok);
        CHECK(r.target.host == "web.zti");
        CHECK_FALSE(r.target.ip);
        CHECK(r.target.to_string() == "web.zti:80");
        auto lit = v({5, 1, 0, 3, 9, '1', '0', '.', '0', '.', '0', '.', '2', '0', 1, 187});
        REQUIRE(socks5::parse_request(lit, used, r, code) == socks5::Parse::ok);
        REQUIRE(r.target.ip);
        CHECK(r.target.ip->to_string() == "10.0.0.20:443");
    }
    SECTION("bad requests say why") {
        CHECK(socks5::parse_request(v({4, 1, 0, 1, 1, 2, 3, 4, 0, 80}), used, r, code) == socks5::Parse::bad);
        CHECK(code == 0);  // not SOCKS5: no reply
        CHECK(socks5::parse_request(v({5, 9, 0, 1, 1, 2, 3, 4, 0, 80}), used, r, code) == socks5::Parse::bad);
        CHECK(code == socks5::kCommandNotSupported);
        CHECK(socks5::parse_request(v({5, 1, 0, 7, 1, 2, 3, 4, 0, 80}), used, r, code) == socks5::Parse::bad);
        CHECK(code == socks5::kAddressTypeNotSupported);
        CHECK(socks5::parse_request(v({5, 1, 0, 3, 0, 0, 80}), used, r, code) == socks5::Parse::bad);
        CHECK(code == socks5::kGeneralFailure);
        CHECK(socks5::parse_request(v({5, 1, 0, 3, 3, 'a', 0, 'b', 0, 80}), used, r, code) == socks5::Parse::bad);
    }
}

TEST_CASE("socks5: replies and UDP headers", "[proxy][socks5]") {
    auto ok = socks5::reply(socks5::kSucceeded, stack::InetAddr::v4(10, 147, 17, 1, 40000));
    CHECK(ok == v({5, 0, 0, 1, 10, 147, 17, 1, 0x9c, 0x40}));
    CHECK(socks5::reply(socks5::kNotAllowed, {}) == v({5, 2, 0, 1, 0, 0, 0, 0, 0, 0}));
    auto h = socks5::udp_header(stack::InetAddr::v4(10, 0, 0, 1, 53));
    h.push_back('x');
    auto parsed = socks5::parse_udp_header(h);
    REQUIRE(parsed);
    CHECK(parsed->header_len == h.size() - 1);
    CHECK(parsed->target.ip->to_string() == "10.0.0.1:53");
    CHECK_FALSE(socks5::parse_udp_header(v({0, 1, 0, 1, 1, 2, 3, 4, 0, 53})));
    CHECK_FALSE(socks5::parse_udp_header(v({0, 0, 0, 1, 1, 2})));
}

TEST_CASE("http proxy: CONNECT", "[proxy][http]") {
    http_proxy::Request r;
    size_t len = 0;
    int status = 0;
    std::string req = "CONNECT 10.147.17.2:443 HTTP/1.1\r\nHost: 10.147.17.2:443\r\nProxy-Authorization: Basic eDp5\r\n\r\nTLS";
    for (size_t n = 0; n + 3 < req.size(); ++n)
        CHECK(http_proxy::parse(req.substr(0, n), len, r, status) == http_proxy::Parse::need_more);
    REQUIRE(http_proxy::parse(req, len, r, status) == http_proxy::Parse::ok);
    CHECK(len == req.size() - 3);
    CHECK(r.connect);
    CHECK(r.port == 443);
    REQUIRE(r.ip);
    CHECK(r.ip->to_string() == "10.147.17.2:443");
    CHECK(r.proxy_authorization == "Basic eDp5");
    CHECK(r.upstream_head.empty());

    REQUIRE(http_proxy::parse("CONNECT [fd00::2]:22 HTTP/1.1\r\n\r\n", len, r, status) == http_proxy::Parse::ok);
    CHECK(r.ip->to_string() == "[fd00::2]:22");
    REQUIRE(http_proxy::parse("CONNECT web.zti:80 HTTP/1.1\r\n\r\n", len, r, status) == http_proxy::Parse::ok);
    CHECK(r.host == "web.zti");
    CHECK_FALSE(r.ip);
    CHECK(http_proxy::parse("CONNECT 10.0.0.1 HTTP/1.1\r\n\r\n", len, r, status) == http_proxy::Parse::bad);
    CHECK(status == 400);
    CHECK(http_proxy::parse("CONNECT 10.0.0.1:0 HTTP/1.1\r\n\r\n", len, r, status) == http_proxy::Parse::bad);
    CHECK(http_proxy::parse("CONNECT 10.0.0.1:70000 HTTP/1.1\r\n\r\n", len, r, status) == http_proxy::Parse::bad);
}

TEST_CASE("http proxy: absolute form is rewritten to origin form", "[proxy][http]") {
    http_proxy::Request r;
    size_t len = 0;
    int status = 0;
    std::string req =
        "GET http://10.147.17.2:8080/a/b?q=1 HTTP/1.1\r\nHost: 10.147.17.2:8080\r\nUser-Agent: t\r\n"
        "Proxy-Connection: Keep-Alive\r\nConnection: keep-alive\r\nProxy-Authorization: Basic eDp5\r\n\r\n";
    REQUIRE(http_proxy::parse(req, len, r, status) == http_proxy::Parse::ok);
    CHECK(len == req.size());
    CHECK_FALSE(r.connect);
    CHECK(r.ip->to_string() == "10.147.17.2:8080");
    CHECK(r.upstream_head ==
          "GET /a/b?q=1 HTTP/1.1\r\nHost: 10.147.17.2:8080\r\nUser-Agent: t\r\nConnection: close\r\n\r\n");

    REQUIRE(http_proxy::parse("POST http://10.0.0.3 HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi", len, r, status) ==
            http_proxy::Parse::ok);
    CHECK(r.port == 80);
    CHECK(r.upstream_head == "POST / HTTP/1.1\r\nHost: 10.0.0.3\r\nContent-Length: 2\r\nConnection: close\r\n\r\n");
    REQUIRE(http_proxy::parse("GET http://[fd00::3]:81?x HTTP/1.1\r\n\r\n", len, r, status) == http_proxy::Parse::ok);
    CHECK(r.upstream_head == "GET /?x HTTP/1.1\r\nHost: [fd00::3]:81\r\nConnection: close\r\n\r\n");
}

TEST_CASE("http proxy: bad requests get the right status", "[proxy][http]") {
    http_proxy::Request r;
    size_t len = 0;
    int status = 0;
    auto bad = [&](const std::string& req, int want) {
        INFO(req);
        CHECK(http_proxy::parse(req, len, r, status) == http_proxy::Parse::bad);
        CHECK(status == want);
    };
    bad("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 405);  // not a proxy request
    bad("GET https://10.0.0.1/ HTTP/1.1\r\n\r\n", 405);
    bad("GET http://10.0.0.1/ HTTP/2.0\r\n\r\n", 505);
    bad("GET http://10.0.0.1/ HTTP/1.1 extra\r\n\r\n", 400);
    bad("GET http://user@10.0.0.1/ HTTP/1.1\r\n\r\n", 400);
    bad("GET http://10.0.0.1/ HTTP/1.1\r\nNo colon here\r\n\r\n", 400);
    bad("GET http://10.0.0.1/ HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400);
    bad("G(T http://10.0.0.1/ HTTP/1.1\r\n\r\n", 400);
    bad(std::string("GET http://10.0.0.1/a\0b HTTP/1.1\r\n\r\n", 36), 400);  // a NUL in the target (found by fuzz_proxy)
    bad("GET http://10.0.0.1/\x7f HTTP/1.1\r\n\r\n", 400);
    bad("GET http://10.0.0.1/ HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400);
    bad("GET http://10.0.0.1/ HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n", 431);
    bad("GET http://10.0.0.1/ HTTP/1.1\r\nX: " + std::string(20000, 'a'), 431);  // never ends
    CHECK(http_proxy::response(407, "Proxy-Authenticate: Basic realm=\"z\"\r\n").starts_with("HTTP/1.1 407 "));
}

TEST_CASE("config: proxy, forward and expose settings", "[stack][config]") {
    Config cfg;
    std::string err;
    const std::string text =
        "socks = 1080\n"
        "http_proxy = [::1]:3128\n"
        "proxy_outside = yes\n"
        "forward = tcp 127.0.0.1:8080 10.147.17.2:80\n"
        "expose = tcp 10.147.17.1:2222 127.0.0.1:22\n"
        "expose = tcp 0.0.0.0:53 127.0.0.1:53\n";
    REQUIRE(parse_config_text(text, "t", cfg, err));
    CHECK(cfg.socks.to_string() == "127.0.0.1:1080");
    CHECK(cfg.http_proxy.to_string() == "[::1]:3128");
    CHECK(cfg.proxy_outside);
    REQUIRE(cfg.forwards.size() == 1);
    CHECK(cfg.forwards[0].to_string() == "tcp 127.0.0.1:8080 10.147.17.2:80");
    REQUIRE(cfg.exposes.size() == 2);
    CHECK(cfg.exposes[1].from.to_string() == "0.0.0.0:53");
    CHECK(check_config(cfg, err));

    SECTION("beyond loopback only with authentication") {
        Config c2;
        REQUIRE(parse_config_text("socks = 0.0.0.0:1080\n", "t", c2, err));
        CHECK_FALSE(check_config(c2, err));
        CHECK(err.find("proxy_auth") != std::string::npos);
        REQUIRE(parse_config_text("proxy_auth = alice:s3cret:x\n", "t", c2, err));
        CHECK(c2.proxy_user == "alice");
        CHECK(c2.proxy_password == "s3cret:x");
        CHECK(check_config(c2, err));
    }
    SECTION("errors name the line and the problem") {
        Config c3;
        CHECK_FALSE(parse_config_text("socks = 127.0.0.1:99999\n", "f", c3, err));
        CHECK(err.find("f:1: socks: bad address") == 0);
        CHECK_FALSE(parse_config_text("forward = sctp 1.2.3.4:1 10.0.0.1:2\n", "f", c3, err));
        CHECK(err.find("forward needs") != std::string::npos);
        CHECK_FALSE(parse_config_text("forward = tcp 127.0.0.1:80\n", "f", c3, err));
        CHECK_FALSE(parse_config_text("proxy_auth = nobody\n", "f", c3, err));
        Config c4;
        REQUIRE(parse_config_text("forward = tcp 127.0.0.1:80 127.0.0.1:81\n", "f", c4, err));
        CHECK_FALSE(check_config(c4, err));
        Config c5;
        REQUIRE(parse_config_text("expose = tcp 127.0.0.1:80 127.0.0.1:81\n", "f", c5, err));
        CHECK_FALSE(check_config(c5, err));
    }
    SECTION("the environment replaces the lists") {
        std::map<std::string, std::string> vars{{"ZT_FORWARDS", "tcp 127.0.0.1:1 10.0.0.1:2, tcp 127.0.0.1:3 10.0.0.1:4"},
                                                {"ZT_SOCKS", "127.0.0.1:1081"}};
        EnvFn env = [vars](const char* n) -> const char* {
            auto it = vars.find(n);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
        REQUIRE(apply_env(env, cfg, err));
        CHECK(cfg.forwards.size() == 2);
        CHECK(cfg.socks.port == 1081);
        CHECK(cfg.exposes.size() == 2);  // ZT_EXPOSES unset: the file's list stays
    }
}

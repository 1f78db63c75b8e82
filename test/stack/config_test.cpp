// ztnode configuration: file syntax, environment overrides, and the one-line errors.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tools/ztnode/config.hpp"

using namespace zt;
using namespace zt::node;

namespace {
EnvFn env_of(const std::map<std::string, std::string>& vars) {
    return [vars](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}
const std::string kIdentity =
    "89e92ceee5:0:"
    "9e1f9b94c6e6e8e3f1b9ec5c6fe09ab47c4e1f5e9d1a7a4c1d6a8e3d2c1b0a99"
    "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff";
}  // namespace

TEST_CASE("config: every key, comments and blank lines", "[stack][config]") {
    Config cfg;
    std::string err;
    const std::string text =
        "# ztnode test config\n"
        "\n"
        "port = 19993   # trailing comment\n"
        "network = c41b8868ac000001 10.147.17.11/24 fd00:1::11/64\n"
        "network=c41b8868ac000002\n"
        "peer = 89e92ceee5 127.0.0.1/9994\n"
        "peer = 0123456789 [::1]/9995\n"
        "log_level = debug\n"
        "mtu = 1400\n"
        "linger = 2\n";
    REQUIRE(parse_config_text(text, "t.conf", cfg, err));
    CHECK(err.empty());
    CHECK(cfg.port == 19993);
    REQUIRE(cfg.networks.size() == 2);
    CHECK(cfg.networks[0].nwid.value == 0xc41b8868ac000001ULL);
    REQUIRE(cfg.networks[0].addrs.size() == 2);
    CHECK(cfg.networks[0].addrs[0].to_string() == "10.147.17.11/24");
    CHECK(cfg.networks[0].addrs[1].to_string() == "fd00:1::11/64");
    CHECK(cfg.networks[1].addrs.empty());
    REQUIRE(cfg.peers.size() == 2);
    CHECK(cfg.peers[0].address.value() == 0x89e92ceee5ULL);
    CHECK(cfg.peers[0].endpoint.to_string() == "127.0.0.1/9994");
    CHECK(cfg.peers[1].endpoint.to_string() == "[0:0:0:0:0:0:0:1]/9995");
    CHECK(cfg.log_level == "debug");
    CHECK(cfg.mtu == 1400);
    CHECK(cfg.linger_s == 2);
}

TEST_CASE("config: a peer may be a full identity.public", "[stack][config]") {
    std::string why;
    auto p = parse_peer(kIdentity, "10.0.0.1/9993", why);
    REQUIRE(p);
    CHECK(p->address.to_string() == "89e92ceee5");
    CHECK(p->identity == kIdentity);
    CHECK_FALSE(parse_peer(kIdentity.substr(0, kIdentity.size() - 2), "10.0.0.1/9993", why));
    CHECK_FALSE(parse_peer("89e92ceee5:1:" + kIdentity.substr(13), "10.0.0.1/9993", why));
    CHECK_FALSE(parse_peer("0000000000", "10.0.0.1/9993", why));  // reserved
    CHECK(why.find("reserved") != std::string::npos);
    CHECK_FALSE(parse_peer("ff00000001", "10.0.0.1/9993", why));  // reserved
    CHECK_FALSE(parse_peer("89e92ceee5", "10.0.0.1", why));       // no port
    CHECK(why.find("endpoint") != std::string::npos);
}

TEST_CASE("config: a peer without an endpoint is found through the roots", "[stack][config]") {
    Config cfg;
    std::string err;
    REQUIRE(parse_config_text("peer = 89e92ceee5\n", "t.conf", cfg, err));
    REQUIRE(cfg.peers.size() == 1);
    CHECK(cfg.peers[0].endpoint.is_nil());
    auto env = [](const char* k) -> const char* { return std::string(k) == "ZT_PEERS" ? "89e92ceee5, 0123456789@10.0.0.1/1" : nullptr; };
    REQUIRE(apply_env(env, cfg, err));
    REQUIRE(cfg.peers.size() == 2);
    CHECK(cfg.peers[0].endpoint.is_nil());
    CHECK(cfg.peers[1].endpoint.to_string() == "10.0.0.1/1");
}

TEST_CASE("config: errors name the file, the line and the problem", "[stack][config]") {
    struct Case {
        const char* text;
        int line;
        const char* says;
    };
    for (const Case& c : {Case{"port = 65536\n", 1, "port"}, Case{"\n\nnetwork = c41b8868ac00001\n", 3, "network id"},
                          Case{"network = c41b8868ac000001 10.1.2.3\n", 1, "bad address"},
                          Case{"network = c41b8868ac000001 10.1.2.3/33\n", 1, "bad address"},
                          Case{"network = c41b8868ac000001 127.0.0.1/8\n", 1, "cannot be assigned"},
                          Case{"network = c41b8868ac000001\nnetwork = c41b8868ac000001\n", 2, "twice"},
                          Case{"colour = blue\n", 1, "unknown setting 'colour'"}, Case{"just words\n", 1, "key = value"},
                          Case{"port =\n", 1, "key = value"}, Case{"peer = 89e92ceee5 a b\n", 1, "peer needs"},
                          Case{"log_level = loud\n", 1, "log_level"}, Case{"mtu = 100\n", 1, "mtu"}}) {
        Config cfg;
        std::string err;
        INFO(c.text);
        CHECK_FALSE(parse_config_text(c.text, "/h/ztintercept.conf", cfg, err));
        CHECK(err.rfind("/h/ztintercept.conf:" + std::to_string(c.line) + ": ", 0) == 0);
        CHECK(err.find(c.says) != std::string::npos);
        CHECK(err.find('\n') == std::string::npos);
    }
}

TEST_CASE("config: more than 16 networks is an error", "[stack][config]") {
    std::string text;
    for (int i = 0; i < 17; ++i) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "network = c41b8868ac0000%02x\n", i);
        text += buf;
    }
    Config cfg;
    std::string err;
    CHECK_FALSE(parse_config_text(text, "f", cfg, err));
    CHECK(err.rfind("f:17: ", 0) == 0);
}

TEST_CASE("config: environment lists replace the file's and use '=' or spaces", "[stack][config]") {
    Config cfg;
    std::string err;
    REQUIRE(parse_config_text("network = c41b8868ac000009 10.9.9.9/24\npeer = 1111111111 1.1.1.1/1\n", "f", cfg, err));
    auto env = env_of({{"ZT_NETWORKS", "c41b8868ac000001=10.147.17.11/24, c41b8868ac000002 10.2.0.1/16=fd00::2/64"},
                       {"ZT_PEERS", "89e92ceee5@127.0.0.1/9994," + kIdentity + "@[::1]/9995"},
                       {"ZT_PORT", "0"},
                       {"ZT_LOG_LEVEL", "warn"},
                       {"ZT_NODE_LINGER", "0"}});
    REQUIRE(apply_env(env, cfg, err));
    REQUIRE(cfg.networks.size() == 2);
    CHECK(cfg.networks[0].nwid.value == 0xc41b8868ac000001ULL);
    CHECK(cfg.networks[0].addrs.at(0).to_string() == "10.147.17.11/24");
    REQUIRE(cfg.networks[1].addrs.size() == 2);
    CHECK(cfg.networks[1].addrs[1].to_string() == "fd00::2/64");
    REQUIRE(cfg.peers.size() == 2);
    CHECK(cfg.peers[1].identity == kIdentity);
    CHECK(cfg.port == 0);
    CHECK(cfg.log_level == "warn");
    CHECK(cfg.linger_s == 0);
}

TEST_CASE("config: bad environment values name the variable", "[stack][config]") {
    for (auto [var, value] : {std::pair{"ZT_PORT", "x"}, std::pair{"ZT_NETWORKS", "nope"},
                              std::pair{"ZT_PEERS", "89e92ceee5@127.0.0.1/0"}, std::pair{"ZT_NODE_LINGER", "-1"}}) {
        Config cfg;
        std::string err;
        INFO(var);
        CHECK_FALSE(apply_env(env_of({{var, value}}), cfg, err));
        CHECK(err.rfind(std::string(var) + ": ", 0) == 0);
    }
}

TEST_CASE("config: load_config needs ZT_HOME and reads the file in it", "[stack][config]") {
    std::string err;
    CHECK_FALSE(load_config(env_of({}), err));
    CHECK(err.find("ZT_HOME") != std::string::npos);

    char tmpl[] = "/tmp/ztcfg-XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    std::string home = tmpl;
    {
        auto cfg = load_config(env_of({{"ZT_HOME", home + "/"}}), err);  // no file: defaults
        REQUIRE(cfg);
        CHECK(cfg->home == home);
        CHECK(cfg->port == 9993);
        CHECK(cfg->linger_s == 5);
        CHECK(cfg->conf_path == home + "/ztintercept.conf");
    }
    std::ofstream(home + "/ztintercept.conf") << "port = 4242\nnetwork = c41b8868ac000001 10.1.0.1/16\n";
    auto cfg = load_config(env_of({{"ZT_HOME", home}}), err);
    REQUIRE(cfg);
    CHECK(cfg->port == 4242);
    CHECK(cfg->networks.size() == 1);
    auto over = load_config(env_of({{"ZT_HOME", home}, {"ZT_PORT", "5555"}}), err);
    REQUIRE(over);
    CHECK(over->port == 5555);
    std::ofstream(home + "/ztintercept.conf") << "port = 4242\nbogus\n";
    CHECK_FALSE(load_config(env_of({{"ZT_HOME", home}}), err));
    CHECK(err == home + "/ztintercept.conf:2: expected 'key = value', got 'bogus'");
    std::filesystem::remove_all(home);
}

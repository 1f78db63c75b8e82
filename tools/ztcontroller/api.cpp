// ControllerApi (api.hpp): the paths, methods, bodies and status codes of ZeroTier One
// 1.14.1's controller API. Responses are compact JSON, as upstream's json::dump(); errors
// upstream answers with an empty body carry {"error": "..."} here.
//
//   GET                /controller                               status
//   GET                /controller/network                       ["<nwid>", ...]
//   POST|PUT           /controller/network                       create, random id
//   POST|PUT           /controller/network/<our address>______   create, random id
//   GET|POST|PUT|DELETE /controller/network/<nwid>
//   GET                /controller/network/<nwid>/member         {"<address>": revision, ...}
//   GET|POST|PUT|DELETE /controller/network/<nwid>/member/<address>
//   GET                /unstable/controller/network[/<nwid>/member]  with counts
#include "tools/ztcontroller/api.hpp"

#include <httplib.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <cctype>
#include <chrono>
#include <cstdio>

#include "tools/ztcontroller/files.hpp"
#include "tools/ztcontroller/post_body.hpp"

namespace zt::ctl {

namespace {

constexpr int api_version = 4;  // ZT_NETCONF_CONTROLLER_API_VERSION
constexpr size_t token_length = 24;

using Req = httplib::Request;
using Res = httplib::Response;

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Upstream's setContent: JSONP when asked for, and never an empty body.
void set_content(const Req& req, Res& res, const std::string& content) {
    if (req.has_param("jsonp")) {
        res.set_content(req.get_param_value("jsonp") + "(" + (content.empty() ? "null" : content) + ");",
                        "application/javascript");
    } else {
        res.set_content(content.empty() ? "{}" : content, "application/json");
    }
}

void fail(const Req& req, Res& res, int status, const std::string& message) {
    res.status = status;
    set_content(req, res, dump({{"error", message}}));
}

void reply_commit(const Req& req, Res& res, const Commit& c) {
    switch (c.outcome) {
    case Outcome::saved:
    case Outcome::unchanged:
    case Outcome::erased: set_content(req, res, dump(c.record)); return;
    case Outcome::not_found: fail(req, res, 404, c.error); return;
    case Outcome::refused: fail(req, res, 400, c.error); return;
    case Outcome::failed: fail(req, res, 500, c.error); return;
    }
}

// Upstream parses with nlohmann::json::parse and lets the exception reach the server's
// exception handler: 500 with {"error": 500, "description": <what>}. An empty body is {}.
std::optional<Json> parse_body(const Req& req, Res& res) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
    try {
        return Json::parse(req.body);
    } catch (const Json::exception& e) {
        res.status = 500;
        set_content(req, res, dump({{"error", 500}, {"description", e.what()}}));
        return std::nullopt;
    }
}

bool is_loopback(const std::string& addr) {
    return addr.rfind("127.", 0) == 0 || addr == "::1" || addr.rfind("::ffff:127.", 0) == 0;
}

// Compares without an early exit, so the time taken does not reveal the matching prefix.
bool same_token(const std::string& given, const std::string& token) {
    if (token.empty()) return false;
    unsigned char diff = given.size() == token.size() ? 0 : 1;
    for (size_t i = 0; i < given.size(); ++i) diff |= uint8_t(given[i] ^ token[i % token.size()]);
    return diff == 0;
}

// OneService's authCheck: X-ZT1-Auth if present, else ?auth=, else "Authorization: Bearer".
bool authorized(const Req& req, const std::string& token) {
    if (req.has_header("X-ZT1-Auth")) return same_token(req.get_header_value("X-ZT1-Auth"), token);
    if (req.has_param("auth")) return same_token(req.get_param_value("auth"), token);
    if (req.has_header("Authorization")) {
        const std::string h = req.get_header_value("Authorization");
        auto space = h.find(' ');
        if (space == std::string::npos || h.find(' ', space + 1) != std::string::npos) return false;
        std::string scheme = h.substr(0, space);
        for (char& c : scheme) c = char(std::tolower(static_cast<unsigned char>(c)));
        return scheme == "bearer" && same_token(h.substr(space + 1), token);
    }
    return false;
}

std::string random_token() {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string token;
    while (token.size() < token_length) {
        unsigned char b[32];
        if (::getrandom(b, sizeof b, 0) != ssize_t(sizeof b)) continue;
        for (unsigned char c : b)
            if (c < 252 && token.size() < token_length) token.push_back(alphabet[c % 36]);  // 252 = 7*36: unbiased
    }
    return token;
}

NetworkId nwid_of(const Req& req) { return *NetworkId::parse(req.matches[1].str()); }
Address address_of(const Req& req) { return *Address::parse(req.matches[2].str()); }

}  // namespace

std::optional<std::string> load_or_create_auth_token(const std::string& home, std::string& error) {
    const std::string path = home + "/authtoken.secret";
    if (file_exists(path)) {
        auto text = read_file(path, 4096, error);
        if (!text) return std::nullopt;
        auto first = text->find_first_not_of(" \t\r\n");
        if (first == std::string::npos) {
            error = path + ": empty; delete it to have a new token made";
            return std::nullopt;
        }
        return text->substr(first, text->find_last_not_of(" \t\r\n") - first + 1);
    }
    std::string token = random_token();
    if (!write_file_durable(home, "authtoken.secret", token, 0600, error)) return std::nullopt;
    return token;
}

ControllerApi::ControllerApi(ControllerStore& store, ApiOptions options)
    : store_(store), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {}

ControllerApi::~ControllerApi() { stop(); }

bool ControllerApi::start(std::string& error) {
    auto token = load_or_create_auth_token(options_.home, error);
    if (!token) return false;
    token_ = *token;
    server_->set_payload_max_length(options_.max_body_bytes);
    // httplib's default adds SO_REUSEPORT, which lets a second server share the port and take
    // half the connections; SO_REUSEADDR alone still allows a quick restart.
    server_->set_socket_options([](int fd) {
        int yes = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_->set_pre_routing_handler([this](const Req& req, Res& res) {
        if (!options_.allow_remote && !is_loopback(req.remote_addr)) {
            fail(req, res, 401, "management is allowed from loopback only, not " + req.remote_addr);
            return httplib::Server::HandlerResponse::Handled;
        }
        if (!authorized(req, token_)) {
            fail(req, res, 401, "missing or wrong auth token (X-ZT1-Auth header, see authtoken.secret)");
            return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    // Fills in the bodies httplib and upstream leave empty (no route, 413, 400, ...).
    server_->set_error_handler([this](const Req& req, Res& res) {
        if (!res.body.empty()) return;
        std::string what = res.status == 404   ? "no such path or method: " + req.method + " " + req.path
                           : res.status == 413 ? "request body larger than " + std::to_string(options_.max_body_bytes) + " bytes"
                           : res.status == 414 ? "request URI too long"
                           : res.status == 400 ? "bad request"
                                               : "HTTP status " + std::to_string(res.status);
        res.set_content(dump({{"error", what}}), "application/json");
    });
    server_->set_exception_handler([](const Req& req, Res& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            what = e.what();
        } catch (...) {
        }
        res.status = 500;
        set_content(req, res, dump({{"error", 500}, {"description", what}}));
    });
    add_routes();
    if (options_.port == 0) {
        port_ = server_->bind_to_any_port(options_.bind_address);
    } else if (server_->bind_to_port(options_.bind_address, options_.port)) {
        port_ = options_.port;
    } else {
        port_ = -1;
    }
    if (port_ <= 0) {
        error = "cannot listen on " + options_.bind_address + " port " + std::to_string(options_.port) +
                " (address in use or not local?)";
        return false;
    }
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    return true;
}

void ControllerApi::stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
}

void ControllerApi::add_routes() {
    httplib::Server& s = *server_;
    const std::string nw = "/controller/network/([0-9a-fA-F]{16})";
    const std::string mem = nw + "/member/([0-9a-fA-F]{10})";

    s.Get("/controller", [](const Req& req, Res& res) {
        using namespace std::chrono;
        const long long now = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
        char text[256];
        std::snprintf(text, sizeof text,
                      "{\n\t\"controller\": true,\n\t\"apiVersion\": %d,\n\t\"clock\": %lld,\n\t\"databaseReady\": true\n}\n",
                      api_version, now);
        set_content(req, res, text);
    });

    s.Get("/controller/network", [this](const Req& req, Res& res) {
        Json out = Json::array();
        for (NetworkId nwid : store_.networks()) out.push_back(nwid.to_string());
        set_content(req, res, dump(out));
    });

    s.Get("/unstable/controller/network", [this](const Req& req, Res& res) {
        Json data = Json::array();
        for (NetworkId nwid : store_.networks()) {
            auto network = store_.network(nwid);
            if (!network) continue;
            uint64_t authorized_count = 0;
            auto members = store_.member_records(nwid);
            for (const Json& m : members) authorized_count += as_bool(m.value("authorized", Json()), false);
            (*network)["meta"] = {{"totalMemberCount", members.size()}, {"authorizedMemberCount", authorized_count}};
            data.push_back(std::move(*network));
        }
        Json out = {{"data", data}, {"meta", {{"networkCount", data.size()}}}};
        set_content(req, res, dump(out));
    });

    auto create = [this](const Req& req, Res& res) {
        auto body = parse_body(req, res);
        if (!body) return;
        std::string error;
        auto patch = network_patch(*body, error);
        if (!patch) return fail(req, res, 400, error);
        reply_commit(req, res, store_.create_network([&](Json& n, bool) {
            apply_network_patch(*patch, n);
            return true;
        }));
    };
    s.Post("/controller/network", create);
    s.Put("/controller/network", create);

    // The pre-1.2 create path: only under our own address (upstream: 400 otherwise).
    auto create_under = [this, create](const Req& req, Res& res) {
        auto address = Address::parse(req.matches[1].str());
        if (!address || *address != store_.controller())
            return fail(req, res, 400, "networks can be created only under this controller's address " +
                                           store_.controller().to_string());
        create(req, res);
    };
    s.Post("/controller/network/([0-9a-fA-F]{10})______", create_under);
    s.Put("/controller/network/([0-9a-fA-F]{10})______", create_under);

    s.Get(nw, [this](const Req& req, Res& res) {
        auto network = store_.network(nwid_of(req));
        if (!network) return fail(req, res, 404, "network " + nwid_of(req).to_string() + " not found");
        set_content(req, res, dump(*network));
    });

    auto update = [this](const Req& req, Res& res) {
        const NetworkId nwid = nwid_of(req);
        if (nwid.controller() != store_.controller())
            return fail(req, res, 400, "network " + nwid.to_string() + " is not under this controller's address " +
                                           store_.controller().to_string());
        auto body = parse_body(req, res);
        if (!body) return;
        std::string error;
        auto patch = network_patch(*body, error);
        if (!patch) return fail(req, res, 400, error);
        reply_commit(req, res, store_.update_network(nwid, [&](Json& n, bool) {
            apply_network_patch(*patch, n);
            return true;
        }));
    };
    s.Post(nw, update);
    s.Put(nw, update);

    s.Delete(nw, [this](const Req& req, Res& res) { reply_commit(req, res, store_.erase_network(nwid_of(req))); });

    s.Get(nw + "/member", [this](const Req& req, Res& res) {
        const NetworkId nwid = nwid_of(req);
        if (!store_.network(nwid)) return fail(req, res, 404, "network " + nwid.to_string() + " not found");
        Json out = Json::object();
        for (auto [address, revision] : store_.members(nwid)) out[address.to_string()] = revision;
        set_content(req, res, dump(out));
    });

    s.Get("/unstable" + nw + "/member", [this](const Req& req, Res& res) {
        const NetworkId nwid = nwid_of(req);
        if (!store_.network(nwid)) return fail(req, res, 404, "network " + nwid.to_string() + " not found");
        auto members = store_.member_records(nwid);
        uint64_t authorized_count = 0;
        for (const Json& m : members) authorized_count += as_bool(m.value("authorized", Json()), false);
        Json out = {{"data", members},
                    {"meta", {{"totalCount", members.size()}, {"authorizedCount", authorized_count}}}};
        set_content(req, res, dump(out));
    });

    s.Get(mem, [this](const Req& req, Res& res) {
        auto member = store_.member(nwid_of(req), address_of(req));
        if (!member) return fail(req, res, 404, "member " + address_of(req).to_string() + " not found");
        set_content(req, res, dump(*member));
    });

    // Upstream checks the network before it parses the body; a member may be created before
    // it ever asked for a config.
    auto member_update = [this](const Req& req, Res& res) {
        const NetworkId nwid = nwid_of(req);
        const Address address = address_of(req);
        if (!store_.network(nwid)) return fail(req, res, 404, "network " + nwid.to_string() + " not found");
        if (address.is_reserved()) return fail(req, res, 400, "address " + address.to_string() + " is reserved");
        auto body = parse_body(req, res);
        if (!body) return;
        std::string error;
        auto patch = member_patch(*body, error);
        if (!patch) return fail(req, res, 400, error);
        const UnixMs now = store_.now();
        reply_commit(req, res, store_.update_member(nwid, address, [&](Json& m, bool) {
            apply_member_patch(*patch, m, now);
            return true;
        }));
    };
    s.Post(mem, member_update);
    s.Put(mem, member_update);

    s.Delete(mem, [this](const Req& req, Res& res) {
        reply_commit(req, res, store_.erase_member(nwid_of(req), address_of(req)));
    });
}

}  // namespace zt::ctl

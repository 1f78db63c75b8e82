// ControllerApi: ZeroTier One 1.14.1's local controller API over HTTP (the /controller paths
// of its control plane, EmbeddedNetworkController::configureHTTPControlPlane), served from a
// ControllerStore on cpp-httplib's own threads. Authentication as OneService does it: the
// token of <home>/authtoken.secret in X-ZT1-Auth, ?auth= or "Authorization: Bearer".
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "tools/ztcontroller/store.hpp"

namespace httplib {
class Server;
}

namespace zt::ctl {

struct ApiOptions {
    std::string home;                        // holds authtoken.secret
    std::string bind_address = "127.0.0.1";  // upstream listens on all addresses, loopback-only
    int port = 9993;                         // ZeroTier One's local API port; 0 = any free port
    size_t max_body_bytes = 1u << 20;        // larger bodies get 413
    bool allow_remote = false;               // serve clients outside loopback too (upstream's
                                             // allowManagementFrom); the token is still needed
};

// Reads <home>/authtoken.secret (surrounding whitespace trimmed), or creates it as upstream
// does: 24 random characters from [a-z0-9], mode 0600. nullopt and `error` if it cannot be
// read or written, or holds no token.
std::optional<std::string> load_or_create_auth_token(const std::string& home, std::string& error);

class ControllerApi {
public:
    ControllerApi(ControllerStore& store, ApiOptions options);
    ~ControllerApi();  // stops
    ControllerApi(const ControllerApi&) = delete;
    ControllerApi& operator=(const ControllerApi&) = delete;

    // Loads the token, binds and starts serving on a thread of its own. False with `error`
    // naming the address or file when it cannot.
    bool start(std::string& error);
    void stop();
    int port() const { return port_; }  // the bound port, valid after start()
    const std::string& auth_token() const { return token_; }

private:
    void add_routes();

    ControllerStore& store_;
    ApiOptions options_;
    std::string token_;
    int port_ = 0;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
};

}  // namespace zt::ctl

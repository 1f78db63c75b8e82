// ztcontroller: a ZeroTier network controller, compatible with ZeroTier One's embedded one
// (spec §9): it answers NETWORK_CONFIG_REQUEST for the networks whose id starts with its
// address, signs configurations, certificates and revocations, pushes changes to online
// members, and serves ZeroTier One's /controller HTTP API with the token in authtoken.secret.
//
//   ztcontroller --home DIR [--port 9993] [--planet FILE] [--root] [--api-port 9993]
//                [--api-bind 127.0.0.1] [--auto-authorize]
//
// With --root it also serves as a root of the planet (ztroot --controller is the same).
#include "tools/ztcontroller/server.hpp"

int main(int argc, char** argv) {
    return zt::server::server_main(argc, argv, zt::server::Defaults{"ztcontroller", false, true});
}

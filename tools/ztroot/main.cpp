// ztroot: a ZeroTier root server (spec §7.4, §7.6). It answers HELLO and WHOIS, relays
// packets between peers that have no direct path yet, introduces them with RENDEZVOUS and
// keeps per-peer paths; ZeroTier One leaves use it like any root. Runs in the foreground.
//
//   ztroot --home DIR [--port 9993] [--planet FILE] [--log-level info] [--controller ...]
//
// DIR holds the root's identity (created on first start) and ztroot.log. With --planet the
// root checks that it is one of the planet's roots and knows the others' identities. With
// --controller it is also the network controller of its networks (see ztcontroller), so one
// command serves a private planet and its networks.
#include "tools/ztcontroller/server.hpp"

int main(int argc, char** argv) {
    return zt::server::server_main(argc, argv, zt::server::Defaults{"ztroot", true, false});
}

// The program behind ztroot and ztcontroller: a node without a TCP/IP stack on the underlay UDP
// port, serving as a root of the planet (relay, WHOIS, RENDEZVOUS; spec §7.4, §7.6), as the
// controller of the networks under its address (spec §9: records in <home>/controller.d, the
// HTTP API of ZeroTier One's controller on 127.0.0.1), or both in one process. Runs in the
// foreground until SIGTERM/SIGINT; logs to <home>/<program>.log.
#pragma once

namespace zt::server {

struct Defaults {
    const char* program;  // "ztroot" or "ztcontroller": the log name and the usage line
    bool root;            // the role without flags; the other one is added with a flag
    bool controller;
};

int server_main(int argc, char** argv, const Defaults& defaults);

}  // namespace zt::server

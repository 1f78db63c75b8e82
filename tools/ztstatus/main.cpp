// ztstatus: the status of the node (or root) serving a ZT home, like `zerotier-cli`: identity,
// online state, planet and roots, peers with role, version, latency and paths, the networks and
// the packet counters; the wrapped programs' sockets; and the network commands.
//
//   ztstatus [-H HOME] [--json]                 everything (HOME defaults to $ZT_HOME)
//   ztstatus [-H HOME] networks                 one line per network (like listnetworks)
//   ztstatus [-H HOME] network <nwid>           one network as JSON
//   ztstatus [-H HOME] [--json] sockets         the programs' virtual sockets (sockets.hpp)
//   ztstatus [-H HOME] join <nwid> [ip/len...]  join through the controller (or statically)
//   ztstatus [-H HOME] leave <nwid>
// Exit status: 0, 1 if no node serves the home or it refused the request, 2 for bad usage.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "stack/names.hpp"
#include "tools/ztnode/link/status_server.hpp"
#include "tools/ztstatus/sockets.hpp"

namespace {

void usage(FILE* out) {
    std::fprintf(out,
                 "usage: ztstatus [-H HOME] [--json] [networks | network <nwid> | sockets |\n"
                 "                join <nwid> [ip/len...] | leave <nwid>]\n"
                 "  -H, --home HOME   the ZT home whose node to ask (default $ZT_HOME)\n"
                 "  -j, --json        JSON instead of text (the whole status, or sockets)\n"
                 "  networks          one line per network\n"
                 "  network <nwid>    one network, as JSON\n"
                 "  sockets           the wrapped programs' virtual sockets: pid, fd, protocol,\n"
                 "                    addresses, state, bytes received and sent\n"
                 "  join, leave       join a network (through its controller, or statically with\n"
                 "                    addresses) or leave it\n"
                 "See ztstatus(1).\n");
}

}  // namespace

int main(int argc, char** argv) {
    std::string home = std::getenv("ZT_HOME") ? std::getenv("ZT_HOME") : "";
    bool json = false;
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "-H" || a == "--home") && i + 1 < argc) {
            home = argv[++i];
        } else if (a == "--json" || a == "-j") {
            json = true;
        } else if (a == "-h" || a == "--help") {
            usage(stdout);
            return 0;
        } else {
            break;
        }
    }
    std::string request = json ? "json" : "text";
    const bool sockets = i < argc && std::strcmp(argv[i], "sockets") == 0;
    if (i < argc) {
        const std::string cmd = argv[i];
        const bool takes_id = cmd == "network" || cmd == "join" || cmd == "leave";
        if ((cmd != "networks" && cmd != "sockets" && !takes_id) || (takes_id && i + 1 >= argc) ||
            (!takes_id && i + 1 < argc) || (cmd != "join" && i + 2 < argc)) {
            usage(stderr);
            return 2;
        }
        request.clear();
        for (; i < argc; ++i) request += (request.empty() ? "" : " ") + std::string(argv[i]);
    }
    if (home.empty()) {
        std::fprintf(stderr, "ztstatus: no home: set ZT_HOME or pass -H HOME\n");
        return 2;
    }
    char real[PATH_MAX];
    if (!::realpath(home.c_str(), real)) {
        std::fprintf(stderr, "ztstatus: %s: %s\n", home.c_str(), std::strerror(errno));
        return 1;
    }
    std::string answer, error;
    if (!zt::link::query_status(zt::stack::home_hash_of(real), request, answer, error)) {
        std::fprintf(stderr, "ztstatus: %s: %s\n", real, error.c_str());
        return 1;
    }
    if (answer.rfind("ERROR ", 0) == 0) {
        std::fprintf(stderr, "ztstatus: %s", answer.c_str() + 6);
        return 1;
    }
    if (sockets) {
        std::string out;
        if (!ztstatus::render_sockets(answer, json, out, error)) {
            std::fprintf(stderr, "ztstatus: %s\n", error.c_str());
            return 1;
        }
        answer = out;
    }
    std::fwrite(answer.data(), 1, answer.size(), stdout);
    return 0;
}

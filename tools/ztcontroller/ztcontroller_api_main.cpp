// ztcontroller-api: the controller's store and HTTP API alone, without a ZeroTier node, for
// tests and scripting. Serves until SIGTERM or SIGINT.
//
//   ztcontroller-api --home DIR --address <10 hex> [--port N] [--bind ADDR]
//                    [--auto-authorize] [--allow-remote]
//
// Prints "listening on ADDR:PORT" on stdout once it serves; problems with stored files go to
// stderr, one line each.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/ztcontroller/api.hpp"
#include "tools/ztcontroller/store.hpp"

namespace {

int usage() {
    std::fprintf(stderr,
                 "usage: ztcontroller-api --home DIR --address <10 hex digits> [--port N] [--bind ADDR]\n"
                 "                        [--auto-authorize] [--allow-remote]\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    zt::ctl::ApiOptions options;
    std::string address_text;
    bool auto_authorize = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--home" && has_value) options.home = argv[++i];
        else if (a == "--address" && has_value) address_text = argv[++i];
        else if (a == "--bind" && has_value) options.bind_address = argv[++i];
        else if (a == "--port" && has_value) {
            char* end = nullptr;
            long port = std::strtol(argv[++i], &end, 10);
            if (*end != '\0' || port < 0 || port > 65535) return usage();
            options.port = int(port);
        } else if (a == "--auto-authorize") auto_authorize = true;
        else if (a == "--allow-remote") options.allow_remote = true;
        else return usage();
    }
    auto address = zt::Address::parse(address_text);
    if (options.home.empty() || !address || address->is_reserved()) return usage();

    // The signals are taken by sigwait below; block them before any thread starts.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    zt::ctl::ControllerStore store;
    store.set_auto_authorize(auto_authorize);
    std::string error;
    if (!store.open(options.home, *address, error)) {
        std::fprintf(stderr, "ztcontroller-api: %s\n", error.c_str());
        return 1;
    }
    for (const std::string& p : store.load_problems()) std::fprintf(stderr, "ztcontroller-api: %s\n", p.c_str());

    zt::ctl::ControllerApi api(store, options);
    if (!api.start(error)) {
        std::fprintf(stderr, "ztcontroller-api: %s\n", error.c_str());
        return 1;
    }
    std::printf("listening on %s:%d\n", options.bind_address.c_str(), api.port());
    std::fflush(stdout);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    api.stop();
    return 0;
}

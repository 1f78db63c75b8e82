// ztstatus: prints the status of the node (or root) serving a ZT home, like
// `zerotier-cli info` + `zerotier-cli peers`: identity, online state, planet and roots,
// peers with role, version, latency and paths, and the packet counters.
//
//   ztstatus [-H HOME] [--json]        HOME defaults to $ZT_HOME
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "stack/names.hpp"
#include "tools/ztnode/link/status_server.hpp"

int main(int argc, char** argv) {
    std::string home = std::getenv("ZT_HOME") ? std::getenv("ZT_HOME") : "";
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "-H" || a == "--home") && i + 1 < argc) home = argv[++i];
        else if (a == "--json" || a == "-j") json = true;
        else {
            std::fprintf(stderr, "usage: ztstatus [-H HOME] [--json]\n");
            return 2;
        }
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
    int fd = -1;
    std::string error;
    if (!zt::link::connect_status(zt::stack::home_hash_of(real), fd, error)) {
        std::fprintf(stderr, "ztstatus: %s: %s\n", real, error.c_str());
        return 1;
    }
    const char* req = json ? "json\n" : "text\n";
    if (::write(fd, req, std::strlen(req)) < 0) return 1;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) std::fwrite(buf, 1, size_t(n), stdout);
    ::close(fd);
    return 0;
}

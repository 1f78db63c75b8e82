// ztrun's wait for the networks (networks.hpp): start the home's node if none runs, ask it to
// join, and poll its status socket until every network is OK with an address.
#include "tools/ztrun/networks.hpp"

#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "stack/names.hpp"
#include "tools/ztnode/link/status_server.hpp"

namespace ztrun {

namespace {

int64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Runs `ztnode --daemonize`: it returns once the node serves the home (or printed why not).
bool start_node(const std::string& node_bin, std::string& error) {
    pid_t pid = fork();
    if (pid < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (pid == 0) {
        unsetenv("LD_PRELOAD");
        execlp(node_bin.c_str(), "ztnode", "--daemonize", static_cast<char*>(nullptr));
        std::fprintf(stderr, "ztrun: %s: %s\n", node_bin.c_str(), std::strerror(errno));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        error = "the node did not start (" + node_bin + ")";
        return false;
    }
    return true;
}

// A control connection keeps the node from lingering out while we wait.
int hold_node(uint64_t hash) {
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    auto name = zt::stack::node_name(ztctl::NameKind::control, hash);
    if (fd >= 0 && connect(fd, name.addr(), name.len) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

struct State {
    std::string status = "?";
    std::string addresses;  // "10.147.17.5/24,fd00::1/88"
};

State network_state(uint64_t hash, const std::string& nwid) {
    State st;
    std::string answer, error;
    if (!zt::link::query_status(hash, "network " + nwid, answer, error)) {
        st.status = "NODE_GONE";
        return st;
    }
    auto j = nlohmann::json::parse(answer, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        st.status = "NOT_JOINED";
        return st;
    }
    st.status = j.value("status", "?");
    if (j.contains("assignedAddresses") && j["assignedAddresses"].is_array())
        for (const auto& a : j["assignedAddresses"])
            if (a.is_string()) st.addresses += (st.addresses.empty() ? "" : ",") + a.get<std::string>();
    return st;
}

// What a state means for someone waiting, in a few words.
std::string explain(const std::string& nwid, const State& st) {
    const std::string ctl = nwid.substr(0, 10);
    if (st.status == "REQUESTING_CONFIGURATION") return "no configuration yet from controller " + ctl;
    if (st.status == "ACCESS_DENIED") return "controller " + ctl + " has not authorized this node";
    if (st.status == "NOT_FOUND") return "controller " + ctl + " has no such network";
    if (st.status == "CLIENT_TOO_OLD") return "the controller's configuration format is not supported";
    if (st.status == "AUTHENTICATION_REQUIRED") return "the network requires SSO authentication (not supported)";
    if (st.status == "OK") return "configured, but no address assigned yet";
    if (st.status == "NODE_GONE") return "the node stopped (see its log in the home)";
    return st.status;
}

}  // namespace

int join_and_wait(Options& o) {
    const uint64_t hash = zt::stack::home_hash_of(o.home);
    std::string answer, error;
    if (!zt::link::query_status(hash, "networks", answer, error)) {
        if (!start_node(o.node_bin, error)) {
            std::fprintf(stderr, "ztrun: %s\n", error.c_str());
            return 1;
        }
        // The node we started may have found another one starting for the home (several
        // programs started at once): whichever serves it answers within a few seconds.
        const int64_t until = mono_ms() + 10000;
        while (!zt::link::query_status(hash, "networks", answer, error)) {
            if (mono_ms() >= until) {
                std::fprintf(stderr, "ztrun: the node for %s did not answer: %s\n", o.home.c_str(), error.c_str());
                return 1;
            }
            usleep(50 * 1000);
        }
    }
    const int keep = hold_node(hash);
    struct Closer {
        int fd;
        ~Closer() {
            if (fd >= 0) close(fd);
        }
    } closer{keep};

    std::vector<std::string> ids;
    for (const auto& spec : o.networks) {
        // "nwid[=ip/len...]" -> "join nwid ip/len ..."
        std::string line = "join";
        size_t i = 0;
        while (i < spec.size()) {
            size_t j = spec.find_first_of("= ", i);
            if (j == std::string::npos) j = spec.size();
            if (j > i) line += " " + spec.substr(i, j - i);
            i = j + 1;
        }
        ids.push_back(spec.substr(0, std::min(spec.size(), size_t(16))));
        if (!zt::link::query_status(hash, line, answer, error)) {
            std::fprintf(stderr, "ztrun: %s\n", error.c_str());
            return 1;
        }
        if (answer.rfind("ERROR ", 0) == 0) {
            std::fprintf(stderr, "ztrun: network %s: %s", ids.back().c_str(), answer.c_str() + 6);
            return 1;
        }
    }

    const int64_t start = mono_ms(), deadline = start + int64_t(o.wait_s) * 1000;
    std::vector<std::string> shown(ids.size());
    bool printed = false;
    for (;;) {
        bool all_up = true;
        for (size_t k = 0; k < ids.size(); ++k) {
            State st = network_state(hash, ids[k]);
            const bool up = st.status == "OK" && !st.addresses.empty();
            all_up = all_up && up;
            const std::string line = st.status + (st.addresses.empty() ? "" : " " + st.addresses);
            // Quiet when it comes up at once; after a second, each change is shown.
            if (!o.quiet && line != shown[k] && (printed || mono_ms() - start >= 1000)) {
                std::fprintf(stderr, "ztrun: network %s: %s%s%s\n", ids[k].c_str(), line.c_str(), up ? "" : " (",
                             up ? "" : (explain(ids[k], st) + ")").c_str());
                shown[k] = line;
                printed = true;
            }
            if (st.status == "NODE_GONE") {
                std::fprintf(stderr, "ztrun: network %s: %s\n", ids[k].c_str(), explain(ids[k], st).c_str());
                return 1;
            }
            if (!up && mono_ms() >= deadline) {
                std::fprintf(stderr, "ztrun: network %s did not come up within %d s: %s (%s)\n", ids[k].c_str(), o.wait_s,
                             st.status.c_str(), explain(ids[k], st).c_str());
                return 1;
            }
        }
        if (all_up) {
            for (const auto& id : ids) {
                const State st = network_state(hash, id);
                if (!st.addresses.empty()) o.routes += (o.routes.empty() ? "" : ",") + st.addresses;
            }
            return 0;
        }
        usleep(100 * 1000);
    }
}

}  // namespace ztrun

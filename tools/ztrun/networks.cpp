// ztrun's wait for the networks (networks.hpp): start the home's node if none runs, ask it to
// join, and poll its status socket until every network is OK with an address.
#include "tools/ztrun/networks.hpp"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "intercept/quiet_spawn.hpp"
#include "stack/names.hpp"
#include "tools/ztnode/link/status_server.hpp"
#include "tools/ztrun/exit_codes.hpp"

namespace ztrun {

namespace {

int64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// The last line of what the node wrote on stderr, without its "ztnode: " prefix.
std::string last_line(const std::string& text) {
    size_t end = text.find_last_not_of("\r\n");
    if (end == std::string::npos) return {};
    const size_t nl = text.rfind('\n', end);
    const size_t start = nl == std::string::npos ? 0 : nl + 1;
    std::string line = text.substr(start, end + 1 - start);
    if (line.rfind("ztnode: ", 0) == 0) line.erase(0, 8);
    return line;
}

// Waits for the quiet child `q` while reading `fd` (the node's stderr, until it detaches and puts
// /dev/null there) into `text`. True with its wait status once reaped.
bool wait_reading(pid_t q, int fd, std::string& text, int& status) {
    bool open = true;
    // Takes what the pipe holds, waiting up to `ms` for the first bytes; `open` false at EOF.
    auto drain = [&](int ms) {
        pollfd p{fd, POLLIN, 0};
        while (open && poll(&p, 1, ms) > 0) {
            char buf[1024];
            const ssize_t n = read(fd, buf, sizeof buf);
            if (n > 0 && text.size() < 16384) text.append(buf, size_t(n));
            open = n > 0 || (n < 0 && errno == EINTR);
            ms = 0;
        }
    };
    for (;;) {
        if (open) {
            drain(50);
        } else {
            usleep(20 * 1000);
        }
        const pid_t w = zti::wait_quiet_child(q, &status, WNOHANG);
        if (w < 0) return false;
        if (w == q) break;
    }
    drain(0);  // what it wrote just before exiting
    return true;
}

// Runs `ztnode --daemonize` through zti::quiet_spawn and waits: it returns once the node serves
// the home, or with `error` set to the reason it gave (its last line on stderr, which a pipe
// brings here). The quiet child sends no SIGCHLD that could stay pending for the program ztrun
// becomes. Were ztrun a child subreaper (the flag survives the exec that started it), the daemon
// and its forking ancestors would be orphaned to it, and so to that program: the flag is off
// until the starter has exited, when they have gone to the next subreaper up or to init. As
// pid 1 (a container's init) every orphan is ours: we warn.
bool start_node(const Options& o, std::string& error) {
    char path[PATH_MAX];
    if (!zti::find_executable(o.node_bin.c_str(), path, sizeof path)) {
        const int e = errno;
        if (std::getenv("ZT_NODE_BIN"))
            error = "cannot start the node: " + o.node_bin + " (ZT_NODE_BIN): " + std::strerror(e);
        else if (o.node_bin.find('/') == std::string::npos)
            error = "cannot start the node: no ztnode beside libztintercept.so nor on PATH (set ZT_NODE_BIN)";
        else
            error = "cannot start the node: " + o.node_bin + ": " + std::strerror(e);
        return false;
    }
    if (getpid() == 1)
        std::fprintf(stderr, "ztrun: warning: running as pid 1, so the node's daemon becomes the program's child;"
                             " run under an init (tini, docker run --init) to spare it\n");
    int err_pipe[2];
    if (pipe2(err_pipe, O_CLOEXEC) != 0) {
        error = std::string("cannot start the node: pipe: ") + std::strerror(errno);
        return false;
    }
    int subreaper = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) != 0) subreaper = 0;
    if (subreaper) prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    char arg0[] = "ztnode";
    char arg1[] = "--daemonize";
    char* argv[] = {arg0, arg1, nullptr};
    zti::QuietSpawn spawn{path, argv, nullptr};
    spawn.stderr_fd = err_pipe[1];
    const pid_t pid = zti::quiet_spawn(spawn);
    const int spawn_errno = errno;
    close(err_pipe[1]);
    std::string text;
    int status = 0;
    const bool reaped = pid > 0 && wait_reading(pid, err_pipe[0], text, status);
    close(err_pipe[0]);
    if (subreaper) prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (pid < 0) {
        error = std::string("cannot start the node: ") + path + ": " + std::strerror(spawn_errno);
        return false;
    }
    if (reaped && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (!text.empty()) std::fputs(text.c_str(), stderr);  // warnings: the node's own words
        return true;
    }
    const std::string why = last_line(text);
    if (!why.empty())
        error = "cannot start the node: " + why;
    else
        error = "the node did not start (" + std::string(path) +
                (reaped && WIFEXITED(status) ? ", exit status " + std::to_string(WEXITSTATUS(status)) : "") +
                "; see " + o.home + "/ztnode.log)";
    return false;
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

NetState network_state(uint64_t hash, const std::string& nwid) {
    NetState st;
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

// -v: who the node is, from its status.
void describe_node(uint64_t hash, Progress& progress) {
    if (progress.manner() != Progress::Manner::verbose) return;
    std::string answer, error;
    if (!zt::link::query_status(hash, "json", answer, error)) return;
    auto j = nlohmann::json::parse(answer, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return;
    const auto planet = j.value("planet", nlohmann::json::object());
    progress.detail("node %s on UDP port %d, %s, planet %llu with %zu root(s)", j.value("address", "?").c_str(),
                    j.value("port", 0), j.value("online", false) ? "online" : "offline",
                    (unsigned long long)planet.value("id", uint64_t(0)),
                    planet.contains("roots") && planet["roots"].is_array() ? planet["roots"].size() : size_t(0));
}

}  // namespace

int join_and_wait(Options& o, Progress& progress) {
    const uint64_t hash = zt::stack::home_hash_of(o.home);
    std::string answer, error;
    if (!zt::link::query_status(hash, "networks", answer, error)) {
        progress.starting_node(o.node_bin);
        if (!start_node(o, error)) {
            progress.fail(error);
            return kExitFailed;
        }
        // The node we started may have found another one starting for the home (several
        // programs started at once): whichever serves it answers within a few seconds.
        const int64_t until = mono_ms() + 10000;
        while (!zt::link::query_status(hash, "networks", answer, error)) {
            if (mono_ms() >= until) {
                progress.fail("the node for " + o.home + " did not answer: " + error);
                return kExitFailed;
            }
            usleep(50 * 1000);
        }
        progress.detail("the node serves %s", o.home.c_str());
    } else {
        progress.detail("a node already serves %s", o.home.c_str());
    }
    describe_node(hash, progress);
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
        progress.detail("network %s: %s", ids.back().c_str(),
                        line.size() > 21 ? ("joining statically with" + line.substr(21)).c_str()
                                         : "joining through its controller");
        if (!zt::link::query_status(hash, line, answer, error)) {
            progress.fail(error);
            return kExitFailed;
        }
        if (answer.rfind("ERROR ", 0) == 0) {
            while (!answer.empty() && answer.back() == '\n') answer.pop_back();
            progress.fail("network " + ids.back() + ": " + answer.substr(6));
            return kExitFailed;
        }
    }
    progress.waiting_for(ids);

    const int64_t deadline = mono_ms() + int64_t(o.wait_s) * 1000;
    for (;;) {
        bool all_up = true;
        for (size_t k = 0; k < ids.size(); ++k) {
            const NetState st = network_state(hash, ids[k]);
            all_up = all_up && st.up();
            progress.update(k, st);
            if (st.status == "NODE_GONE") {
                progress.fail("network " + ids[k] + ": " + explain(ids[k], st));
                return kExitFailed;
            }
            if (!st.up() && mono_ms() >= deadline) {
                progress.fail("network " + ids[k] + " did not come up within " + std::to_string(o.wait_s) +
                              " s: " + st.status + " (" + explain(ids[k], st) + ")");
                return kExitFailed;
            }
        }
        if (all_up) {
            progress.finish();
            for (const auto& id : ids) {
                const NetState st = network_state(hash, id);
                if (!st.addresses.empty()) o.routes += (o.routes.empty() ? "" : ",") + st.addresses;
            }
            return 0;
        }
        usleep(100 * 1000);
    }
}

}  // namespace ztrun

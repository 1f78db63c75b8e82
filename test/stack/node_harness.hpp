// TEST ONLY: runs test_node processes (the ztnode runtime with RawUdpLink) in unique homes
// under a temporary directory, and stops them again.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace zt::test {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Two distinct free UDP ports on 127.0.0.1 (bound together, then released).
std::pair<uint16_t, uint16_t> free_udp_ports();

class NodeProcess {
public:
    using Env = std::vector<std::pair<std::string, std::string>>;
    NodeProcess() = default;
    ~NodeProcess();
    NodeProcess(const NodeProcess&) = delete;
    NodeProcess& operator=(const NodeProcess&) = delete;

    // Starts the test node with `args` and `env` (added to a minimal environment). ZT_HOME
    // must be among `env`. Does not wait for it.
    bool spawn(const std::vector<std::string>& args, const Env& env);
    // Waits until the node's control socket answers (true) or `timeout_ms` passes.
    bool wait_ready(int timeout_ms = 10000) const;
    // Waits for the process to exit; returns its exit status, or -1 on timeout (still running).
    int wait_exit(int timeout_ms);
    // SIGTERM, wait up to 5 s, then SIGKILL. Returns the exit status.
    int stop();

    pid_t pid() const { return pid_; }
    const std::string& home() const { return home_; }
    std::string real_home() const;
    uint64_t hash() const;
    std::string log() const;  // contents of $ZT_HOME/ztnode.log

private:
    pid_t pid_ = -1;
    int pidfd_ = -1;
    std::string home_;
};

}  // namespace zt::test

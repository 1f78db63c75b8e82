// TEST ONLY: test node processes (node_harness.hpp).
#include "test/stack/node_harness.hpp"

#include <arpa/inet.h>
#include <climits>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ipc/control_protocol.hpp"
#include "stack/names.hpp"
#include "test/stack/ctl_client.hpp"

#ifndef ZT_TEST_NODE_BIN
#error "ZT_TEST_NODE_BIN must be defined by the build"
#endif

namespace zt::test {

TempDir::TempDir() {
    char tmpl[] = "/tmp/ztstack-XXXXXX";
    if (mkdtemp(tmpl)) path_ = tmpl;
}

TempDir::~TempDir() {
    if (!path_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
}

std::pair<uint16_t, uint16_t> free_udp_ports() {
    int a = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int b = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(a, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    bind(b, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t len = sizeof sin;
    getsockname(a, reinterpret_cast<sockaddr*>(&sin), &len);
    uint16_t pa = ntohs(sin.sin_port);
    len = sizeof sin;
    getsockname(b, reinterpret_cast<sockaddr*>(&sin), &len);
    uint16_t pb = ntohs(sin.sin_port);
    close(a);
    close(b);
    return {pa, pb};
}

NodeProcess::~NodeProcess() {
    if (pid_ > 0) stop();
}

bool NodeProcess::spawn(const std::vector<std::string>& args, const Env& env) {
    std::vector<std::string> envs = {"PATH=/usr/bin:/bin"};
    for (const auto& [k, v] : env) {
        envs.push_back(k + "=" + v);
        if (k == "ZT_HOME") home_ = v;
    }
    std::vector<std::string> argv_s = {ZT_TEST_NODE_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv, envp;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (auto& s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
        // Keep the node's stderr (one line on fatal errors) visible in the test output.
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    pidfd_ = int(syscall(SYS_pidfd_open, pid_, 0));
    return true;
}

std::string NodeProcess::real_home() const {
    char buf[PATH_MAX];
    return realpath(home_.c_str(), buf) ? std::string(buf) : home_;
}

uint64_t NodeProcess::hash() const { return stack::home_hash_of(real_home()); }

bool NodeProcess::wait_ready(int timeout_ms) const {
    // There is no fd to poll for "the node is listening": retry the connect, 10 ms apart.
    for (int waited = 0; waited <= timeout_ms; waited += 10) {
        int fd = ctl_connect(hash());
        if (fd >= 0) {
            close(fd);
            return true;
        }
        if (pid_ > 0 && pidfd_ >= 0 && (wait_for(pidfd_, POLLIN, 0) & POLLIN)) return false;  // it died
        usleep(10000);
    }
    return false;
}

int NodeProcess::wait_exit(int timeout_ms) {
    if (pid_ <= 0) return -1;
    if (pidfd_ >= 0 && !(wait_for(pidfd_, POLLIN, timeout_ms) & POLLIN)) return -1;
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    if (pidfd_ >= 0) close(pidfd_);
    pidfd_ = -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int NodeProcess::stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int st = wait_exit(5000);
    if (st < 0 && pid_ > 0) {
        kill(pid_, SIGKILL);
        st = wait_exit(5000);
    }
    return st;
}

std::string NodeProcess::log() const {
    std::ifstream in(home_ + "/ztnode.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace zt::test

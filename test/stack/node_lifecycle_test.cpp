// The node process's life: lock file, detaching, lingering exit, bad configuration.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "test/stack/ctl_client.hpp"
#include "test/stack/node_harness.hpp"

using namespace zt;
using namespace zt::test;

namespace {
NodeProcess::Env base_env(const std::string& home, uint16_t port) {
    return {{"ZT_HOME", home},
            {"ZT_TEST_NODE_ADDRESS", "aaaaaaaa01"},
            {"ZT_NETWORKS", "c41b8868ac000001=10.147.17.1/24"},
            {"ZT_PORT", std::to_string(port)}};
}
}  // namespace

TEST_CASE("lifecycle: a second node for the same home exits 0 at once", "[stack][integration]") {
    TempDir dir;
    auto [p1, p2] = free_udp_ports();
    std::string home = dir.path() + "/h";
    NodeProcess first, second;
    REQUIRE(first.spawn({"--foreground", "--no-linger-exit"}, base_env(home, p1)));
    REQUIRE(first.wait_ready());
    struct stat st{};
    REQUIRE(stat(home.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);  // created private
    REQUIRE(second.spawn({"--foreground"}, base_env(home, p2)));
    CHECK(second.wait_exit(5000) == 0);
    CHECK(first.stop() == 0);
}

TEST_CASE("lifecycle: the node lingers after its last client, then exits", "[stack][integration]") {
    TempDir dir;
    auto [p1, p2] = free_udp_ports();
    (void)p2;
    auto env = base_env(dir.path() + "/h", p1);
    env.push_back({"ZT_NODE_LINGER", "1"});
    NodeProcess node;
    REQUIRE(node.spawn({"--foreground"}, env));
    REQUIRE(node.wait_ready());
    {
        Ctl ctl(node.hash());
        REQUIRE(ctl.ok());
        REQUIRE(ctl.hello().err == 0);
        ztctl::BindReply r{};
        int u = ctl.udp_open(random_id(), stack::InetAddr::v4(0, 0, 0, 0, 0), r);
        REQUIRE(u >= 0);
        // While a client (and its UDP socket) is there, the node stays.
        CHECK(node.wait_exit(2000) == -1);
        close(u);
    }
    // Control connection and socket gone: out after ~1 s of idleness.
    CHECK(node.wait_exit(4000) == 0);
    CHECK(node.log().find("idle for 1 s: exiting") != std::string::npos);
}

TEST_CASE("lifecycle: --daemonize returns at once and the daemon serves", "[stack][integration]") {
    TempDir dir;
    auto [p1, p2] = free_udp_ports();
    (void)p2;
    auto env = base_env(dir.path() + "/h", p1);
    env.push_back({"ZT_NODE_LINGER", "1"});
    NodeProcess launcher;
    REQUIRE(launcher.spawn({"--daemonize"}, env));
    CHECK(launcher.wait_exit(5000) == 0);  // the process we started is gone...
    REQUIRE(launcher.wait_ready(5000));   // ...and a detached node answers
    {
        Ctl ctl(launcher.hash());
        auto h = ctl.hello();
        CHECK(h.err == 0);
        CHECK(h.node_address == 0xaaaaaaaa01ULL);
    }
    // It exits by itself after the linger time (nothing to poll for: probe every 50 ms).
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        int fd = ctl_connect(launcher.hash());
        gone = fd < 0;
        if (fd >= 0) close(fd);
        if (!gone) usleep(50000);
    }
    CHECK(gone);
}

TEST_CASE("lifecycle: bad configuration stops the node with one line", "[stack][integration]") {
    TempDir dir;
    std::string home = dir.path() + "/h";
    mkdir(home.c_str(), 0700);
    std::ofstream(home + "/ztintercept.conf") << "# ok\nnetwork = nope\n";
    int err_pipe[2];
    REQUIRE(pipe(err_pipe) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(err_pipe[1], 2);
        std::string env_home = "ZT_HOME=" + home;
        char* envp[] = {env_home.data(), nullptr};
        char* argv[] = {const_cast<char*>(ZT_TEST_NODE_BIN), nullptr};
        execve(argv[0], argv, envp);
        _exit(127);
    }
    close(err_pipe[1]);
    std::string out;
    char buf[512];
    while (wait_for(err_pipe[0], POLLIN, 5000) & (POLLIN | POLLHUP)) {
        ssize_t n = read(err_pipe[0], buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, size_t(n));
    }
    close(err_pipe[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
    CHECK(out == "ztnode: " + home + "/ztintercept.conf:2: bad network id 'nope' (16 hex digits expected)\n");
}

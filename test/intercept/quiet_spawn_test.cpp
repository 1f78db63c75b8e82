// quiet_spawn: the caller gets no SIGCHLD and its wait calls never see the quiet child; the
// program runs in a session of its own with stdio on /dev/null, default signal dispositions, an
// empty mask, no fd of the caller above 2 and no LD_PRELOAD; a program that cannot be executed
// makes the quiet child exit 127 with a line on its stderr; stderr_fd hands the program a pipe for
// its stderr; find_executable finds what it would run.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "intercept/quiet_spawn.hpp"

namespace {

volatile sig_atomic_t g_sigchld = 0;
void on_sigchld(int) { g_sigchld = g_sigchld + 1; }

// Runs `sh -c script` quietly with the given stderr file; returns the raw wait status of Q, or -1.
int run_sh(const char* script, const char* stderr_path) {
    char sh[] = "sh";
    char c[] = "-c";
    std::string body = script;
    char* argv[] = {sh, c, body.data(), nullptr};
    const pid_t q = zti::quiet_spawn(zti::QuietSpawn{"sh", argv, stderr_path});
    if (q <= 0) return -1;
    int st = 0;
    return zti::wait_quiet_child(q, &st, 0) == q ? st : -1;
}

std::string temp_path(const char* tag) {
    return std::string("/tmp/zti-quiet-") + tag + "-" + std::to_string(getpid());
}

}  // namespace

TEST_CASE("quiet_spawn: no SIGCHLD, and wait() fails with ECHILD while the child runs", "[intercept]") {
    struct sigaction sa{}, old{};
    sa.sa_handler = on_sigchld;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old);
    g_sigchld = 0;

    char sh[] = "sh";
    char c[] = "-c";
    char body[] = "sleep 0.2; exit 5";
    char* argv[] = {sh, c, body, nullptr};
    const pid_t q = zti::quiet_spawn(zti::QuietSpawn{"/bin/sh", argv, "/dev/null"});
    REQUIRE(q > 0);
    errno = 0;
    CHECK(wait(nullptr) == -1);  // at once: Q is no child for wait()
    CHECK(errno == ECHILD);
    siginfo_t si{};
    errno = 0;
    CHECK(waitid(P_ALL, 0, &si, WEXITED | WNOHANG) == -1);
    CHECK(errno == ECHILD);
    int st = 0;
    REQUIRE(zti::wait_quiet_child(q, &st, 0) == q);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 5);
    timespec settle{0, 100 * 1000 * 1000};
    nanosleep(&settle, nullptr);
    CHECK(g_sigchld == 0);
    sigaction(SIGCHLD, &old, nullptr);
}

TEST_CASE("quiet_spawn: session, stdio, fds, signals and environment of the program", "[intercept]") {
    const int keep = open("/dev/null", O_RDONLY);  // no O_CLOEXEC: only the spawn may drop it
    REQUIRE(keep >= 3);
    signal(SIGUSR1, SIG_IGN);
    sigset_t usr2, old_mask;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, &old_mask);
    setenv("LD_PRELOAD", "", 1);

    // Each failed check sets one bit of the exit status.
    // The shell's own masks are read first and with builtins only: while it waits for a command
    // it runs, dash may block signals itself, so a grep of /proc/$$/status could catch that.
    const std::string script = "r=0; ig=x; bl=x\n"
                               "while read -r k v; do case $k in SigIgn:) ig=$v;; SigBlk:) bl=$v;; esac; "
                               "done < /proc/$$/status\n"
                               "case $ig in *[!0]*) r=$((r | 16));; esac\n"
                               "case $bl in *[!0]*) r=$((r | 32));; esac\n"
                               "[ -e /proc/$$/fd/" + std::to_string(keep) +
                               " ] && r=$((r | 1))\n"
                               "[ -n \"${LD_PRELOAD+x}\" ] && r=$((r | 2))\n"
                               "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ] || r=$((r | 4))\n"
                               "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || r=$((r | 4))\n"
                               "set -- $(cat /proc/$$/stat); [ \"$4\" = \"$6\" ] || r=$((r | 8))\n"  // sid = Q
                               "echo to-stderr >&2; exit $r";
    const std::string err = temp_path("stderr");
    const int st = run_sh(script.c_str(), err.c_str());

    unsetenv("LD_PRELOAD");
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    signal(SIGUSR1, SIG_DFL);
    close(keep);

    REQUIRE(st != -1);
    REQUIRE(WIFEXITED(st));
    const int r = WEXITSTATUS(st);
    CHECK((r & 1) == 0);   // the caller's fd above 2 is closed
    CHECK((r & 2) == 0);   // LD_PRELOAD is gone
    CHECK((r & 4) == 0);   // stdin and stdout are /dev/null
    CHECK((r & 8) == 0);   // its session is Q's, not ours
    CHECK((r & 16) == 0);  // nothing ignored
    CHECK((r & 32) == 0);  // nothing blocked
    std::ifstream f(err);
    std::stringstream got;
    got << f.rdbuf();
    CHECK(got.str() == "to-stderr\n");
    unlink(err.c_str());
}

TEST_CASE("quiet_spawn: a program that cannot be executed: 127, named on its stderr", "[intercept]") {
    const std::string err = temp_path("noexec");
    char arg0[] = "x";
    char* argv[] = {arg0, nullptr};
    const pid_t q = zti::quiet_spawn(zti::QuietSpawn{"/nonexistent/program", argv, err.c_str()});
    REQUIRE(q > 0);
    int st = 0;
    REQUIRE(zti::wait_quiet_child(q, &st, 0) == q);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 127);
    std::ifstream f(err);
    std::stringstream got;
    got << f.rdbuf();
    CHECK(got.str() == "cannot execute /nonexistent/program\n");
    unlink(err.c_str());
}

TEST_CASE("quiet_spawn: stderr_fd carries the program's stderr; stdin and stdout are /dev/null", "[intercept]") {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    char sh[] = "sh";
    char c[] = "-c";
    char body[] = "[ \"$(readlink /proc/$$/fd/1)\" = /dev/null ] && [ \"$(readlink /proc/$$/fd/0)\" = /dev/null ]"
                  " || exit 3; echo 'ztnode: the reason' >&2; exit 1";
    char* argv[] = {sh, c, body, nullptr};
    zti::QuietSpawn spawn{"sh", argv, "/nonexistent/dir/never-used"};
    spawn.stderr_fd = p[1];
    const pid_t q = zti::quiet_spawn(spawn);
    close(p[1]);
    REQUIRE(q > 0);
    int st = 0;
    REQUIRE(zti::wait_quiet_child(q, &st, 0) == q);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 1);
    std::string got;
    char buf[256];
    for (ssize_t n; (n = read(p[0], buf, sizeof buf)) > 0;) got.append(buf, size_t(n));
    close(p[0]);
    CHECK(got == "ztnode: the reason\n");  // EOF came: no copy of the write end stayed open
}

TEST_CASE("find_executable: a path is checked, a bare name is looked up on PATH", "[intercept]") {
    char out[PATH_MAX];
    CHECK(zti::find_executable("sh", out, sizeof out));
    CHECK(out[0] == '/');
    CHECK(access(out, X_OK) == 0);
    errno = 0;
    CHECK_FALSE(zti::find_executable("/nonexistent/ztnode", out, sizeof out));
    CHECK(errno == ENOENT);
    errno = 0;
    CHECK_FALSE(zti::find_executable("zti-no-such-program-anywhere", out, sizeof out));
    CHECK(errno == ENOENT);
    const std::string plain = temp_path("plain");
    const int fd = open(plain.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);  // a file, not executable
    REQUIRE(fd >= 0);
    close(fd);
    errno = 0;
    CHECK_FALSE(zti::find_executable(plain.c_str(), out, sizeof out));
    CHECK(errno == EACCES);
    unlink(plain.c_str());
}

// Run under the shim with a home whose node is not running: the connect below makes the shim
// start the node. The program then forks one child that exits with 7 and checks that wait()
// returns exactly that child, that exactly one SIGCHLD arrived, that a further wait() fails with
// ECHILD at once, and that the kernel lists no child: the node and the processes that start it
// are never the app's to see.
//
//   wait_children VIRTUAL_IP PORT
//   wait_children --subreaper-exec PROGRAM [ARGS...]
// The second form makes itself a child subreaper (PR_SET_CHILD_SUBREAPER: orphans of its
// descendants are reparented to it) and executes PROGRAM, which keeps the flag: e.g. ztrun,
// running the first form.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_sigchld = 0;

void on_sigchld(int) { g_sigchld = g_sigchld + 1; }

void on_alarm(int) {
    static const char msg[] = "FAIL: blocked (a wait() that should have returned)\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(2);
}

int failures = 0;

void check(bool ok, const std::string& what) {
    printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
    fflush(stdout);
    if (!ok) ++failures;
}

// Sleeps `ms` through any signal.
void settle(int ms) {
    timespec ts{ms / 1000, long(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// The pids the kernel lists as our children (alive or zombie, of any exit signal).
std::vector<int> kernel_children() {
    std::ifstream f("/proc/self/task/" + std::to_string(getpid()) + "/children");
    std::vector<int> pids;
    for (int p; f >> p;) pids.push_back(p);
    return pids;
}

std::string comm_of(int pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/comm");
    std::string s;
    std::getline(f, s);
    return s;
}

std::string describe(const std::vector<int>& pids) {
    std::ostringstream o;
    for (int p : pids) o << " " << p << "(" << comm_of(p) << ")";
    return pids.empty() ? " none" : o.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 2 && strcmp(argv[1], "--subreaper-exec") == 0) {
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
            perror("prctl(PR_SET_CHILD_SUBREAPER)");
            return 2;
        }
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        return 2;
    }
    if (argc != 3 || !getenv("LD_PRELOAD") || !getenv("ZT_HOME")) {
        fprintf(stderr, "usage: LD_PRELOAD=libztintercept.so ZT_HOME=... wait_children VIRTUAL_IP PORT\n");
        return 2;
    }
    const char* ip = argv[1];
    const char* port = argv[2];
    int subreaper = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0);
    printf("pid %d%s\n", int(getpid()), subreaper ? ", a child subreaper" : "");
    struct sigaction sa{};
    sa.sa_handler = on_sigchld;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, nullptr);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, nullptr);
    alarm(30);

    // The shim starts the node here (no node serves the home yet).
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(uint16_t(atoi(port)));
    if (inet_pton(AF_INET, ip, &dst.sin_addr) != 1) {
        fprintf(stderr, "bad address %s\n", ip);
        return 2;
    }
    const int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int r = connect(s, reinterpret_cast<sockaddr*>(&dst), sizeof dst);
    printf("connect %s:%s: %s\n", ip, port, r == 0 ? "0" : strerror(errno));
    settle(300);  // time for whatever the start leaves behind to exit and signal us
    check(g_sigchld == 0, "no SIGCHLD before our own child (got " + std::to_string(int(g_sigchld)) + ")");

    const pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 2;
    }
    if (child == 0) _exit(7);
    int st = 0;
    const pid_t got = wait(&st);
    check(got == child, "wait() returns our child " + std::to_string(child) + " (got " + std::to_string(got) + ")");
    check(got == child && WIFEXITED(st) && WEXITSTATUS(st) == 7,
          "with its status 7 (raw status " + std::to_string(st) + ")");
    settle(300);
    check(g_sigchld == 1, "exactly one SIGCHLD (got " + std::to_string(int(g_sigchld)) + ")");

    errno = 0;
    const pid_t again = wait(&st);
    const int wait_errno = errno;
    check(again == -1 && wait_errno == ECHILD,
          "a second wait() fails with ECHILD (got " + std::to_string(again) + ", " + strerror(wait_errno) + ")");
    siginfo_t si{};
    errno = 0;
    const int w = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
    check(w == -1 && errno == ECHILD, "waitid(P_ALL) fails with ECHILD");

    // The kernel's own list, which shows every child, zombie or alive, of any exit signal.
    const std::vector<int> kids = kernel_children();
    check(kids.empty(), "no children left in /proc:" + describe(kids));
    alarm(0);
    if (s >= 0) close(s);
    return failures == 0 ? 0 : 1;
}

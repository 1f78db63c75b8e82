// Run under the shim (LD_PRELOAD and ZT_HOME set): a child that drops LD_PRELOAD and ZT_* from
// its environment and then calls execl, execlp or execle (with a scrubbed envp) must still
// start `env` with our library in LD_PRELOAD and ZT_HOME back, as with execve. glibc's execl*
// reach its internal execve, so without their own hooks the program would run unwrapped.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace {

std::string run(const char* how) {
    int p[2];
    if (pipe(p) != 0) return "pipe failed";
    pid_t pid = fork();
    if (pid == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        unsetenv("LD_PRELOAD");
        unsetenv("ZT_HOME");
        char path_var[] = "PATH=/usr/bin:/bin";
        char* scrubbed[] = {path_var, nullptr};
        if (strcmp(how, "execl") == 0) execl("/usr/bin/env", "env", static_cast<char*>(nullptr));
        if (strcmp(how, "execlp") == 0) execlp("env", "env", static_cast<char*>(nullptr));
        if (strcmp(how, "execle") == 0) execle("/usr/bin/env", "env", static_cast<char*>(nullptr), scrubbed);
        _exit(127);
    }
    close(p[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = read(p[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "exit status " + std::to_string(status);
    return out;
}

}  // namespace

int main() {
    const char* preload = getenv("LD_PRELOAD");
    const char* home = getenv("ZT_HOME");
    if (!preload || !strstr(preload, "libztintercept.so") || !home) {
        fprintf(stderr, "run me with LD_PRELOAD=.../libztintercept.so and ZT_HOME set\n");
        return 1;
    }
    int failures = 0;
    for (const char* how : {"execl", "execlp", "execle"}) {
        std::string env = run(how);
        bool preload_back = env.find("\nLD_PRELOAD=") != std::string::npos || env.rfind("LD_PRELOAD=", 0) == 0;
        bool lib_back = env.find("libztintercept.so") != std::string::npos;
        bool home_back = env.find(std::string("ZT_HOME=") + home) != std::string::npos;
        if (preload_back && lib_back && home_back) {
            printf("ok %s: the child runs wrapped\n", how);
        } else {
            printf("FAIL %s: LD_PRELOAD %s, library %s, ZT_HOME %s; env printed:\n%s\n", how, preload_back ? "yes" : "no",
                   lib_back ? "yes" : "no", home_back ? "yes" : "no", env.c_str());
            ++failures;
        }
    }
    return failures ? 1 : 0;
}

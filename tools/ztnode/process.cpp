// Home directory, lock file, daemonizing, logging (process.hpp).
#include "tools/ztnode/process.hpp"

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "ipc/control_protocol.hpp"
#include "stack/names.hpp"

namespace zt::node {

bool ensure_home(const std::string& dir, std::string& real, std::string& error) {
    std::string partial;
    size_t pos = 0;
    while (pos < dir.size()) {
        size_t next = dir.find('/', pos + 1);
        if (next == std::string::npos) next = dir.size();
        partial = dir.substr(0, next);
        pos = next;
        if (partial.empty() || partial == "/") continue;
        if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
            error = "home " + dir + ": cannot create " + partial + ": " + std::strerror(errno);
            return false;
        }
    }
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = "home " + dir + ": not a directory";
        return false;
    }
    char buf[PATH_MAX];
    if (!::realpath(dir.c_str(), buf)) {
        error = "home " + dir + ": " + std::strerror(errno);
        return false;
    }
    // The identity, the lock, the log and the access key are made there.
    if (::access(buf, W_OK | X_OK) != 0) {
        error = "home " + std::string(buf) + ": not writable by uid " + std::to_string(::getuid()) + ": " +
                std::strerror(errno);
        return false;
    }
    real = buf;
    return true;
}

bool control_socket_answers(uint64_t home_hash) {
    int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    stack::UnixName name = stack::node_name(ztctl::NameKind::control, home_hash);
    // Non-blocking: a full backlog (EAGAIN) means a node is there, just busy.
    bool ok = ::connect(fd, name.addr(), name.len) == 0 || errno == EAGAIN;
    ::close(fd);
    return ok;
}

LockResult acquire_lock(const std::string& path, uint64_t home_hash, int wait_ms, int& fd, std::string& error) {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return LockResult::error;
    }
    for (int waited = 0;; waited += 20) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return LockResult::acquired;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            error = path + ": flock: " + std::strerror(errno);
            break;
        }
        // Another node holds the home. If it serves, we are not needed; if it is on its way
        // out (lingering exit), wait for it to let go so that the caller still gets a node.
        if (control_socket_answers(home_hash) || waited >= wait_ms) {
            ::close(fd);
            fd = -1;
            return LockResult::held_elsewhere;
        }
        timespec ts{0, 20 * 1000 * 1000};
        ::nanosleep(&ts, nullptr);
    }
    ::close(fd);
    fd = -1;
    return LockResult::error;
}

bool daemonize(std::string& error) {
    pid_t p = ::fork();
    if (p < 0) {
        error = std::string("fork: ") + std::strerror(errno);
        return false;
    }
    if (p > 0) ::_exit(0);  // our starter's parent reaps this one
    ::setsid();
    p = ::fork();
    if (p < 0) ::_exit(1);
    if (p > 0) ::_exit(0);  // the session leader goes too: we can never get a terminal
    if (::chdir("/") != 0) {
    }
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        ::dup2(devnull, 0);
        ::dup2(devnull, 1);
        ::dup2(devnull, 2);
        if (devnull > 2) ::close(devnull);
    }
    return true;
}

bool setup_logging(const std::string& path, const std::string& level, std::string& error) {
    // The log may name peers and addresses: owner-only, like the rest of the home.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) ::close(fd);
    try {
        auto logger = spdlog::basic_logger_st("ztnode", path);
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e [%P] %l: %v");
        logger->set_level(spdlog::level::from_str(level));
        logger->flush_on(spdlog::level::trace);  // few lines; keep the file current for readers
        spdlog::set_default_logger(logger);
    } catch (const std::exception& e) {
        error = path + ": cannot open the log: " + e.what();
        return false;
    }
    return true;
}

}  // namespace zt::node

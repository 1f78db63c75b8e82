// Status socket (status_server.hpp). Requests are tiny and answered at once, on the loop
// thread: a client that does not send its line within the read is simply closed.
#include "tools/ztnode/link/status_server.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "ipc/control_protocol.hpp"

namespace zt::link {

namespace {

socklen_t status_name(uint64_t hash, sockaddr_un& sa) {
    std::memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t n = ztctl::write_name_header(sa.sun_path, ztctl::NameKind::status, hash);
    return socklen_t(offsetof(sockaddr_un, sun_path) + n);
}

void write_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        off += size_t(n);
    }
}

}  // namespace

StatusServer::StatusServer(stack::Reactor& loop, uint64_t home_hash, Render render)
    : loop_(loop), home_hash_(home_hash), render_(std::move(render)) {}

StatusServer::~StatusServer() {
    if (fd_ >= 0) {
        loop_.remove_fd(fd_);
        ::close(fd_);
    }
}

bool StatusServer::start(std::string& error) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un sa;
    socklen_t len = status_name(home_hash_, sa);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), len) != 0 || ::listen(fd_, 16) != 0) {
        error = std::string("status socket: ") + std::strerror(errno);
        return false;
    }
    return loop_.add_fd(fd_, EPOLLIN, [this](uint32_t) { on_accept(); });
}

void StatusServer::on_accept() {
    for (;;) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        ucred cred{};
        socklen_t clen = sizeof cred;
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 || cred.uid != ::getuid()) {
            ::close(c);
            continue;
        }
        // The request is one short line; wait for it briefly (the client sends it at once).
        char req[256] = {};
        pollfd p{c, POLLIN, 0};
        if (::poll(&p, 1, 200) == 1) {
            ssize_t n = ::recv(c, req, sizeof req - 1, 0);
            if (n < 0) n = 0;
            req[n] = 0;
        }
        std::string_view line(req);
        if (size_t nl = line.find('\n'); nl != std::string_view::npos) line = line.substr(0, nl);
        write_all(c, render_(line));
        ::close(c);
    }
}

bool connect_status(uint64_t home_hash, int& fd_out, std::string& error) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sa;
    socklen_t len = status_name(home_hash, sa);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), len) != 0) {
        error = std::string("no node is running for this home (") + std::strerror(errno) + ")";
        if (fd >= 0) ::close(fd);
        return false;
    }
    fd_out = fd;
    return true;
}

bool query_status(uint64_t home_hash, std::string_view request, std::string& answer, std::string& error) {
    int fd = -1;
    if (!connect_status(home_hash, fd, error)) return false;
    std::string line = std::string(request) + "\n";
    write_all(fd, line);
    answer.clear();
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        answer.append(buf, size_t(n));
    }
    ::close(fd);
    return true;
}

}  // namespace zt::link

// The controller's DNS responder (dns.hpp).
#include "tools/ztcontroller/dns.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "tools/ztcontroller/store.hpp"
#include "stack/sockaddr.hpp"

namespace zt::ctl::dns {

namespace {

constexpr size_t kMaxMessage = 4096;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(uint8_t(c)));
    return out;
}

}  // namespace

Answer lookup_members(const ControllerStore& store, std::string_view name) {
    Answer a;
    for (NetworkId nwid : store.networks()) {
        auto net = store.network(nwid);
        if (!net || !net->is_object()) continue;
        auto dns = net->find("dns");
        if (dns == net->end() || !dns->is_object()) continue;
        auto d = dns->find("domain");
        if (d == dns->end() || !d->is_string()) continue;
        std::string domain = lower(d->get<std::string>());
        while (!domain.empty() && domain.back() == '.') domain.pop_back();
        if (domain.empty()) continue;
        if (name == domain) {
            a.in_zone = a.found = true;
            continue;
        }
        if (name.size() <= domain.size() + 1 || !name.ends_with(domain) || name[name.size() - domain.size() - 1] != '.')
            continue;
        a.in_zone = true;
        const std::string_view label = name.substr(0, name.size() - domain.size() - 1);
        if (label.find('.') != std::string_view::npos) continue;
        for (const auto& m : store.member_records(nwid)) {
            auto n = m.find("name");
            auto au = m.find("authorized");
            if (n == m.end() || !n->is_string() || lower(n->get<std::string>()) != label) continue;
            if (au == m.end() || !au->is_boolean() || !au->get<bool>()) continue;
            a.found = true;
            auto ips = m.find("ipAssignments");
            if (ips == m.end() || !ips->is_array()) continue;
            for (const auto& ip : *ips)
                if (ip.is_string())
                    if (auto addr = stack::InetAddr::parse_ip(ip.get<std::string>())) a.addrs.push_back(*addr);
        }
    }
    return a;
}

Server::Server(node::EventLoop& loop, Lookup lookup) : loop_(loop), lookup_(std::move(lookup)) {}

Server::~Server() {
    if (fd_ >= 0) {
        loop_.remove_fd(fd_);
        ::close(fd_);
    }
}

bool Server::start(const stack::InetAddr& at, std::string& error) {
    fd_ = ::socket(at.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_storage ss;
    socklen_t len = stack::to_sockaddr(at, ss);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        error = "dns " + at.to_string() + ": " + std::strerror(errno);
        return false;
    }
    loop_.add_fd(fd_, EPOLLIN, [this](uint32_t) { on_readable(); });
    return true;
}

void Server::on_readable() {
    uint8_t buf[kMaxMessage];
    for (int i = 0; i < 64; ++i) {
        sockaddr_storage from{};
        socklen_t fl = sizeof from;
        ssize_t n = ::recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n < 0) return;
        auto out = respond(std::span(buf, size_t(n)), lookup_);
        if (out.empty()) continue;
        if (::sendto(fd_, out.data(), out.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), fl) >= 0) ++answered_;
    }
}

}  // namespace zt::ctl::dns

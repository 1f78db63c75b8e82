// TEST ONLY: frames in UDP datagrams (raw_udp_link.hpp).
#include "test/stack/raw_udp_link.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace zt::test {

namespace {

class RawUdpLink final : public node::Link {
public:
    explicit RawUdpLink(const node::Config& cfg) : cfg_(cfg) {
        if (const char* a = std::getenv("ZT_TEST_NODE_ADDRESS"))
            if (auto addr = Address::parse(a)) self_ = *addr;
    }
    ~RawUdpLink() override { stop(); }

    bool start(node::LinkHost& host, std::string& error) override {
        host_ = &host;
        if (self_.is_zero()) {
            error = "ZT_TEST_NODE_ADDRESS must be a 10-hex address";
            return false;
        }
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int buf = 8 << 20;
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
        ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(cfg_.port);
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
            error = "raw udp link: bind 127.0.0.1:" + std::to_string(cfg_.port) + ": " + std::strerror(errno);
            return false;
        }
        host.loop().add_fd(fd_, EPOLLIN, [this](uint32_t) { on_readable(); });
        return true;
    }

    Address address() const override { return self_; }

    std::vector<node::LinkNetwork> networks() const override {
        std::vector<node::LinkNetwork> out;
        for (const auto& n : cfg_.networks) out.push_back({n.nwid, cfg_.mtu, n.addrs, {}, false, {}, {}});
        return out;
    }

    void send_frame(NetworkId nwid, std::span<const uint8_t> frame) override {
        if (frame.size() < 14 || fd_ < 0) return;
        Mac dst = Mac::from_bytes(frame.data());
        out_.resize(8 + frame.size());
        for (int i = 0; i < 8; ++i) out_[size_t(i)] = uint8_t(nwid.value >> (56 - 8 * i));
        std::memcpy(out_.data() + 8, frame.data(), frame.size());
        for (const auto& p : cfg_.peers) {
            if (!dst.is_multicast() && Mac::from_address(p.address, nwid) != dst) continue;
            sockaddr_in sin{};
            sin.sin_family = AF_INET;
            sin.sin_port = htons(p.endpoint.port);
            std::memcpy(&sin.sin_addr, p.endpoint.ip.data(), 4);
            // A full socket buffer drops the frame, as a real link would; TCP retransmits.
            ::sendto(fd_, out_.data(), out_.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
        }
    }

    void stop() override {
        if (fd_ < 0) return;
        if (host_) host_->loop().remove_fd(fd_);
        ::close(fd_);
        fd_ = -1;
    }

private:
    void on_readable() {
        uint8_t buf[65536];
        for (int i = 0; i < 256; ++i) {
            ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
            if (n < 0) return;
            if (n < 8 + 14) continue;
            uint64_t nwid = 0;
            for (int k = 0; k < 8; ++k) nwid = (nwid << 8) | buf[k];
            host_->deliver_frame(NetworkId{nwid}, std::span<const uint8_t>(buf + 8, size_t(n) - 8));
        }
    }

    node::Config cfg_;
    Address self_;
    node::LinkHost* host_ = nullptr;
    int fd_ = -1;
    std::vector<uint8_t> out_;
};

}  // namespace

std::unique_ptr<node::Link> make_raw_udp_link(const node::Config& cfg) { return std::make_unique<RawUdpLink>(cfg); }

}  // namespace zt::test

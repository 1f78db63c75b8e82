// TEST ONLY: a tiny client of the shim<->node protocol (ipc/control_protocol.hpp), used
// by the integration tests in place of the shim: control requests, the TCP connect preamble,
// app listeners on 'L' names, UDP pairs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ipc/control_protocol.hpp"
#include "stack/inet.hpp"
#include "stack/names.hpp"

namespace zt::test {

// Connects to the node's 'K' socket; -1 on failure.
int ctl_connect(uint64_t home_hash);

class Ctl {
public:
    explicit Ctl(uint64_t home_hash);
    ~Ctl();
    Ctl(const Ctl&) = delete;
    Ctl& operator=(const Ctl&) = delete;

    bool ok() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    uint64_t home_hash() const { return hash_; }

    // Sends `req` (its header's req_id is filled in) and reads the reply into `out` (size of
    // the reply message in `out_len`); a passed fd lands in `passed_fd`. False on I/O failure.
    bool call(void* req, size_t req_len, void* out, size_t out_cap, size_t* out_len = nullptr,
              int* passed_fd = nullptr, int timeout_ms = 5000);

    struct Hello {
        int err = -1;
        uint64_t node_address = 0;
        std::vector<ztctl::NetworkInfo> networks;
    };
    Hello hello();
    ztctl::BindReply tcp_bind(uint64_t sock_id, const stack::InetAddr& local, bool reuse = false, bool v6only = false);
    int tcp_listen(uint64_t sock_id, int backlog = 128);
    int tcp_release(uint64_t sock_id);
    ztctl::ConnStatusReply conn_status(uint64_t conn_id);
    int set_option(uint64_t id, ztctl::OptionId opt, int32_t value);
    // udp_open: returns the app's SEQPACKET end (or -1) and the reply.
    int udp_open(uint64_t sock_id, const stack::InetAddr& local, ztctl::BindReply& rep);
    ztctl::BindReply udp_connect(uint64_t sock_id, const stack::InetAddr& peer);

private:
    int fd_ = -1;
    uint64_t hash_;
    uint32_t next_req_ = 1;
};

// Opens a carrier to the node's 'T' socket and writes the preamble for `peer` (total length
// SO_SNDBUF/4 + 4 KiB). Returns the fd (blocking) or -1. `pollout_hidden` reports whether a
// 0-timeout poll right after the preamble showed the fd not writable *as a connected socket*:
// no POLLOUT, or POLLOUT only together with POLLERR/POLLHUP (the node already failed the
// connection: a refusal can come back before we poll, on a busy machine). It is false only if
// the fd looked connected before the node could have connected it.
int tcp_connect(uint64_t home_hash, const stack::InetAddr& peer, uint64_t conn_id, bool* pollout_hidden = nullptr,
                uint32_t flags = 0, uint64_t sock_id = 0);

// An app listener: tcp_bind + a unix listener on the 'L' name + tcp_listen. Returns the
// listening fd (-1 on failure) and the bound address.
int tcp_listener(Ctl& ctl, uint64_t sock_id, const stack::InetAddr& local, stack::InetAddr* bound = nullptr,
                 bool reuseaddr = false);

// Accepts on an 'L' listener within `timeout_ms`; decodes the 'A' name into peer/local/uniq.
struct Accepted {
    int fd = -1;
    stack::InetAddr peer, local;
    uint64_t uniq = 0;
};
Accepted accept_virtual(int listen_fd, int timeout_ms);

// poll() one fd for `events`; returns revents (0 on timeout).
short wait_for(int fd, short events, int timeout_ms);

// UDP message helpers (UdpHeader + payload).
bool udp_send(int fd, const stack::InetAddr& to, const void* data, size_t len);
// Returns the payload length, or -1 on timeout/error; `from` gets the source.
long udp_recv(int fd, stack::InetAddr& from, void* data, size_t cap, int timeout_ms);

uint64_t random_id();

}  // namespace zt::test

// PRIVATE to stack/: a TCP connection from one of our apps to one of our own virtual
// addresses, carried without lwIP (lwIP's loopback path needs the tcpip thread we do not run).
// The client's carrier (preamble unread) is relayed to a fresh connection into the matching
// app listener's 'L' socket, made from a connector bound to an 'A' name like any accepted
// connection. Bytes are copied both ways with back-pressure; EOF becomes shutdown(SHUT_WR).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "stack/inet.hpp"
#include "stack/names.hpp"
#include "stack/reactor.hpp"

namespace zt::stack {

class TcpBridge;
class StackContext;
struct SocketInfo;
struct UnixSocketTable;

class UnixSplice {
public:
    // `client_fd`: the 'T' connection with `preamble_len` unread bytes; `connector_fd`: an
    // unconnected stream socket bound to the 'A' name. Takes ownership of both. `client` and
    // `server` are the connection's two addresses (for sockets()).
    UnixSplice(TcpBridge& bridge, StackContext& ctx, int client_fd, int connector_fd, uint64_t conn_id,
               uint32_t preamble_len, uint64_t listener_sock_id, const UnixName& lname, const InetAddr& client,
               const InetAddr& server);
    ~UnixSplice();
    UnixSplice(const UnixSplice&) = delete;
    UnixSplice& operator=(const UnixSplice&) = delete;

    // Bytes for the listener ahead of the client's (a node-made connection: Stack::connect_external).
    void set_upstream_prefix(std::vector<uint8_t> prefix);
    void start();   // connects to the listener (retrying while its backlog is full)
    void abort();   // closes both ends at once
    bool done() const { return done_; }
    uint64_t conn_id() const { return conn_id_; }
    // For Stack::sockets: a row for the client's end and, once connected, one for the listening
    // program's end.
    void describe(const UnixSocketTable& table, std::vector<SocketInfo>& out) const;

private:
    struct Dir {
        int from = -1, to = -1;
        std::vector<uint8_t> buf;
        size_t off = 0, len = 0;
        uint64_t moved = 0;  // bytes delivered to `to`
        bool eof = false, shut = false;
    };

    void try_connect();
    void fail(int err);
    void handle(int fd, uint32_t events);
    bool skip_preamble();  // reads what has arrived of it; false at EOF before its end
    bool pump(Dir& d);  // false if the splice was torn down
    void update_interest();
    void close_all();    // closes both ends and retires the object
    void release_fds();

    TcpBridge& bridge_;
    StackContext& ctx_;
    int client_fd_, conn_fd_;
    const uint64_t conn_id_;
    uint32_t preamble_len_;  // what is left of the client's preamble
    uint64_t listener_sock_id_;
    UnixName lname_;
    InetAddr client_, server_;
    Ticks deadline_ = 0;
    Reactor::TimerId retry_timer_ = 0;
    bool relaying_ = false, done_ = false;
    bool client_watched_ = false, conn_watched_ = false;
    Dir up_, down_;  // up: client -> listener app, down: listener app -> client
};

}  // namespace zt::stack

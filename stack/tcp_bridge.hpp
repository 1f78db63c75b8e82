// PRIVATE to stack/: the node side of the TCP fd model (docs/ARCHITECTURE.md): the 'T'
// connect listener and its preambles, tcp_bind reservations, lwIP listeners that connect
// accepted connections to the apps' 'L' sockets, connection status records, and the
// connections themselves (TcpConn through lwIP, UnixSplice to our own addresses).
#pragma once

#include <lwip/tcp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "ipc/control_protocol.hpp"
#include "stack/inet.hpp"
#include "stack/names.hpp"
#include "stack/stack.hpp"
#include "stack/tcp_conn.hpp"
#include "stack/unix_listeners.hpp"
#include "stack/unix_splice.hpp"

namespace zt::stack {

class StackContext;

class TcpBridge {
public:
    explicit TcpBridge(StackContext& ctx);
    ~TcpBridge();
    TcpBridge(const TcpBridge&) = delete;
    TcpBridge& operator=(const TcpBridge&) = delete;

    bool start(std::string& error);  // opens 'T'
    int accept_pending();            // accepts what waits on 'T'; returns how many
    void stop_accepting();           // closes 'T'

    Stack::BindResult bind(const ztctl::TcpBind& req, pid_t pid);
    int listen(const ztctl::TcpListen& req);
    int adopt_listeners(std::vector<KeyedListener>& keyed);  // Stack::adopt_listeners
    int release(uint64_t sock_id);
    Stack::ConnStatus status(uint64_t conn_id) const;
    int set_option(const ztctl::SetOption& req);
    size_t live_count() const;

    // Node-made connections (Stack::connect_external, Stack::expose): see stack.hpp.
    void connect_external(int fd, const InetAddr& dst, std::vector<uint8_t> prefix, Stack::ExternalDone done);
    int expose(const InetAddr& vaddr, const InetAddr& target);
    // Stack::sockets: listeners and bound ports, connections, splices.
    void sockets(const UnixSocketTable& table, std::vector<SocketInfo>& out) const;

    // --- for TcpConn and UnixSplice ---
    void record(uint64_t conn_id, ztctl::ConnState state, int err, const InetAddr& local, const InetAddr& peer);
    void record_end(uint64_t conn_id, ztctl::ConnState state, int err);
    // The connection is gone; a record still connecting/established becomes closed (err 0).
    void record_finished(uint64_t conn_id);
    // The app listener behind `sock_id` refused a connection: it is gone; close it.
    void listener_gone(uint64_t sock_id);
    // Runs c->run_scheduled() after the current handler returns (once, however often asked).
    void schedule(TcpConn* c);
    // Deletes the object from the loop, after the current handler returns.
    void retire(TcpConn* c);
    void retire(UnixSplice* s);
    uint64_t next_uniq() { return ++uniq_; }
    // Creates a non-blocking stream socket bound to the 'A' name (peer, local, uniq); -1 on error.
    int make_connector(const InetAddr& peer, const InetAddr& local, uint64_t uniq);

private:
    struct Reservation {
        uint64_t sock_id = 0;
        struct tcp_pcb* pcb = nullptr;  // bound (CLOSED) or, once listening, the listen pcb
        bool listening = false;
        bool v6only = false;
        ztctl::NameAddr bound{};        // as in BindReply: wildcard kept, port filled in
        UnixName lname;
        KeepaliveOpts keepalive;
        TcpBridge* bridge = nullptr;
        // SO_REUSEPORT groups: one lwIP pcb per address; the reservation that holds it deals the
        // accepted connections round-robin among the group's listening members.
        bool reuseport = false;
        uint64_t owner = 0;               // a member: the sock_id whose pcb serves the group
        std::vector<uint64_t> members;    // the owner: the others
        size_t next = 0;                  // the owner: round-robin position
        pid_t pid = 0;                  // the process that bound it (0: taken over from another node)
    };
    struct Pending {
        Reactor::TimerId timer = 0;
        Ticks deadline = 0;
        bool trusted = false;  // the node's own uid; others need the access key
    };
    struct Record {
        ztctl::ConnState state = ztctl::ConnState::unknown;
        int err = 0;
        InetAddr local, peer;
        Ticks expires = 0;  // 0 while the connection lives
    };

    static err_t on_accept_cb(void* arg, struct tcp_pcb* newpcb, err_t err);
    err_t handle_accept(Reservation& r, struct tcp_pcb* newpcb);
    Reservation* group_owner_for(const ztctl::NameAddr& bound, bool v6only);
    Reservation& pick_member(Reservation& owner);
    int ensure_listening(Reservation& owner, int backlog);

    int on_t_readable();  // returns the number of connections accepted
    void on_pending(int fd);
    void drop_pending(int fd);
    // `prefix`: bytes sent to the destination before any read from `fd` (external connections).
    void start_connect(int fd, const ztctl::PreambleHeader& h, std::vector<uint8_t> prefix = {}, bool external = false);
    void start_splice(int fd, const ztctl::PreambleHeader& h, const InetAddr& dst, std::vector<uint8_t> prefix);
    void fail_connect(int fd, uint64_t conn_id, int err, const InetAddr& peer);
    Reservation* find_listener_for(const InetAddr& dst);
    bool listener_alive(const Reservation& r) const;
    void close_reservation(uint64_t sock_id);
    void sweep();
    void run_scheduled();

    // A virtual address:port where lwIP listens and each accepted connection is bridged to a
    // kernel TCP connection to `target` (Stack::expose).
    struct Expose {
        struct tcp_pcb* pcb = nullptr;  // listening
        InetAddr vaddr, target;
        TcpBridge* bridge = nullptr;
    };
    static err_t on_expose_accept_cb(void* arg, struct tcp_pcb* newpcb, err_t err);
    err_t handle_expose_accept(Expose& e, struct tcp_pcb* newpcb);
    // Reports the first established/failed/closed state of an external connection, once.
    void notify_external(uint64_t conn_id, ztctl::ConnState state, int err, const InetAddr& local);

    StackContext& ctx_;
    std::vector<TcpConn*> scheduled_;  // live in conns_ when queued; checked again when run
    bool scheduled_pending_ = false;
    int t_fd_ = -1;
    uint64_t uniq_ = 0;
    uint16_t next_splice_port_ = 0;
    Reactor::TimerId sweep_timer_ = 0;
    std::unordered_map<uint64_t, std::unique_ptr<Reservation>> reservations_;
    std::unordered_map<int, Pending> pending_;
    std::unordered_map<TcpConn*, std::unique_ptr<TcpConn>> conns_;
    std::unordered_map<UnixSplice*, std::unique_ptr<UnixSplice>> splices_;
    std::unordered_map<uint64_t, Record> records_;
    std::unordered_map<uint64_t, Stack::ExternalDone> external_;  // by conn_id, until notified
    std::vector<std::unique_ptr<Expose>> exposes_;
};

}  // namespace zt::stack

// PRIVATE to stack/: one bridged TCP connection, an lwIP pcb on one side and the node's end
// of an AF_UNIX stream (the app's carrier) on the other.
//
// States:
//   connecting  client: tcp_connect sent; the app's preamble stays unread, so the app sees no
//               POLLOUT. established -> consume the preamble in one recv -> open.
//               err callback -> record the reason, close the fd unread (app: OUT|ERR|HUP).
//               IPv4 next hop still unresolved by ARP after 3 s -> EHOSTUNREACH, as a kernel
//               reports a host that does not answer ARP.
//   linking     accepted: lwIP accepted; our connector (bound to the 'A' name) connects to the
//               app's 'L' listener; EAGAIN (backlog full) -> retry every 20 ms for 5 s, then
//               RST; ECONNREFUSED -> the listener is gone: RST, and the bridge closes it.
//   open        the pump (below). -> done when both directions have finished, or on RST.
//   done        pcb detached, fd closed; the bridge deletes the object from the loop.
//
// The pump, back-pressure both ways, nothing dropped or reordered:
//   app -> net  recv() from the fd only while tcp_sndbuf() has room; bytes lwIP refuses
//               (ERR_MEM) wait in `carry_`; EPOLLIN is dropped while lwIP is full and the
//               `sent` callback resumes. EOF -> tcp_shutdown(tx) (FIN).
//   net -> app  pbufs queue in `rxq_` and are written to the fd; tcp_recved() only for bytes
//               the fd took, so lwIP's window closes while the app does not read. Remote FIN
//               -> shutdown(fd, SHUT_WR) once the queue is empty.
//   app close   (EPOLLHUP / EPIPE): data still queued for the app, or abort_on_close -> RST;
//               otherwise the app's remaining bytes are sent, then tcp_close (FIN).
//   remote RST  the fd is closed at once (the app reads ECONNRESET if it had unread bytes in
//               flight to us, EOF otherwise).
//
// lwIP may free the pcb under us only through the err callback, which clears pcb_. Before we
// close or abort a pcb ourselves we detach every callback, so lwIP never calls a dead object.
#pragma once

#include <lwip/tcp.h>

#include <cstdint>
#include <deque>
#include <vector>

#include "stack/inet.hpp"
#include "stack/lwip_glue.hpp"
#include "stack/names.hpp"
#include "stack/reactor.hpp"

namespace zt::stack {

class TcpBridge;
class StackContext;
struct SocketInfo;
struct UnixSocketTable;

struct KeepaliveOpts {
    bool on = false;
    uint32_t idle_s = 0, intvl_s = 0, cnt = 0;  // 0 = lwIP default
};
void apply_keepalive(struct tcp_pcb* pcb, const KeepaliveOpts& ka);
// Reads and drops up to `count` bytes that are already queued on `fd`; returns how many.
uint32_t discard(int fd, uint32_t count);

class TcpConn {
public:
    enum class Role : uint8_t { client, accepted };
    enum class State : uint8_t { connecting, linking, open, done };

    // Takes ownership of `pcb` (callbacks installed here) and `fd`.
    TcpConn(TcpBridge& bridge, StackContext& ctx, Role role, struct tcp_pcb* pcb, int fd);
    ~TcpConn();
    TcpConn(const TcpConn&) = delete;
    TcpConn& operator=(const TcpConn&) = delete;

    // client: tcp_connect() has been issued; `fd` holds the unread preamble.
    void begin_connecting(uint64_t conn_id, uint32_t preamble_len, const InetAddr& peer);
    // accepted: `fd` is an unconnected stream socket bound to the 'A' name.
    void begin_linking(uint64_t uniq, uint64_t listener_sock_id, const UnixName& lname);
    // Node-made (Stack::connect_external, Stack::expose): `fd` is a kernel TCP socket, not an
    // app's carrier. `prefix` goes to the network before anything read from `fd`; a RST from
    // the network is passed on as a RST (SO_LINGER 0), as a kernel relay would. Call first.
    void set_external(std::vector<uint8_t> prefix);
    // accepted, external: `fd` is an unconnected kernel socket that connects to `target`.
    void begin_linking_external(uint64_t uniq, const InetAddr& target);

    // keepalive options and abort_on_close; returns an errno.
    int set_option(uint16_t option, int32_t value);
    // Tears the connection down with a RST (node shutdown, listener gone).
    void abort();

    // For Stack::sockets: addresses, state (netstat's names), the program's inode and pid, bytes.
    void describe(const UnixSocketTable& table, SocketInfo& out) const;

    Role role() const { return role_; }
    State state() const { return state_; }
    // The bridge's batch (TcpBridge::run_scheduled): pump both ways, once per batch of input.
    void run_scheduled() {
        scheduled_ = false;
        progress();
    }
    uint64_t conn_id() const { return conn_id_; }
    uint64_t uniq() const { return uniq_; }

private:
    enum class End : uint8_t { close, abort };

    // lwIP callbacks (arg = TcpConn*).
    static err_t on_connected_cb(void* arg, struct tcp_pcb* pcb, err_t err);
    static err_t on_recv_cb(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err);
    static err_t on_sent_cb(void* arg, struct tcp_pcb* pcb, u16_t len);
    static err_t on_poll_cb(void* arg, struct tcp_pcb* pcb);
    static void on_err_cb(void* arg, err_t err);

    void handle_connected();
    void handle_recv(struct pbuf* p);
    void handle_err(err_t err);
    void handle_fd(uint32_t events);
    void try_link();
    void linked();  // linking -> open
    void check_arp();

    void widen_windows();            // once open: beyond Debian lwIP's 64 KB (see .cpp)
    void open_window(size_t bytes);  // the app took `bytes`: tcp_recved, up to wnd_max_
    void progress();  // pump both ways, then settle and update the epoll interest
    void schedule();  // progress() once the current batch of input has been taken in
    void pump_app_to_net();
    void flush_to_app();
    void try_fin();
    void abort_after_output();
    void settle();  // finishes when both directions are done
    void update_interest();
    void finish(End how);
    void install_callbacks();
    void detach_pcb();
    const char* state_name() const;

    TcpBridge& bridge_;
    StackContext& ctx_;
    const Role role_;
    State state_ = State::connecting;
    struct tcp_pcb* pcb_;
    int fd_;
    bool fd_watched_ = false;
    uint32_t watched_events_ = 0;

    uint64_t conn_id_ = 0;   // client: the shim's conn_id (ConnStatus key)
    uint64_t uniq_ = 0;      // accepted: the 'A' name's uniq (SetOption key)
    uint32_t preamble_left_ = 0;
    InetAddr local_, peer_;

    // linking
    bool external_ = false;        // fd is a kernel TCP socket (set_external)
    bool reset_fd_ = false;        // close fd with a RST
    InetAddr target_;              // external linking: where fd connects
    UnixName lname_;
    uint64_t listener_sock_id_ = 0;
    Ticks link_deadline_ = 0;
    Reactor::TimerId link_timer_ = 0;  // linking retries; connecting: the ARP check
    Reactor::TimerId abort_timer_ = 0; // a RST held back until lwIP has sent the app's last bytes

    // pump state
    std::vector<uint8_t> carry_;   // read from the app, refused by tcp_write (ERR_MEM)
    std::deque<PbufRef> rxq_;      // from the network, not yet written to the app
    size_t rx_off_ = 0;            // bytes of rxq_.front() already written
    bool app_eof_ = false;         // recv() returned 0
    bool fin_sent_ = false;        // tcp_shutdown(tx) done
    bool remote_fin_ = false;      // lwIP delivered the FIN
    bool fd_wr_shut_ = false;      // shutdown(fd, SHUT_WR) done
    bool app_gone_ = false;        // the app closed its end (HUP/EPIPE)
    bool abort_on_close_ = false;  // SO_LINGER {1, 0}
    uint32_t wnd_max_ = 0;         // receive window we open up to (0: lwIP's own TCP_WND)
    uint64_t bytes_from_app_ = 0;  // taken by tcp_write (the preamble not counted)
    uint64_t bytes_to_app_ = 0;    // written to the fd

    // lwIP callback bookkeeping: aborting our pcb inside one of its callbacks must be
    // reported to lwIP by returning ERR_ABRT.
    bool app_readable_ = true;  // epoll reported input not yet read to a short read or EAGAIN
    bool scheduled_ = false;  // on the bridge's list for run_scheduled
    int cb_depth_ = 0;
    bool aborted_in_cb_ = false;
    friend struct CallbackScope;
};

}  // namespace zt::stack

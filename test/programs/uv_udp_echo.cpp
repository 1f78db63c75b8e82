// A libuv UDP echo, server and client. Debian's libuv 1.44 sends through sendmmsg and, on
// handles opened with UV_UDP_RECVMMSG, receives through recvmmsg, both by libc's syscall():
//   uv_udp_echo server ADDR PORT   echoes every datagram to its source; prints "listening" and
//                                  "from IP:PORT" for each datagram
//   uv_udp_echo client ADDR PORT N sends "datagram <i>" (i < N) from an unconnected handle, then
//                                  from a connected one (uv_udp_connect), resending what is not
//                                  echoed yet every second; exits 0 when every echo came back
//                                  from ADDR:PORT, 1 after 20 s.
#include <uv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uv_loop_t* g_loop = nullptr;
sockaddr_in g_peer{};

[[noreturn]] void die(const char* what, int err) {
    std::fprintf(stderr, "uv_udp_echo: %s: %s\n", what, uv_strerror(err));
    std::exit(1);
}

void alloc_cb(uv_handle_t*, size_t suggested, uv_buf_t* buf) {
    buf->base = static_cast<char*>(std::malloc(suggested));
    buf->len = suggested;
}

// With recvmmsg libuv hands out one buffer for a batch: each datagram arrives with
// UV_UDP_MMSG_CHUNK, and a last call (UV_UDP_MMSG_FREE, or nread 0) returns the buffer.
void free_unless_chunk(const uv_buf_t* buf, unsigned flags) {
    if (!(flags & UV_UDP_MMSG_CHUNK)) std::free(buf->base);
}

std::string str(const sockaddr* sa) {
    char ip[64] = "?";
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    uv_ip4_name(in, ip, sizeof ip);
    return std::string(ip) + ":" + std::to_string(ntohs(in->sin_port));
}

void open_handle(uv_udp_t* h) {
    if (int e = uv_udp_init_ex(g_loop, h, AF_INET | UV_UDP_RECVMMSG)) die("uv_udp_init_ex", e);
    // libuv falls back to recvmsg when its recvmmsg probe fails: that would test nothing.
    if (!uv_udp_using_recvmmsg(h)) die("recvmmsg not in use", UV_ENOSYS);
}

// ---- server

struct Echo {
    uv_udp_send_t req;
    char data[1];  // allocated to the datagram's length
};

void echo_sent(uv_udp_send_t* req, int status) {
    if (status) std::fprintf(stderr, "uv_udp_echo: echo send: %s\n", uv_strerror(status));
    std::free(req->data);
}

void server_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags) {
    if (nread > 0 && from) {
        std::printf("from %s\n", str(from).c_str());
        std::fflush(stdout);
        auto* e = static_cast<Echo*>(std::malloc(sizeof(Echo) + size_t(nread)));
        std::memcpy(e->data, buf->base, size_t(nread));
        e->req.data = e;
        const uv_buf_t out = uv_buf_init(e->data, unsigned(nread));
        if (int err = uv_udp_send(&e->req, h, &out, 1, from, echo_sent)) die("uv_udp_send", err);
    } else if (nread < 0) {
        std::fprintf(stderr, "uv_udp_echo: recv: %s\n", uv_strerror(int(nread)));
    }
    free_unless_chunk(buf, flags);
}

int server(const sockaddr_in& addr) {
    uv_udp_t h;
    open_handle(&h);
    if (int e = uv_udp_bind(&h, reinterpret_cast<const sockaddr*>(&addr), 0)) die("uv_udp_bind", e);
    if (int e = uv_udp_recv_start(&h, alloc_cb, server_recv)) die("uv_udp_recv_start", e);
    std::printf("listening\n");
    std::fflush(stdout);
    return uv_run(g_loop, UV_RUN_DEFAULT);
}

// ---- client

struct Client {
    uv_udp_t handle;
    bool connected = false;
    std::vector<std::string> pending;  // not echoed yet
    const char* name = "";
};

Client g_clients[2];
int g_phase = 0;  // which of g_clients is running
uv_timer_t g_resend, g_deadline;

void sent(uv_udp_send_t* req, int status) {
    if (status) std::fprintf(stderr, "uv_udp_echo: send: %s\n", uv_strerror(status));
    delete[] static_cast<char*>(req->data);
    delete req;
}

void send_pending(Client& c) {
    for (const std::string& s : c.pending) {
        auto* req = new uv_udp_send_t;
        auto* copy = new char[s.size()];
        std::memcpy(copy, s.data(), s.size());
        req->data = copy;
        const uv_buf_t b = uv_buf_init(copy, unsigned(s.size()));
        const sockaddr* to = c.connected ? nullptr : reinterpret_cast<const sockaddr*>(&g_peer);
        if (int e = uv_udp_send(req, &c.handle, &b, 1, to, sent)) die("uv_udp_send", e);
    }
}

void start_phase(int n);

void client_recv(uv_udp_t* h, ssize_t nread, const uv_buf_t* buf, const sockaddr* from, unsigned flags) {
    Client& c = *static_cast<Client*>(h->data);
    if (nread > 0 && from) {
        const std::string got(buf->base, size_t(nread));
        const auto* in = reinterpret_cast<const sockaddr_in*>(from);
        if (in->sin_addr.s_addr != g_peer.sin_addr.s_addr || in->sin_port != g_peer.sin_port) {
            std::fprintf(stderr, "uv_udp_echo: echo from %s, expected %s\n", str(from).c_str(),
                         str(reinterpret_cast<const sockaddr*>(&g_peer)).c_str());
            std::exit(1);
        }
        for (size_t i = 0; i < c.pending.size(); ++i) {
            if (c.pending[i] == got) {
                c.pending.erase(c.pending.begin() + long(i));
                break;
            }
        }
        if (c.pending.empty() && g_phase == int(&c - g_clients)) {
            std::printf("ok: %s: every echo received\n", c.name);
            std::fflush(stdout);
            uv_udp_recv_stop(h);
            if (g_phase == 0) {
                start_phase(1);
            } else {
                uv_stop(g_loop);
            }
        }
    }
    free_unless_chunk(buf, flags);
}

void start_phase(int n) {
    g_phase = n;
    Client& c = g_clients[n];
    c.handle.data = &c;
    if (c.connected) {
        if (int e = uv_udp_connect(&c.handle, reinterpret_cast<const sockaddr*>(&g_peer))) die("uv_udp_connect", e);
    }
    send_pending(c);  // the first send binds the handle (0.0.0.0:0)
    if (int e = uv_udp_recv_start(&c.handle, alloc_cb, client_recv)) die("uv_udp_recv_start", e);
}

int client(int count) {
    for (int i = 0; i < 2; ++i) {
        Client& c = g_clients[i];
        open_handle(&c.handle);
        c.connected = i == 1;
        c.name = c.connected ? "connected handle" : "unconnected handle";
        for (int k = 0; k < count; ++k) c.pending.push_back("datagram " + std::to_string(k) + (c.connected ? " c" : ""));
    }
    start_phase(0);
    uv_timer_init(g_loop, &g_resend);
    uv_timer_start(&g_resend, [](uv_timer_t*) { send_pending(g_clients[g_phase]); }, 1000, 1000);
    uv_timer_init(g_loop, &g_deadline);
    uv_timer_start(
        &g_deadline,
        [](uv_timer_t*) {
            std::fprintf(stderr, "uv_udp_echo: %s: %zu datagrams not echoed after 20 s\n", g_clients[g_phase].name,
                         g_clients[g_phase].pending.size());
            std::exit(1);
        },
        20000, 0);
    uv_run(g_loop, UV_RUN_DEFAULT);
    return g_clients[0].pending.empty() && g_clients[1].pending.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const bool is_server = argc == 4 && std::strcmp(argv[1], "server") == 0;
    const bool is_client = argc == 5 && std::strcmp(argv[1], "client") == 0;
    if ((!is_server && !is_client) || uv_ip4_addr(argv[2], std::atoi(argv[3]), &g_peer) != 0) {
        std::fprintf(stderr, "usage: uv_udp_echo server ADDR PORT | client ADDR PORT COUNT\n");
        return 2;
    }
    g_loop = uv_default_loop();
    return is_server ? server(g_peer) : client(std::atoi(argv[4]));
}

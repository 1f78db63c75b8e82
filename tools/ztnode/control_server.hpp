// The 'K' control listener (SOCK_SEQPACKET): one connection per app process, one reply per
// request, in order (ipc/control_protocol.hpp). The node's own uid is served; any other uid
// only after it showed the home's access key (Op::attach; ipc/access_key.hpp).
// Malformed requests get EINVAL when they carry a request id, and are dropped otherwise.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "stack/stack.hpp"
#include "tools/ztnode/event_loop.hpp"

namespace zt::node {

class ControlServer {
public:
    // `join` joins a network at run time (Op::join); it returns "" or why it could not.
    using JoinFn = std::function<std::string(NetworkId, const std::vector<stack::InetPrefix>&)>;
    // Called when a process of another uid, attached by key, starts listening on sock_id.
    using KeyedListenFn = std::function<void(uid_t, uint64_t)>;
    ControlServer(EventLoop& loop, stack::Stack& stack, uint64_t home_hash, uid_t uid,
                  std::function<uint64_t()> node_address, JoinFn join = {}, KeyedListenFn keyed_listen = {});
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    bool start(std::string& error);
    // Accepts whatever waits in the backlog; returns how many connections that was.
    int accept_pending();
    void close_listener();
    size_t connection_count() const { return conns_.size(); }

    // Handles one request from connection `fd` (exposed for tests of the dispatcher).
    void handle_message(int fd, const uint8_t* msg, size_t len);

private:
    void on_readable(int fd, uint32_t events);
    bool send_reply(int fd, const void* data, size_t len, int pass_fd = -1);
    void drop(int fd);
    // The filesystem uid of a process now (/proc/<pid>/status), which owns the sockets it makes.
    static std::optional<uid_t> fsuid_of(pid_t pid);
    pid_t pid_of(int fd) const {
        auto it = conns_.find(fd);
        return it == conns_.end() ? 0 : it->second;
    }

    EventLoop& loop_;
    stack::Stack& stack_;
    uint64_t home_hash_;
    uid_t uid_;
    std::function<uint64_t()> node_address_;
    JoinFn join_;
    KeyedListenFn keyed_listen_;
    int listen_fd_ = -1;
    std::unordered_map<int, pid_t> conns_;  // fd -> the process that connected (SO_PEERCRED)
    std::unordered_map<int, uid_t> untrusted_;  // connections of other uids that have not attached yet
    std::unordered_map<int, uid_t> keyed_;      // connections of other uids attached by key
};

}  // namespace zt::node

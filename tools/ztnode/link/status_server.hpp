// The status socket of a node or root ('S' name of ipc/control_protocol.hpp): a
// client connects, writes one request line ("json", "text", or a command such as
// "join <nwid>"), and reads the answer until EOF. Only the node's own uid is served. Used by
// ztstatus and ztrun.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>

#include "stack/reactor.hpp"

namespace zt::link {

class StatusServer {
public:
    // Answers one request line (without its newline).
    using Render = std::function<std::string(std::string_view request)>;

    StatusServer(stack::Reactor& loop, uint64_t home_hash, Render render);
    ~StatusServer();
    StatusServer(const StatusServer&) = delete;
    StatusServer& operator=(const StatusServer&) = delete;

    bool start(std::string& error);

private:
    void on_accept();

    stack::Reactor& loop_;
    uint64_t home_hash_;
    Render render_;
    int fd_ = -1;
};

// Client side: connects to the 'S' socket of the node serving `home_hash`.
bool connect_status(uint64_t home_hash, int& fd_out, std::string& error);
// Client side: sends `request` and returns the whole answer; false with `error` if no node runs.
bool query_status(uint64_t home_hash, std::string_view request, std::string& answer, std::string& error);

}  // namespace zt::link

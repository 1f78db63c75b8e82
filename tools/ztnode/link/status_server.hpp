// The status socket of a node or root ('S' name of intercept/control_protocol.hpp): a
// client connects, writes "json\n" or "text\n", and reads the status until EOF. Only the
// node's own uid is served. Used by ztstatus.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>

#include "stack/reactor.hpp"

namespace zt::link {

class StatusServer {
public:
    using Render = std::function<std::string(bool json)>;

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

}  // namespace zt::link

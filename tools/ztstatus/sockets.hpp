// `ztstatus sockets`: the node's list of the wrapped programs' virtual sockets (the status
// request "sockets", tools/ztnode/link/status.cpp) with the fd each program holds it under. The
// node knows the inode of the program's end of each carrier; the fd is found here, as ss -p finds
// it, by reading the /proc/<pid>/fd links ("socket:[inode]") of the processes we may read (our
// own uid's, or all as root). A socket no readable process holds (a connection still in the
// program's accept queue, a program of another uid) shows the pid the node knows and no fd.
#pragma once

#include <string>

namespace ztstatus {

// Renders the node's answer as a table, or as JSON with `json`. False with `error` if the answer
// is not the node's sockets list.
bool render_sockets(const std::string& node_answer, bool json, std::string& out, std::string& error);

}  // namespace ztstatus

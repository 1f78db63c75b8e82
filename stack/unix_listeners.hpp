// What the kernel's sock_diag netlink interface (NETLINK_SOCK_DIAG, AF_UNIX) tells the node about
// the apps' unix sockets:
// - The apps' 'L' listeners that already exist for a home. A node that starts while wrapped
//   servers are listening (it crashed, was upgraded or restarted) takes their listeners over:
//   each name says the address the socket was bound to and its sock_id, which is all the node
//   needs to listen for it again.
// - Which socket is at the other end of each of ours, so that `ztstatus sockets` can name the
//   program's fd (/proc/<pid>/fd links name socket inodes).
// /proc/net/unix cannot serve here: it prints abstract names raw, and ours are binary.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "stack/names.hpp"
#include "stack/stack.hpp"

namespace zt::stack {

// Every listening stream socket bound to an 'L' name of `home_hash` that `uid` owns, or whose
// owner and sock_id are in `keyed` (a socket another user made with our name is not taken:
// only the node's own uid and the listeners it accepted from keyed processes are trusted).
// nullopt with `error` when the kernel's interface is unavailable.
std::optional<std::vector<DecodedName>> find_app_listeners(uint64_t home_hash, uid_t uid, std::string& error,
                                                           const std::vector<KeyedListener>& keyed = {});

// Every unix socket of the network namespace: its peer and its name, by inode.
struct UnixSocketTable {
    std::unordered_map<uint64_t, uint64_t> peer;        // inode -> the connected peer's inode
    std::unordered_map<std::string, uint64_t> by_name;  // a listener's name (sun_path bytes) -> inode

    uint64_t peer_of(uint64_t inode) const;
    uint64_t inode_of(const UnixName& name) const;  // 0 if no socket listens on it
};
// One dump; nullopt with `error` when the kernel's interface is unavailable.
std::optional<UnixSocketTable> unix_socket_table(std::string& error);
// The inode of the socket behind our `fd`, 0 on error.
uint64_t socket_inode(int fd);
// The pid SO_PEERCRED reports for a connected unix socket of ours (for a connection to a
// listener: the process that called listen()), 0 if none.
pid_t peer_pid(int fd);

}  // namespace zt::stack

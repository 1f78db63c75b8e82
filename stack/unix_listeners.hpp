// The apps' 'L' listeners that already exist for a home, found through the kernel's
// sock_diag netlink interface (NETLINK_SOCK_DIAG, AF_UNIX, names shown). A node that starts
// while wrapped servers are listening (it crashed, was upgraded or restarted) takes their
// listeners over: each name says the address the socket was bound to and its sock_id, which
// is all the node needs to listen for it again. /proc/net/unix cannot serve here: it prints
// abstract names raw, and ours are binary.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/names.hpp"

namespace zt::stack {

// Every listening stream socket that `uid` owns, bound to an 'L' name of `home_hash` (a
// socket another user made with our name is not taken, as the control socket serves only
// `uid`). nullopt with `error` when the kernel's interface is unavailable.
std::optional<std::vector<DecodedName>> find_app_listeners(uint64_t home_hash, uid_t uid, std::string& error);

}  // namespace zt::stack

// Process-wide configuration, read once from the environment by the library constructor.
//   ZT_HOME           required: without it the shim is inactive (every hook passes to libc)
//   ZT_BIND_WILDCARD  virtual (default) | kernel: where a bind to 0.0.0.0 / :: goes
//   ZT_NODE_BIN       the node binary to spawn (default: the installed or build-tree ztnode,
//                     found from the library's own path: node_spawn.cpp)
//   ZT_LOG_LEVEL      debug: append a trace to $ZT_HOME/intercept.log
//   ZT_NETWORKS       the networks this program needs: the node is asked to join them (a node
//                     already running for the home may not be on them yet)
//   ZT_ROUTES         ip/len,...: ranges that are virtual even when no node answers (ztrun)
//   ZT_STRICT         1: no fallback to the kernel while the virtual network is not up
//   ZT_VERBOSE        1: problems the user can act on also go to stderr (ztrun sets it)
//   ZT_ACCESS_KEY     the home's access key for a process of another uid (privileges.cpp)
#pragma once

#include <limits.h>

#include <cstdint>

#include "ipc/control_protocol.hpp"
#include "intercept/route.hpp"

namespace zti {

struct Config {
    char home[PATH_MAX];      // realpath of ZT_HOME
    uint64_t home_hash;       // ztctl::home_hash(home)
    WildcardPolicy wildcard;
    char node_bin[PATH_MAX];  // ZT_NODE_BIN, or empty
    // ZT_NETWORKS, as Join requests ("nwid[=ip/len ...],..."; entries that do not parse are
    // left to the node, which reports them).
    ztctl::Join joins[ztctl::kMaxNetworks];
    int join_count;
    // Ranges known to be virtual without asking the node: ZT_NETWORKS's static prefixes and
    // ZT_ROUTES (ztrun passes the addresses the networks had when the program started). A call to
    // one of them never goes to the kernel, even when no node can carry it.
    RouteTable known;
    bool strict;              // ZT_STRICT=1: while the node is unreachable or a network has no
                              // address, nothing but loopback leaves through the kernel
};

extern Config g_cfg;

// Sets g_active and fills g_cfg. Creates ZT_HOME (mode 0700) if it does not exist.
void load_config() noexcept;

}  // namespace zti

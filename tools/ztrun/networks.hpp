// ztrun's wait for its networks: the program starts only once the node is on every network
// it was given, in state OK with an address (or statically configured), so that its first
// connect or bind already finds the virtual network.
#pragma once

#include <string>
#include <vector>

#include "tools/ztrun/progress.hpp"

namespace ztrun {

struct Options {
    std::string home;                   // realpath of the ZT home
    std::string node_bin;               // ztnode, started if no node serves the home
    std::vector<std::string> networks;  // "nwid" or "nwid=ip/len..." as given to -n
    int wait_s = 60;
    std::string routes;                 // out: "ip/len,..." of every network once up
};

// Starts the node if needed, joins each network and waits, telling `progress` each step. 0 when
// all are up; otherwise prints one line on stderr saying why (the node's own reason when it could
// not start, or which network is not up and why), and returns 1 (kExitFailed).
int join_and_wait(Options& o, Progress& progress);

}  // namespace ztrun

// TEST ONLY, never shipped: a Link that carries raw Ethernet frames in plain UDP datagrams
// between node processes on one machine, so that two ztnode runtimes can be tested end to end
// without the ZeroTier core. Datagram: <[8] nwid, big-endian> <[...] Ethernet frame>.
// Unicast frames go to the configured peer whose MAC (Mac::from_address) matches; broadcast
// and multicast frames go to every peer. Our address comes from ZT_TEST_NODE_ADDRESS.
#pragma once

#include <memory>

#include "tools/ztnode/link.hpp"

namespace zt::test {

std::unique_ptr<node::Link> make_raw_udp_link(const node::Config& cfg);

}  // namespace zt::test

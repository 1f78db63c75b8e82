// TEST ONLY: a ztnode runtime whose link is RawUdpLink (frames over plain UDP between test
// nodes on loopback). Same flags, configuration and behaviour as ztnode otherwise.
#include "test/stack/raw_udp_link.hpp"
#include "tools/ztnode/runtime.hpp"

int main(int argc, char** argv) { return zt::node::node_main(argc, argv, zt::test::make_raw_udp_link); }

// ztnode: the node runtime binary (tools/ztnode/runtime.hpp has the program flow), with the
// ZeroTier core as its link (tools/ztnode/link/core_link.hpp).
#include "tools/ztnode/link/core_link.hpp"
#include "tools/ztnode/runtime.hpp"

int main(int argc, char** argv) {
    return zt::node::node_main(argc, argv, [](const zt::node::Config& cfg) -> std::unique_ptr<zt::node::Link> {
        return std::make_unique<zt::link::CoreLink>(cfg);
    });
}

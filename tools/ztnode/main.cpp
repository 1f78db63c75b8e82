// ztnode: the node runtime binary (tools/ztnode/runtime.hpp has the program flow).
//
// The ZeroTier link ("CoreLink", around zt::Node) plugs in through make_link below. Until it
// exists, the node runs with a link that carries nothing: the control protocol, listeners,
// own-address connections and the lifetime rules all work; nothing reaches other nodes.
#include "tools/ztnode/link.hpp"
#include "tools/ztnode/runtime.hpp"

namespace {

class NullLink final : public zt::node::Link {
public:
    explicit NullLink(const zt::node::Config& cfg) : cfg_(cfg) {}
    bool start(zt::node::LinkHost&, std::string&) override { return true; }
    zt::Address address() const override { return zt::Address(0); }
    std::vector<zt::node::LinkNetwork> networks() const override {
        std::vector<zt::node::LinkNetwork> out;
        for (const auto& n : cfg_.networks) out.push_back({n.nwid, cfg_.mtu, n.addrs, {}});
        return out;
    }
    void send_frame(zt::NetworkId, std::span<const uint8_t>) override {}

private:
    zt::node::Config cfg_;
};

}  // namespace

int main(int argc, char** argv) {
    return zt::node::node_main(argc, argv, [](const zt::node::Config& cfg) -> std::unique_ptr<zt::node::Link> {
        return std::make_unique<NullLink>(cfg);
    });
}

// The controller on a node (spec §9): the NetworkController the core hands members'
// NETWORK_CONFIG_REQUESTs to. Records come from the ControllerStore, decisions from the pure
// config builder (core/controller); what a request teaches (identity, versions, assigned IPs)
// goes back to the store. Changes made through the HTTP API reach online members at once:
// a new configuration pushed as NETWORK_CONFIG, and for a member that lost its authorization
// a revocation of its certificate sent to every online member (§9.3).
//
// Threads: requests arrive on the node's loop thread; store changes may come from the API's
// threads and are handed to the loop through an eventfd.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>

#include "core/node/node.hpp"
#include "core/vl2/dictionary.hpp"
#include "stack/reactor.hpp"
#include "tools/ztcontroller/store.hpp"

namespace zt::ctl {

class Controller final : public NetworkController {
public:
    // `self` is the node's identity (with its secret); `wall_clock` gives UnixMs for the
    // timestamps of configurations and credentials.
    Controller(ControllerStore& store, Node& node, Identity self, stack::Reactor& loop);
    ~Controller();
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    // Registers the eventfd and the store listener.
    bool start(std::string& error);

    void on_config_request(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                           const vl2::Dictionary& metadata, const Endpoint& physical) override;

    // Members that asked for a configuration within the last 120 s (upstream's online window).
    size_t online_members() const { return online_.size(); }

private:
    struct Online {
        Identity identity;
        vl2::Dictionary metadata;
        Ticks last_request = 0;
    };
    using Key = std::pair<uint64_t, uint64_t>;  // nwid, member address

    // Answers (request_packet_id != 0) or pushes (0) the member's configuration.
    void answer(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                const vl2::Dictionary& metadata);
    void on_store_change(const Change& change);  // any thread
    void drain_changes();                        // loop thread
    void apply_change(const Change& change, Ticks now);
    void revoke(NetworkId nwid, Address member, Ticks now);
    void forget_stale(Ticks now);

    ControllerStore& store_;
    Node& node_;
    Identity self_;
    stack::Reactor& loop_;
    int event_fd_ = -1;
    std::mutex changes_mu_;
    std::deque<Change> changes_;  // guarded by changes_mu_
    std::map<Key, Online> online_;
    std::map<uint64_t, Ticks> last_answer_;  // member address -> last request answered
    Ticks last_forget_ = 0;
};

}  // namespace zt::ctl

// ControllerStore: the controller's networks and members (spec §9.1), in memory and on disk
// in ZeroTier One's FileDB layout:
//   <home>/controller.d/network/<nwid>.json                    one network record
//   <home>/controller.d/network/<nwid>/member/<address>.json   one member record
// Files are pretty-printed JSON, replaced durably (files.hpp). One mutex guards everything;
// the listener runs outside it, in commit order.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/types.hpp"
#include "tools/ztcontroller/records.hpp"

namespace zt::ctl {

// One committed change. A created record has a null `old_record`, an erased one a null
// `new_record`. Erasing a network reports each of its members' erasure first.
struct Change {
    NetworkId nwid;
    std::optional<Address> member;  // set for member records
    Json old_record;
    Json new_record;
};

enum class Outcome {
    saved,      // written; "revision" went up by one
    unchanged,  // nothing but "revision" would differ: nothing written (upstream does the same)
    erased,
    not_found,  // no such network or member
    refused,    // not an acceptable record (bad id, not our network) or the edit declined it
    failed,     // the disk write failed; memory and disk still hold the old record
};

struct Commit {
    Outcome outcome = Outcome::failed;
    Json record;        // saved/unchanged: the stored record; erased: the record removed
    std::string error;  // why, for not_found/refused/failed (and a leftover after erased)
    bool ok() const { return outcome == Outcome::saved || outcome == Outcome::unchanged || outcome == Outcome::erased; }
};

// What a member reported in NETWORK_CONFIG_REQUEST metadata (spec §9.2 step 5).
struct MemberVersions {
    int64_t major = -1, minor = -1, rev = -1, proto = -1;
};

// What the node learned from one config request, recorded in a single commit (one revision
// bump, as upstream saves the member once per request).
struct ConfigRequest {
    std::string identity;                    // the requester's public identity, text form
    std::optional<MemberVersions> versions;  // upstream records them only when authorized
    std::vector<std::string> assigned_ips;   // appended to ipAssignments unless already held
    std::string auto_authorized_by;          // "" or the credential type: "public", "token"
    std::string auth_token;                  // the token, when auto_authorized_by is "token"
};

enum class IdentityCheck { learned, matched, mismatch };

class ControllerStore {
public:
    using Listener = std::function<void(const Change&)>;
    using Clock = std::function<UnixMs()>;
    // Edits a record in place under the store lock; `created` is true when the record did
    // not exist. Returning false declines: nothing is written. It must not call the store.
    using Edit = std::function<bool(Json& record, bool created)>;

    ControllerStore();
    ~ControllerStore();
    ControllerStore(const ControllerStore&) = delete;
    ControllerStore& operator=(const ControllerStore&) = delete;

    // Creates <home>/controller.d/network if missing, takes the directory's lock (one store
    // per home), removes leftover temp files and loads every record. A file that cannot be
    // read or parsed is skipped and listed in load_problems(); only an unusable directory or
    // a held lock fails.
    bool open(const std::string& home, Address controller, std::string& error);
    const std::vector<std::string>& load_problems() const { return problems_; }
    Address controller() const { return controller_; }
    const std::string& directory() const { return dir_; }  // <home>/controller.d

    void set_listener(Listener listener);
    void set_clock(Clock clock);             // wall clock by default; tests set their own
    void set_auto_authorize(bool on);        // members created from now on start authorized
    UnixMs now() const;                      // the store's clock

    std::optional<Json> network(NetworkId nwid) const;
    std::vector<NetworkId> networks() const;  // ascending
    std::optional<Json> member(NetworkId nwid, Address address) const;
    // (address, revision) of each member, ascending; empty if there is no such network.
    std::vector<std::pair<Address, uint64_t>> members(NetworkId nwid) const;
    std::vector<Json> member_records(NetworkId nwid) const;

    // Stores a whole record, as upstream's DB::save: the network must be ours, a member's
    // network must exist. "revision" becomes the stored one plus one if anything changed.
    Commit save_network(Json record);
    Commit save_member(Json record);
    Commit erase_network(NetworkId nwid);  // with its members
    Commit erase_member(NetworkId nwid, Address address);

    // Read-modify-write under the lock, the way upstream's POST handlers work: the current
    // record (or an empty one), with init_network/init_member defaults and its ids set, is
    // passed to `edit`, then saved as above.
    Commit update_network(NetworkId nwid, const Edit& edit);
    Commit create_network(const Edit& edit);  // a random unused id under our address
    Commit update_member(NetworkId nwid, Address address, const Edit& edit);

    // Spec §9.2 steps 3 and 5: learns the identity (or checks it against the one on record:
    // a mismatch writes nothing), applies auto-authorization, versions and new IPs. An IP held
    // by another member of the network is not added. `identity` says what the check found
    // (left `matched` when the network is missing).
    Commit record_request(NetworkId nwid, Address address, const ConfigRequest& request,
                          IdentityCheck& identity);

private:
    struct NetworkState {
        Json record;
        std::map<Address, Json> members;
    };

    UnixMs now_locked() const { return clock_(); }
    std::string network_file(NetworkId nwid) const;
    std::string member_dir(NetworkId nwid) const;
    void load_network(const std::string& name);
    void load_members(NetworkId nwid, NetworkState& state);
    std::optional<Json> load_record(const std::string& path);
    void remove_temp_files(const std::string& dir);

    // Callers hold mu_.
    Commit commit_network_locked(NetworkId nwid, Json record);
    Commit commit_member_locked(NetworkId nwid, Address address, Json record);
    Commit update_network_locked(NetworkId nwid, const Edit& edit);
    Commit update_member_locked(NetworkId nwid, Address address, const Edit& edit);
    bool ip_taken_locked(const NetworkState& net, Address except, const std::string& ip) const;

    // Hands queued changes to the listener, outside mu_, in commit order; a call made while
    // another thread delivers leaves its changes to that thread.
    void deliver();

    mutable std::mutex mu_;
    std::map<NetworkId, NetworkState> nets_;
    std::deque<Change> pending_;
    bool delivering_ = false;
    Listener listener_;
    Clock clock_;
    bool auto_authorize_ = false;

    Address controller_;
    std::string dir_;          // <home>/controller.d
    std::string network_dir_;  // <home>/controller.d/network
    int lock_fd_ = -1;
    std::vector<std::string> problems_;
};

// "abcdef0123:0:<hex>[:<secret>]" -> the public part "abcdef0123:0:<hex>", for comparing
// identities the way upstream compares Identity objects (address, type and public key).
std::string public_identity_part(const std::string& identity);

}  // namespace zt::ctl

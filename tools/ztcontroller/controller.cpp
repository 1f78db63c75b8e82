// The controller on a node (controller.hpp): requests, pushes and revocations (spec §9.2, §9.3).
#include "tools/ztcontroller/controller.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <sodium.h>

#include <cstring>

#include "core/controller/config_builder.hpp"
#include "core/vl2/revocation.hpp"
#include "tools/ztcontroller/record_json.hpp"

namespace zt::ctl {

namespace {

constexpr Ticks kOnlineMs = 120000;        // upstream: ZT_NETWORK_AUTOCONF_DELAY * 2
constexpr Ticks kMinRequestPeriodMs = 1000;  // ZT_NETCONF_MIN_REQUEST_PERIOD
constexpr size_t kMaxTracked = 100000;        // members answered within the online window

ErrorCode error_for(controller::Decision::Kind k) {
    switch (k) {
    case controller::Decision::Kind::not_found: return ErrorCode::obj_not_found;
    case controller::Decision::Kind::authentication_required: return ErrorCode::network_authentication_required;
    default: return ErrorCode::network_access_denied;
    }
}

}  // namespace

Controller::Controller(ControllerStore& store, Node& node, Identity self, stack::Reactor& loop)
    : store_(store), node_(node), self_(std::move(self)), loop_(loop) {}

Controller::~Controller() {
    store_.set_listener({});
    if (event_fd_ >= 0) {
        loop_.remove_fd(event_fd_);
        ::close(event_fd_);
    }
}

bool Controller::start(std::string& error) {
    event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd_ < 0) {
        error = std::string("eventfd: ") + std::strerror(errno);
        return false;
    }
    if (!loop_.add_fd(event_fd_, EPOLLIN, [this](uint32_t) { drain_changes(); })) {
        error = std::string("epoll: ") + std::strerror(errno);
        return false;
    }
    store_.set_listener([this](const Change& c) { on_store_change(c); });
    return true;
}

void Controller::on_config_request(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                                   const vl2::Dictionary& metadata, const Endpoint&) {
    // One request per member per second (§9.2 step 1), whatever network it names.
    const Address addr = member.address();
    if (auto it = last_answer_.find(addr.value()); it != last_answer_.end() && now - it->second < kMinRequestPeriodMs) return;
    if (last_answer_.size() >= kMaxTracked) forget_stale(now);
    if (last_answer_.size() >= kMaxTracked) return;  // flooded by fresh identities: refuse quietly
    last_answer_[addr.value()] = now;
    // Only members of networks we have are "online" (pushes and revocations go to them).
    if (store_.network(nwid)) online_[{nwid.value, addr.value()}] = Online{member, metadata, now};
    if (now - last_forget_ >= 1000) forget_stale(now);
    answer(now, nwid, member, request_packet_id, metadata);
}

void Controller::answer(Ticks now, NetworkId nwid, const Identity& member, uint64_t request_packet_id,
                        const vl2::Dictionary& metadata) {
    const Address addr = member.address();
    std::optional<controller::NetworkRecord> network;
    const std::vector<Json> members = store_.member_records(nwid);
    if (auto j = store_.network(nwid)) {
        network = network_record(*j);
        network->active_bridges = active_bridges(members);
    }
    const auto mj = store_.member(nwid, addr);
    controller::MemberRecord rec = member_record(mj ? *mj : Json());
    rec.address = addr;
    rec.nwid = nwid;
    // IPs other members hold (the store refuses duplicates again when recording).
    std::vector<std::string> taken;
    for (const auto& other : members) {
        if (as_string(other.value("address", Json()), "") == addr.to_string()) continue;
        if (auto ips = other.find("ipAssignments"); ips != other.end() && ips->is_array())
            for (const auto& ip : *ips)
                if (ip.is_string()) taken.push_back(ip.get<std::string>());
    }
    auto ip_taken = [&](const std::string& ip) { return std::find(taken.begin(), taken.end(), ip) != taken.end(); };
    const UnixMs wall = store_.now();
    controller::Decision d = controller::decide(network ? &*network : nullptr, rec, ip_taken, self_, member, metadata, wall);

    if (network) {
        // §9.2 steps 3 and 5: what the request taught us, in one commit.
        ConfigRequest cr;
        cr.identity = member.to_string(false);
        if (d.record_versions) {
            MemberVersions v;
            v.major = int64_t(metadata.get_u64("majv").value_or(0));
            v.minor = int64_t(metadata.get_u64("minv").value_or(0));
            v.rev = int64_t(metadata.get_u64("revv").value_or(0));
            v.proto = int64_t(metadata.get_u64("pv").value_or(0));
            cr.versions = v;
        }
        cr.assigned_ips = d.assigned_ips;
        cr.auto_authorized_by = d.auto_authorized_by;
        cr.auth_token = d.auth_token;
        IdentityCheck check = IdentityCheck::matched;
        Commit c = store_.record_request(nwid, addr, cr, check);
        if (check == IdentityCheck::mismatch) d.kind = controller::Decision::Kind::access_denied;
        else if (!c.ok()) spdlog::warn("controller: network {} member {}: {}", nwid.to_string(), addr.to_string(), c.error);
    }
    if (d.kind == controller::Decision::Kind::config) {
        node_.send_network_config(now, nwid, request_packet_id, addr, d.config);
        spdlog::debug("controller: network {} member {}: configuration sent", nwid.to_string(), addr.to_string());
    } else {
        node_.send_network_error(now, nwid, request_packet_id, addr, error_for(d.kind));
        spdlog::debug("controller: network {} member {}: refused ({})", nwid.to_string(), addr.to_string(),
                      int(d.kind));
    }
}

void Controller::on_store_change(const Change& change) {
    {
        std::lock_guard lk(changes_mu_);
        changes_.push_back(change);
    }
    const uint64_t one = 1;
    if (::write(event_fd_, &one, sizeof one) < 0) {
        // The counter is saturated only if nobody drains it: the loop will.
    }
}

void Controller::drain_changes() {
    uint64_t n;
    while (::read(event_fd_, &n, sizeof n) > 0) {
    }
    std::deque<Change> batch;
    {
        std::lock_guard lk(changes_mu_);
        batch.swap(changes_);
    }
    const Ticks now = loop_.now();
    forget_stale(now);
    for (const auto& c : batch) apply_change(c, now);
}

// §9.3: a changed network goes to all its online members; a changed member to itself; a member
// that lost its authorization (or was deleted) is revoked at every online member.
void Controller::apply_change(const Change& c, Ticks now) {
    if (!c.member) {
        if (c.new_record.is_null()) return;  // erased: its members' erasures came first
        for (const auto& [key, o] : online_)
            if (key.first == c.nwid.value) answer(now, c.nwid, o.identity, 0, o.metadata);
        return;
    }
    const bool was = as_bool(c.old_record.is_object() ? c.old_record.value("authorized", Json()) : Json(), false);
    const bool is = as_bool(c.new_record.is_object() ? c.new_record.value("authorized", Json()) : Json(), false);
    if (was && !is) revoke(c.nwid, *c.member, now);
    if (auto it = online_.find({c.nwid.value, c.member->value()}); it != online_.end())
        answer(now, c.nwid, it->second.identity, 0, it->second.metadata);
}

void Controller::revoke(NetworkId nwid, Address member, Ticks now) {
    vl2::Revocation rev;
    uint32_t id = 0;
    randombytes_buf(&id, sizeof id);
    rev.id = id;
    rev.nwid = nwid;
    rev.credential_id = 0;
    rev.threshold = store_.now();
    rev.flags = vl2::Revocation::kFlagFastPropagate;
    rev.target = member;
    rev.type = vl2::CredentialType::com;
    if (!rev.sign(self_)) return;
    size_t sent = 0;
    for (const auto& [key, o] : online_)
        if (key.first == nwid.value) {
            node_.send_revocation(now, Address(key.second), rev);
            ++sent;
        }
    spdlog::info("controller: network {} member {} deauthorized: revocation sent to {} online member(s)",
                 nwid.to_string(), member.to_string(), sent);
}

void Controller::forget_stale(Ticks now) {
    last_forget_ = now;
    std::erase_if(online_, [now](const auto& kv) { return now - kv.second.last_request >= kOnlineMs; });
    std::erase_if(last_answer_, [now](const auto& kv) { return now - kv.second >= kOnlineMs; });
}

}  // namespace zt::ctl

// ControllerStore (store.hpp): loading the FileDB tree, committing records (disk first, then
// memory, then the change queue) and delivering changes to the listener.
#include "tools/ztcontroller/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "tools/ztcontroller/files.hpp"

namespace zt::ctl {

namespace {

constexpr unsigned dir_mode = 0700;   // upstream locks controller.d down to its owner
constexpr unsigned file_mode = 0600;
constexpr size_t max_record_bytes = 64u << 20;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "<hex>.json" with exactly `digits` hex digits -> the hex part.
std::optional<std::string> record_stem(const std::string& name, size_t digits) {
    if (name.size() != digits + 5 || !ends_with(name, ".json")) return std::nullopt;
    return name.substr(0, digits);
}

std::string to_text(const Json& record) {
    return record.dump(4, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string public_identity_part(const std::string& identity) {
    size_t first = identity.find(':');
    if (first == std::string::npos) return identity;
    size_t second = identity.find(':', first + 1);
    if (second == std::string::npos) return identity;
    size_t third = identity.find(':', second + 1);
    return third == std::string::npos ? identity : identity.substr(0, third);
}

ControllerStore::ControllerStore()
    : clock_([] {
          using namespace std::chrono;
          return UnixMs(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
      }) {}

ControllerStore::~ControllerStore() {
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

UnixMs ControllerStore::now() const {
    std::lock_guard lk(mu_);
    return clock_();
}

std::string ControllerStore::network_file(NetworkId nwid) const { return nwid.to_string() + ".json"; }

std::string ControllerStore::member_dir(NetworkId nwid) const {
    return network_dir_ + "/" + nwid.to_string() + "/member";
}

bool ControllerStore::open(const std::string& home, Address controller, std::string& error) {
    std::lock_guard lk(mu_);
    controller_ = controller;
    dir_ = home + "/controller.d";
    network_dir_ = dir_ + "/network";
    if (!make_dir_durable(home, dir_mode, error) || !make_dir_durable(dir_, dir_mode, error) ||
        !make_dir_durable(network_dir_, dir_mode, error))
        return false;
    // Two processes writing one tree would lose each other's writes: the second one fails.
    const std::string lock_path = dir_ + "/.lock";
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, file_mode);
    if (lock_fd_ < 0) {
        error = lock_path + ": " + std::strerror(errno);
        return false;
    }
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        error = errno == EWOULDBLOCK ? lock_path + ": another controller is using " + dir_
                                     : lock_path + ": " + std::strerror(errno);
        ::close(lock_fd_);
        lock_fd_ = -1;
        return false;
    }
    remove_temp_files(network_dir_);
    std::string list_error;
    for (const DirEntry& e : list_dir(network_dir_, list_error))
        if (!e.is_dir) load_network(e.name);
    if (!list_error.empty()) {
        error = list_error;
        return false;
    }
    return true;
}

// Temp files are what a write killed before its rename left: never the record itself.
void ControllerStore::remove_temp_files(const std::string& dir) {
    std::string ignored;
    for (const DirEntry& e : list_dir(dir, ignored))
        if (!e.is_dir && ends_with(e.name, temp_suffix)) remove_file_durable(dir, e.name, ignored);
}

std::optional<Json> ControllerStore::load_record(const std::string& path) {
    std::string error;
    auto text = read_file(path, max_record_bytes, error);
    if (!text) {
        problems_.push_back(error + "; skipped");
        return std::nullopt;
    }
    Json record;
    try {
        record = Json::parse(*text);
    } catch (const Json::exception& e) {
        problems_.push_back(path + ": not valid JSON (" + e.what() + "); skipped");
        return std::nullopt;
    }
    if (!record.is_object()) {
        problems_.push_back(path + ": not a JSON object; skipped");
        return std::nullopt;
    }
    return record;
}

void ControllerStore::load_network(const std::string& name) {
    auto stem = record_stem(name, 16);
    if (!stem) return;  // not a network record: upstream ignores such names too
    auto nwid = NetworkId::parse(*stem);
    if (!nwid) return;
    const std::string path = network_dir_ + "/" + name;
    auto record = load_record(path);
    if (!record) return;
    auto id = NetworkId::parse(as_string((*record)["id"], ""));
    if (!id || *id != *nwid) {
        problems_.push_back(path + ": \"id\" does not match the file name; skipped");
        return;
    }
    if (nwid->controller() != controller_) {
        problems_.push_back(path + ": network of controller " + nwid->controller().to_string() +
                            ", not ours (" + controller_.to_string() + "); skipped");
        return;
    }
    NetworkState& state = nets_[*nwid];
    state.record = std::move(*record);
    load_members(*nwid, state);
}

void ControllerStore::load_members(NetworkId nwid, NetworkState& state) {
    const std::string dir = member_dir(nwid);
    if (!file_exists(dir)) return;
    remove_temp_files(dir);
    std::string error;
    for (const DirEntry& e : list_dir(dir, error)) {
        auto stem = record_stem(e.name, 10);
        if (e.is_dir || !stem) continue;
        auto address = Address::parse(*stem);
        if (!address) continue;
        const std::string path = dir + "/" + e.name;
        auto record = load_record(path);
        if (!record) continue;
        auto id = Address::parse(as_string((*record)["id"], ""));
        if (!id || *id != *address) {
            problems_.push_back(path + ": \"id\" does not match the file name; skipped");
            continue;
        }
        if (record->contains("nwid") && NetworkId::parse(as_string((*record)["nwid"], "")) != nwid) {
            problems_.push_back(path + ": \"nwid\" is not " + nwid.to_string() + "; skipped");
            continue;
        }
        state.members[*address] = std::move(*record);
    }
    if (!error.empty()) problems_.push_back(error + "; members not loaded");
}

void ControllerStore::set_listener(Listener listener) {
    std::lock_guard lk(mu_);
    listener_ = std::move(listener);
}

void ControllerStore::set_clock(Clock clock) {
    std::lock_guard lk(mu_);
    clock_ = std::move(clock);
}

void ControllerStore::set_auto_authorize(bool on) {
    std::lock_guard lk(mu_);
    auto_authorize_ = on;
}

std::optional<Json> ControllerStore::network(NetworkId nwid) const {
    std::lock_guard lk(mu_);
    auto it = nets_.find(nwid);
    if (it == nets_.end()) return std::nullopt;
    return it->second.record;
}

std::vector<NetworkId> ControllerStore::networks() const {
    std::lock_guard lk(mu_);
    std::vector<NetworkId> out;
    for (const auto& [nwid, state] : nets_) out.push_back(nwid);
    return out;
}

std::optional<Json> ControllerStore::member(NetworkId nwid, Address address) const {
    std::lock_guard lk(mu_);
    auto it = nets_.find(nwid);
    if (it == nets_.end()) return std::nullopt;
    auto m = it->second.members.find(address);
    if (m == it->second.members.end()) return std::nullopt;
    return m->second;
}

std::vector<std::pair<Address, uint64_t>> ControllerStore::members(NetworkId nwid) const {
    std::lock_guard lk(mu_);
    std::vector<std::pair<Address, uint64_t>> out;
    auto it = nets_.find(nwid);
    if (it == nets_.end()) return out;
    for (const auto& [address, record] : it->second.members)
        out.emplace_back(address, as_uint(record.value("revision", Json()), 0));
    return out;
}

std::vector<Json> ControllerStore::member_records(NetworkId nwid) const {
    std::lock_guard lk(mu_);
    std::vector<Json> out;
    auto it = nets_.find(nwid);
    if (it == nets_.end()) return out;
    for (const auto& [address, record] : it->second.members) out.push_back(record);
    return out;
}

// Disk first: if the write fails, memory keeps the old record and nothing is announced.
Commit ControllerStore::commit_network_locked(NetworkId nwid, Json record) {
    auto it = nets_.find(nwid);
    const bool created = it == nets_.end();
    Json old = created ? Json() : it->second.record;
    if (!created && !differs_ignoring_revision(old, record)) return {Outcome::unchanged, old, ""};
    const Json& base = created ? record : old;
    record["revision"] = as_uint(base.value("revision", Json()), 0) + 1;
    std::string error;
    if (created && !file_exists(network_dir_ + "/" + network_file(nwid))) {
        // Members left by a delete that was interrupted after its commit point must not
        // reappear in a new network with the same id.
        const std::string stale = network_dir_ + "/" + nwid.to_string();
        if (file_exists(stale) && !remove_tree_durable(stale, error)) return {Outcome::failed, old, error};
    }
    if (!write_file_durable(network_dir_, network_file(nwid), to_text(record), file_mode, error))
        return {Outcome::failed, old, error};
    nets_[nwid].record = record;
    pending_.push_back({nwid, std::nullopt, std::move(old), record});
    return {Outcome::saved, std::move(record), ""};
}

Commit ControllerStore::commit_member_locked(NetworkId nwid, Address address, Json record) {
    auto net = nets_.find(nwid);
    if (net == nets_.end()) return {Outcome::not_found, Json(), "network " + nwid.to_string() + " not found"};
    auto it = net->second.members.find(address);
    const bool created = it == net->second.members.end();
    Json old = created ? Json() : it->second;
    if (!created && !differs_ignoring_revision(old, record)) return {Outcome::unchanged, old, ""};
    const Json& base = created ? record : old;
    record["revision"] = as_uint(base.value("revision", Json()), 0) + 1;
    std::string error;
    const std::string dir = member_dir(nwid);
    if (!make_dir_durable(network_dir_ + "/" + nwid.to_string(), dir_mode, error) ||
        !make_dir_durable(dir, dir_mode, error) ||
        !write_file_durable(dir, address.to_string() + ".json", to_text(record), file_mode, error))
        return {Outcome::failed, old, error};
    net->second.members[address] = record;
    pending_.push_back({nwid, address, std::move(old), record});
    return {Outcome::saved, std::move(record), ""};
}

Commit ControllerStore::save_network(Json record) {
    Commit c;
    {
        std::lock_guard lk(mu_);
        auto nwid = NetworkId::parse(as_string(record.is_object() ? record.value("id", Json()) : Json(), ""));
        if (!nwid) return {Outcome::refused, Json(), "a network record needs \"id\": 16 hex digits"};
        if (nwid->controller() != controller_)
            return {Outcome::refused, Json(), "network " + nwid->to_string() + " is not under controller " +
                                                  controller_.to_string()};
        record["id"] = record["nwid"] = nwid->to_string();
        record["objtype"] = "network";
        c = commit_network_locked(*nwid, std::move(record));
    }
    deliver();
    return c;
}

Commit ControllerStore::save_member(Json record) {
    Commit c;
    {
        std::lock_guard lk(mu_);
        const Json none;
        auto address = Address::parse(as_string(record.is_object() ? record.value("id", none) : none, ""));
        auto nwid = NetworkId::parse(as_string(record.is_object() ? record.value("nwid", none) : none, ""));
        if (!address || address->is_reserved() || !nwid)
            return {Outcome::refused, Json(), "a member record needs \"id\" (10 hex digits) and \"nwid\""};
        record["id"] = record["address"] = address->to_string();
        record["nwid"] = nwid->to_string();
        record["objtype"] = "member";
        c = commit_member_locked(*nwid, *address, std::move(record));
    }
    deliver();
    return c;
}

Commit ControllerStore::erase_network(NetworkId nwid) {
    Commit c{Outcome::erased, Json(), ""};
    {
        std::lock_guard lk(mu_);
        auto it = nets_.find(nwid);
        if (it == nets_.end()) return {Outcome::not_found, Json(), "network " + nwid.to_string() + " not found"};
        // Removing <nwid>.json is the commit point; the member tree goes after it.
        if (!remove_file_durable(network_dir_, network_file(nwid), c.error)) return {Outcome::failed, Json(), c.error};
        remove_tree_durable(network_dir_ + "/" + nwid.to_string(), c.error);
        for (auto& [address, record] : it->second.members)
            pending_.push_back({nwid, address, std::move(record), Json()});
        c.record = it->second.record;
        pending_.push_back({nwid, std::nullopt, std::move(it->second.record), Json()});
        nets_.erase(it);
    }
    deliver();
    return c;
}

Commit ControllerStore::erase_member(NetworkId nwid, Address address) {
    Commit c{Outcome::erased, Json(), ""};
    {
        std::lock_guard lk(mu_);
        auto net = nets_.find(nwid);
        if (net == nets_.end()) return {Outcome::not_found, Json(), "network " + nwid.to_string() + " not found"};
        auto it = net->second.members.find(address);
        if (it == net->second.members.end())
            return {Outcome::not_found, Json(), "member " + address.to_string() + " not found"};
        if (!remove_file_durable(member_dir(nwid), address.to_string() + ".json", c.error))
            return {Outcome::failed, Json(), c.error};
        c.record = it->second;
        pending_.push_back({nwid, address, std::move(it->second), Json()});
        net->second.members.erase(it);
    }
    deliver();
    return c;
}

Commit ControllerStore::update_network_locked(NetworkId nwid, const Edit& edit) {
    if (nwid.controller() != controller_)
        return {Outcome::refused, Json(), "network " + nwid.to_string() + " is not under controller " +
                                              controller_.to_string()};
    auto it = nets_.find(nwid);
    const bool created = it == nets_.end();
    Json record = created ? Json::object() : it->second.record;
    init_network(record, now_locked());
    record["id"] = record["nwid"] = nwid.to_string();
    if (!edit(record, created) || !record.is_object())
        return {Outcome::refused, created ? Json() : it->second.record, "declined"};
    clean_network(record);
    return commit_network_locked(nwid, std::move(record));
}

Commit ControllerStore::update_member_locked(NetworkId nwid, Address address, const Edit& edit) {
    auto net = nets_.find(nwid);
    if (net == nets_.end()) return {Outcome::not_found, Json(), "network " + nwid.to_string() + " not found"};
    if (address.is_reserved()) return {Outcome::refused, Json(), "address " + address.to_string() + " is reserved"};
    auto it = net->second.members.find(address);
    const bool created = it == net->second.members.end();
    Json record = created ? Json::object() : it->second;
    init_member(record, now_locked());
    if (created && auto_authorize_) {
        record["authorized"] = true;
        record["lastAuthorizedTime"] = now_locked();
        record["lastAuthorizedCredentialType"] = "api";
    }
    record["id"] = record["address"] = address.to_string();
    record["nwid"] = nwid.to_string();
    if (!edit(record, created) || !record.is_object())
        return {Outcome::refused, created ? Json() : it->second, "declined"};
    clean_member(record);
    return commit_member_locked(nwid, address, std::move(record));
}

Commit ControllerStore::update_network(NetworkId nwid, const Edit& edit) {
    Commit c;
    {
        std::lock_guard lk(mu_);
        c = update_network_locked(nwid, edit);
    }
    deliver();
    return c;
}

Commit ControllerStore::create_network(const Edit& edit) {
    Commit c{Outcome::failed, Json(), "no unused network id found"};
    {
        std::lock_guard lk(mu_);
        // Upstream: our address in the top 40 bits, 24 random bits, never all zero.
        for (int attempt = 0; attempt < 1000; ++attempt) {
            uint64_t r = 0;
            if (::getrandom(&r, sizeof r, 0) != ssize_t(sizeof r)) continue;
            NetworkId nwid{(controller_.value() << 24) | (r & 0xffffff)};
            if ((nwid.value & 0xffffff) == 0) nwid.value |= 1;
            if (nets_.count(nwid)) continue;
            c = update_network_locked(nwid, edit);
            break;
        }
    }
    deliver();
    return c;
}

Commit ControllerStore::update_member(NetworkId nwid, Address address, const Edit& edit) {
    Commit c;
    {
        std::lock_guard lk(mu_);
        c = update_member_locked(nwid, address, edit);
    }
    deliver();
    return c;
}

bool ControllerStore::ip_taken_locked(const NetworkState& net, Address except, const std::string& ip) const {
    for (const auto& [address, record] : net.members) {
        if (address == except) continue;
        const Json& ips = record.value("ipAssignments", Json());
        if (ips.is_array() && std::find(ips.begin(), ips.end(), Json(ip)) != ips.end()) return true;
    }
    return false;
}

Commit ControllerStore::record_request(NetworkId nwid, Address address, const ConfigRequest& request,
                                       IdentityCheck& identity) {
    identity = IdentityCheck::matched;
    Commit c;
    {
        std::lock_guard lk(mu_);
        c = update_member_locked(nwid, address, [&](Json& m, bool) {
            const std::string have = as_string(m.value("identity", Json()), "");
            if (!have.empty()) {
                identity = public_identity_part(have) == public_identity_part(request.identity)
                               ? IdentityCheck::matched
                               : IdentityCheck::mismatch;
                if (identity == IdentityCheck::mismatch) return false;
            } else {
                m["identity"] = public_identity_part(request.identity);
                identity = IdentityCheck::learned;
            }
            if (!request.auto_authorized_by.empty() && !as_bool(m["authorized"], false)) {
                m["authorized"] = true;
                m["lastAuthorizedTime"] = now_locked();
                m["lastAuthorizedCredentialType"] = request.auto_authorized_by;
                m["lastAuthorizedCredential"] =
                    request.auth_token.empty() ? Json() : Json(request.auth_token);
            }
            if (request.versions) {
                m["vMajor"] = request.versions->major;
                m["vMinor"] = request.versions->minor;
                m["vRev"] = request.versions->rev;
                m["vProto"] = request.versions->proto;
            }
            Json& ips = m["ipAssignments"];
            if (!ips.is_array()) ips = Json::array();
            for (const std::string& ip : request.assigned_ips)
                if (std::find(ips.begin(), ips.end(), Json(ip)) == ips.end() &&
                    !ip_taken_locked(nets_.at(nwid), address, ip))
                    ips.push_back(ip);
            return true;
        });
        if (c.outcome == Outcome::refused && identity == IdentityCheck::mismatch)
            c.error = "identity does not match the one on record";
    }
    deliver();
    return c;
}

void ControllerStore::deliver() {
    std::unique_lock lk(mu_);
    if (delivering_) return;
    delivering_ = true;
    while (!pending_.empty()) {
        Change change = std::move(pending_.front());
        pending_.pop_front();
        Listener listener = listener_;
        lk.unlock();
        if (listener) {
            try {
                listener(change);
            } catch (...) {
                // A failing listener must not wedge delivery for everyone else.
            }
        }
        lk.lock();
    }
    delivering_ = false;
}

}  // namespace zt::ctl

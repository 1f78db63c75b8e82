// ControllerStore: upstream's defaults (spec §9.1, and replaying how the captured records of
// test/vectors/captures/controller were made), the FileDB layout, reopening, corrupt and
// leftover files, the change listener and config-request recording.
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "tools/ztcontroller/post_body.hpp"
#include "tools/ztcontroller/store.hpp"

using zt::Address;
using zt::NetworkId;
using zt::UnixMs;
using namespace zt::ctl;

namespace {

const Address ctl_address{0xc41b8868acULL};
const NetworkId nwid{0xc41b8868ac000001ULL};
const Address member_a{0x0eb8d1da54ULL};
const Address member_b{0x3cc90031a0ULL};

class TempHome {
public:
    TempHome() {
        char tmpl[] = "/tmp/ztctl-test.XXXXXX";
        REQUIRE(mkdtemp(tmpl));
        path = tmpl;
    }
    ~TempHome() { std::filesystem::remove_all(path); }
    std::string path;
    std::string network_dir() const { return path + "/controller.d/network"; }
};

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
}

Json vector_json(const std::string& name) {
    return Json::parse(read_text(std::string(ZT_TEST_VECTORS_DIR) + "/captures/controller/" + name));
}

std::string capture_identity_public(const std::string& node) {
    std::string text = read_text(std::string(ZT_TEST_VECTORS_DIR) + "/captures/nodes/" + node + "/identity.public");
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

void open_store(ControllerStore& store, const TempHome& home, UnixMs now = 1000) {
    store.set_clock([now] { return now; });
    std::string error;
    REQUIRE(store.open(home.path, ctl_address, error));
    REQUIRE(error.empty());
}

ControllerStore::Edit apply_body(const Json& body, UnixMs now = 1000) {
    std::string error;
    auto patch = member_patch(body, error);
    REQUIRE(patch);
    return [p = *patch, now](Json& m, bool) {
        apply_member_patch(p, m, now);
        return true;
    };
}

ControllerStore::Edit apply_network_body(const Json& body) {
    std::string error;
    auto patch = network_patch(body, error);
    REQUIRE(patch);
    return [p = *patch](Json& n, bool) {
        apply_network_patch(p, n);
        return true;
    };
}

const ControllerStore::Edit no_edit = [](Json&, bool) { return true; };

}  // namespace

TEST_CASE("store: a new network has upstream initNetwork's defaults", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home, 1234);
    Commit c = store.update_network(nwid, no_edit);
    REQUIRE(c.outcome == Outcome::saved);
    const Json expected = {
        {"authTokens", Json::array({nullptr})},
        {"authorizationEndpoint", ""},
        {"capabilities", Json::array()},
        {"clientId", ""},
        {"creationTime", 1234},
        {"dns", Json::array()},
        {"enableBroadcast", true},
        {"id", "c41b8868ac000001"},
        {"ipAssignmentPools", Json::array()},
        {"mtu", 2800},
        {"multicastLimit", 32},
        {"name", ""},
        {"nwid", "c41b8868ac000001"},
        {"objtype", "network"},
        {"private", true},
        {"remoteTraceLevel", 0},
        {"remoteTraceTarget", nullptr},
        {"revision", 1},
        {"routes", Json::array()},
        {"rules", Json::array({{{"not", false}, {"or", false}, {"type", "ACTION_ACCEPT"}}})},
        {"rulesSource", ""},
        {"ssoEnabled", false},
        {"tags", Json::array()},
        {"v4AssignMode", {{"zt", false}}},
        {"v6AssignMode", {{"6plane", false}, {"rfc4193", false}, {"zt", false}}},
    };
    CHECK(c.record == expected);
    CHECK(*store.network(nwid) == expected);
    // The file holds the same record, pretty-printed.
    const std::string text = read_text(home.network_dir() + "/c41b8868ac000001.json");
    CHECK(Json::parse(text) == expected);
    CHECK(text.find("\n    \"mtu\": 2800,\n") != std::string::npos);
}

TEST_CASE("store: a new member has upstream initMember's defaults", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home, 1234);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    Commit c = store.update_member(nwid, member_a, no_edit);
    REQUIRE(c.outcome == Outcome::saved);
    const Json expected = {
        {"activeBridge", false},
        {"address", "0eb8d1da54"},
        {"authenticationExpiryTime", 0},
        {"authorized", false},
        {"capabilities", Json::array()},
        {"creationTime", 1234},
        {"id", "0eb8d1da54"},
        {"ipAssignments", Json::array()},
        {"lastAuthorizedCredential", nullptr},
        {"lastAuthorizedCredentialType", nullptr},
        {"lastAuthorizedTime", 0},
        {"lastDeauthorizedTime", 0},
        {"noAutoAssignIps", false},
        {"nwid", "c41b8868ac000001"},
        {"objtype", "member"},
        {"remoteTraceLevel", 0},
        {"remoteTraceTarget", nullptr},
        {"revision", 1},
        {"ssoExempt", false},
        {"tags", Json::array()},
        {"vMajor", -1},
        {"vMinor", -1},
        {"vProto", -1},
        {"vRev", -1},
    };
    CHECK(c.record == expected);
    CHECK(Json::parse(read_text(home.network_dir() + "/c41b8868ac000001/member/0eb8d1da54.json")) == expected);
}

// The reference controller's records came from one network POST, one member POST each
// (authorized + a static IP), then each member's first config request.
TEST_CASE("store: replaying the reference setup gives the captured records", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home, 1795543836182);
    Commit n = store.update_network(nwid, apply_network_body({
        {"name", "ztref"},
        {"private", true},
        {"v4AssignMode", {{"zt", true}}},
        {"ipAssignmentPools", {{{"ipRangeStart", "10.147.17.1"}, {"ipRangeEnd", "10.147.17.254"}}}},
        {"routes", {{{"target", "10.147.17.0/24"}, {"via", nullptr}}}},
        {"rules", {{{"type", "ACTION_ACCEPT"}}}},
    }));
    REQUIRE(n.outcome == Outcome::saved);
    CHECK(n.record == vector_json("network-c41b8868ac000001.json"));

    for (auto [node, address, ip, when] : {std::tuple{"a", member_a, "10.147.17.11", UnixMs(1795543836195)},
                                           std::tuple{"b", member_b, "10.147.17.12", UnixMs(1795543836208)}}) {
        const UnixMs now = when;
        store.set_clock([now] { return now; });
        REQUIRE(store.update_member(nwid, address, apply_body({{"authorized", true}, {"ipAssignments", {ip}}}, now))
                    .outcome == Outcome::saved);
        IdentityCheck check;
        ConfigRequest request{capture_identity_public(node), MemberVersions{1, 14, 1, 12}, {}, "", ""};
        Commit m = store.record_request(nwid, address, request, check);
        REQUIRE(m.outcome == Outcome::saved);
        CHECK(check == IdentityCheck::learned);
        CHECK(m.record == vector_json("member-" + address.to_string() + ".json"));
    }
    CHECK(store.members(nwid) == std::vector<std::pair<Address, uint64_t>>{{member_a, 2}, {member_b, 2}});
}

TEST_CASE("store: records survive a reopen unchanged", "[controller]") {
    TempHome home;
    Json network, member;
    {
        ControllerStore store;
        open_store(store, home);
        network = store.update_network(nwid, apply_network_body({{"name", "n1"}, {"mtu", 1500}})).record;
        member = store.update_member(nwid, member_b, apply_body({{"authorized", true}})).record;
        REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
        REQUIRE(store.erase_member(nwid, member_a).outcome == Outcome::erased);
    }
    ControllerStore store;
    open_store(store, home);
    CHECK(store.load_problems().empty());
    CHECK(store.networks() == std::vector<NetworkId>{nwid});
    CHECK(*store.network(nwid) == network);
    CHECK(*store.member(nwid, member_b) == member);
    CHECK_FALSE(store.member(nwid, member_a));
    CHECK(store.members(nwid) == std::vector<std::pair<Address, uint64_t>>{{member_b, 1}});
    // Saving the same content again changes nothing, not even the revision.
    Commit again = store.save_network(network);
    CHECK(again.outcome == Outcome::unchanged);
    CHECK(again.record["revision"] == 1);
}

TEST_CASE("store: revision counts changes, not saves", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    CHECK(store.update_network(nwid, apply_network_body({{"name", "a"}})).record["revision"] == 1);
    CHECK(store.update_network(nwid, apply_network_body({{"name", "a"}})).outcome == Outcome::unchanged);
    CHECK(store.update_network(nwid, apply_network_body({{"name", "b"}})).record["revision"] == 2);
    Json stale = *store.network(nwid);
    stale["revision"] = 0;  // a caller's stale copy: the stored revision still goes up by one
    stale["name"] = "c";
    CHECK(store.save_network(stale).record["revision"] == 3);
}

TEST_CASE("store: corrupt and unreadable files are reported by path and skipped", "[controller]") {
    TempHome home;
    {
        ControllerStore store;
        open_store(store, home);
        REQUIRE(store.update_network(nwid, no_edit).ok());
        REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
        REQUIRE(store.update_member(nwid, member_b, no_edit).ok());
        REQUIRE(store.update_network(NetworkId{0xc41b8868ac000002ULL}, no_edit).ok());
    }
    const std::string bad_member = home.network_dir() + "/c41b8868ac000001/member/0eb8d1da54.json";
    const std::string bad_network = home.network_dir() + "/c41b8868ac000002.json";
    write_text(bad_member, "{\"id\": \"0eb8d1da54\", \"authoriz");
    write_text(bad_network, "[1, 2, 3]");
    write_text(home.network_dir() + "/c41b8868ac000003.json", "{\"id\": \"c41b8868ac000004\"}");
    write_text(home.network_dir() + "/99999999990000aa.json", "{\"id\": \"99999999990000aa\"}");
    const std::string unreadable = home.network_dir() + "/c41b8868ac000005.json";
    std::filesystem::create_symlink(home.path + "/nowhere", unreadable);
    ControllerStore store;
    open_store(store, home);
    const auto& problems = store.load_problems();
    REQUIRE(problems.size() == 5);
    auto mentions = [&](const std::string& what) {
        for (const auto& p : problems)
            if (p.find(what) != std::string::npos) return true;
        return false;
    };
    CHECK(mentions(bad_member + ": not valid JSON"));
    CHECK(mentions(bad_network + ": not a JSON object"));
    CHECK(mentions("c41b8868ac000003.json: \"id\" does not match"));
    CHECK(mentions("99999999990000aa.json: network of controller 9999999999"));
    CHECK(mentions(unreadable + ": No such file or directory; skipped"));
    CHECK(store.networks() == std::vector<NetworkId>{nwid});
    CHECK(store.members(nwid).size() == 1);
    CHECK(store.member(nwid, member_b));
    // Skipped files are left as they were.
    CHECK(read_text(bad_member) == "{\"id\": \"0eb8d1da54\", \"authoriz");
}

TEST_CASE("store: temp files left by a killed write are removed at open", "[controller]") {
    TempHome home;
    {
        ControllerStore store;
        open_store(store, home);
        REQUIRE(store.update_network(nwid, no_edit).ok());
        REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
    }
    const std::string net_tmp = home.network_dir() + "/c41b8868ac000001.json.tmp";
    const std::string mem_tmp = home.network_dir() + "/c41b8868ac000001/member/0eb8d1da54.json.tmp";
    write_text(net_tmp, "{\"half\": ");
    write_text(mem_tmp, "");
    ControllerStore store;
    open_store(store, home);
    CHECK(store.load_problems().empty());
    CHECK_FALSE(std::filesystem::exists(net_tmp));
    CHECK_FALSE(std::filesystem::exists(mem_tmp));
    CHECK(store.member(nwid, member_a));
}

TEST_CASE("store: one store per home at a time", "[controller]") {
    TempHome home;
    ControllerStore first;
    open_store(first, home);
    ControllerStore second;
    std::string error;
    CHECK_FALSE(second.open(home.path, ctl_address, error));
    CHECK(error.find("another controller") != std::string::npos);
}

TEST_CASE("store: networks are ours only, members need their network", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    CHECK(store.update_network(NetworkId{0x1111111111000001ULL}, no_edit).outcome == Outcome::refused);
    CHECK(store.save_network({{"id", "1111111111000001"}}).outcome == Outcome::refused);
    CHECK(store.save_network({{"id", "not hex"}}).outcome == Outcome::refused);
    CHECK(store.update_member(nwid, member_a, no_edit).outcome == Outcome::not_found);
    CHECK(store.save_member({{"id", "0eb8d1da54"}, {"nwid", "c41b8868ac000001"}}).outcome == Outcome::not_found);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    CHECK(store.update_member(nwid, Address{0}, no_edit).outcome == Outcome::refused);
    CHECK(store.update_member(nwid, Address{0xff00000001ULL}, no_edit).outcome == Outcome::refused);
    CHECK(store.networks().size() == 1);
    CHECK_FALSE(std::filesystem::exists(home.network_dir() + "/1111111111000001.json"));
}

TEST_CASE("store: create_network picks a fresh id under our address", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    Commit a = store.create_network(no_edit);
    Commit b = store.create_network(no_edit);
    REQUIRE(a.outcome == Outcome::saved);
    REQUIRE(b.outcome == Outcome::saved);
    auto ida = NetworkId::parse(a.record["id"].get<std::string>());
    auto idb = NetworkId::parse(b.record["id"].get<std::string>());
    REQUIRE(ida);
    REQUIRE(idb);
    CHECK(ida->controller() == ctl_address);
    CHECK((ida->value & 0xffffff) != 0);
    CHECK(*ida != *idb);
    CHECK(store.networks().size() == 2);
}

TEST_CASE("store: erasing a network removes its file and members", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
    Commit c = store.erase_network(nwid);
    CHECK(c.outcome == Outcome::erased);
    CHECK(c.record["id"] == "c41b8868ac000001");
    CHECK(store.networks().empty());
    CHECK_FALSE(std::filesystem::exists(home.network_dir() + "/c41b8868ac000001.json"));
    CHECK_FALSE(std::filesystem::exists(home.network_dir() + "/c41b8868ac000001"));
    CHECK(store.erase_network(nwid).outcome == Outcome::not_found);
    // A new network with the same id starts empty.
    REQUIRE(store.update_network(nwid, no_edit).ok());
    CHECK(store.members(nwid).empty());
}

TEST_CASE("store: an interrupted network delete does not bring members back", "[controller]") {
    TempHome home;
    {
        ControllerStore store;
        open_store(store, home);
        REQUIRE(store.update_network(nwid, no_edit).ok());
        REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
    }
    // Killed after the commit point (network file gone), before the member tree went.
    std::filesystem::remove(home.network_dir() + "/c41b8868ac000001.json");
    {
        ControllerStore store;
        open_store(store, home);
        CHECK(store.networks().empty());
        REQUIRE(store.update_network(nwid, no_edit).ok());
        CHECK(store.members(nwid).empty());
    }
    ControllerStore store;
    open_store(store, home);
    CHECK(store.members(nwid).empty());
}

TEST_CASE("store: the listener sees each commit once, in order, outside the lock", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    std::vector<Change> seen;
    store.set_listener([&](const Change& c) {
        seen.push_back(c);
        CHECK(store.networks().size() <= 1);  // reading from the listener does not deadlock
    });
    REQUIRE(store.update_network(nwid, apply_network_body({{"name", "x"}})).ok());
    REQUIRE(store.update_network(nwid, apply_network_body({{"name", "x"}})).outcome == Outcome::unchanged);
    REQUIRE(store.update_member(nwid, member_a, apply_body({{"authorized", true}})).ok());
    REQUIRE(store.update_member(nwid, member_a, apply_body({{"authorized", false}}, 2000)).ok());
    REQUIRE(store.update_member(nwid, member_b, no_edit).ok());
    REQUIRE(store.erase_network(nwid).ok());
    REQUIRE(seen.size() == 7);
    CHECK((seen[0].nwid == nwid && !seen[0].member && seen[0].old_record.is_null()));
    CHECK(seen[0].new_record["name"] == "x");
    CHECK((seen[1].member == member_a && seen[1].old_record.is_null() && seen[1].new_record["authorized"] == true));
    // A deauthorization shows as authorized true -> false, with the time it happened.
    CHECK((seen[2].old_record["authorized"] == true && seen[2].new_record["authorized"] == false));
    CHECK(seen[2].new_record["lastDeauthorizedTime"] == 2000);
    CHECK(seen[3].member == member_b);
    // Erasing the network: each member first, then the network itself.
    CHECK((seen[4].member && seen[4].new_record.is_null()));
    CHECK((seen[5].member && seen[5].new_record.is_null()));
    CHECK((!seen[6].member && seen[6].new_record.is_null() && seen[6].old_record["name"] == "x"));
}

TEST_CASE("store: a listener may write to the store", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    std::vector<std::string> order;
    store.set_listener([&](const Change& c) {
        order.push_back(c.member ? c.member->to_string() : "network");
        if (c.member == member_a && c.old_record.is_null()) REQUIRE(store.update_member(nwid, member_b, no_edit).ok());
    });
    REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
    CHECK(order == std::vector<std::string>{"0eb8d1da54", "3cc90031a0"});
}

TEST_CASE("store: record_request learns an identity once and refuses another", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    const std::string id_a = capture_identity_public("a");
    IdentityCheck check;
    // An unauthorized request: identity only, versions stay unknown (upstream).
    Commit first = store.record_request(nwid, member_a, {id_a, std::nullopt, {}, "", ""}, check);
    REQUIRE(first.outcome == Outcome::saved);
    CHECK(check == IdentityCheck::learned);
    CHECK(first.record["identity"] == id_a);
    CHECK(first.record["vMajor"] == -1);
    CHECK(first.record["authorized"] == false);
    // Same identity, with its secret part: matched, nothing else changed, so nothing written.
    Commit again = store.record_request(nwid, member_a, {id_a + ":00ff", std::nullopt, {}, "", ""}, check);
    CHECK(check == IdentityCheck::matched);
    CHECK(again.outcome == Outcome::unchanged);
    // Another key claiming the same address is refused and changes nothing.
    std::string other = id_a;
    other[other.size() - 1] = other.back() == '0' ? '1' : '0';
    Commit impostor = store.record_request(nwid, member_a, {other, MemberVersions{1, 14, 1, 12}, {"10.0.0.9"}, "public", ""}, check);
    CHECK(check == IdentityCheck::mismatch);
    CHECK(impostor.outcome == Outcome::refused);
    CHECK(*store.member(nwid, member_a) == first.record);
}

TEST_CASE("store: record_request records versions, auto-authorization and IPs in one revision", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home, 5000);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    REQUIRE(store.update_member(nwid, member_b, apply_body({{"ipAssignments", {"10.0.0.2"}}})).ok());
    IdentityCheck check;
    ConfigRequest request{capture_identity_public("a"), MemberVersions{1, 14, 1, 12}, {"10.0.0.1", "10.0.0.2"}, "token", "t0k"};
    Commit c = store.record_request(nwid, member_a, request, check);
    REQUIRE(c.outcome == Outcome::saved);
    CHECK(c.record["revision"] == 1);
    CHECK(c.record["vMajor"] == 1);
    CHECK(c.record["vMinor"] == 14);
    CHECK(c.record["vRev"] == 1);
    CHECK(c.record["vProto"] == 12);
    CHECK(c.record["authorized"] == true);
    CHECK(c.record["lastAuthorizedTime"] == 5000);
    CHECK(c.record["lastAuthorizedCredentialType"] == "token");
    CHECK(c.record["lastAuthorizedCredential"] == "t0k");
    // 10.0.0.2 belongs to member b already.
    CHECK(c.record["ipAssignments"] == Json::array({"10.0.0.1"}));
}

TEST_CASE("store: auto-authorize makes new members authorized", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home, 7000);
    store.set_auto_authorize(true);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    Commit c = store.update_member(nwid, member_a, no_edit);
    CHECK(c.record["authorized"] == true);
    CHECK(c.record["lastAuthorizedTime"] == 7000);
    CHECK(c.record["lastAuthorizedCredentialType"] == "api");
    // Existing members keep what they have.
    REQUIRE(store.update_member(nwid, member_a, apply_body({{"authorized", false}})).ok());
    CHECK(store.update_member(nwid, member_a, no_edit).record["authorized"] == false);
}

TEST_CASE("store: files and directories are private to the owner", "[controller]") {
    TempHome home;
    ControllerStore store;
    open_store(store, home);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    REQUIRE(store.update_member(nwid, member_a, no_edit).ok());
    auto mode = [](const std::string& p) {
        struct stat st {};
        REQUIRE(::stat(p.c_str(), &st) == 0);
        return st.st_mode & 0777;
    };
    CHECK(mode(home.path + "/controller.d") == 0700);
    CHECK(mode(home.network_dir() + "/c41b8868ac000001.json") == 0600);
    CHECK(mode(home.network_dir() + "/c41b8868ac000001/member/0eb8d1da54.json") == 0600);
}

TEST_CASE("store: concurrent writers, the listener sees each member's revisions in order", "[controller]") {
    TempHome home;
    auto owner = std::make_unique<ControllerStore>();
    ControllerStore& store = *owner;
    open_store(store, home);
    REQUIRE(store.update_network(nwid, no_edit).ok());
    std::mutex seen_mu;
    std::map<std::string, std::vector<uint64_t>> seen;
    store.set_listener([&](const Change& c) {
        std::lock_guard lk(seen_mu);
        seen[c.member->to_string()].push_back(c.new_record["revision"].get<uint64_t>());
    });
    constexpr int writers = 4, rounds = 40;
    std::atomic<int> saved{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < rounds; ++i) {
                // Two threads share each member, so their commits interleave.
                Address a{0x1000000000ULL + uint64_t(t % 2)};
                Commit c = store.update_member(nwid, a, [&](Json& m, bool) {
                    m["name"] = "w" + std::to_string(t) + "-" + std::to_string(i);
                    return true;
                });
                if (c.outcome == Outcome::saved) ++saved;  // Catch2 checks are not thread-safe
            }
        });
    }
    for (auto& th : threads) th.join();
    CHECK(saved == writers * rounds);
    REQUIRE(seen.size() == 2);
    for (const auto& [member, revisions] : seen) {
        INFO(member);
        REQUIRE(revisions.size() == size_t(2 * rounds));
        for (size_t i = 0; i < revisions.size(); ++i) CHECK(revisions[i] == i + 1);
    }
    owner.reset();  // releases the directory lock
    ControllerStore reopened;
    open_store(reopened, home);
    CHECK(reopened.members(nwid) == std::vector<std::pair<Address, uint64_t>>{{Address{0x1000000000ULL}, 80},
                                                                             {Address{0x1000000001ULL}, 80}});
}

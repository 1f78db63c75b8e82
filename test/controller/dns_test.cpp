// The controller's names (tools/ztcontroller/dns*): DNS answers from a lookup, and the lookup of
// member names in a real store (domain per network, case, authorization, renames).
#include <catch2/catch.hpp>

#include "tools/ztcontroller/ldns.hpp"
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tools/ztcontroller/dns.hpp"
#include "tools/ztcontroller/store.hpp"

using namespace zt;
using namespace zt::ctl;

namespace {

std::vector<uint8_t> query(const char* name, ldns_rr_type type, uint16_t id = 0x4242) {
    ldns_pkt* q = nullptr;
    REQUIRE(ldns_pkt_query_new_frm_str(&q, name, type, LDNS_RR_CLASS_IN, LDNS_RD) == LDNS_STATUS_OK);
    ldns_pkt_set_id(q, id);
    uint8_t* wire = nullptr;
    size_t size = 0;
    REQUIRE(ldns_pkt2wire(&wire, q, &size) == LDNS_STATUS_OK);
    std::vector<uint8_t> out(wire, wire + size);
    std::free(wire);
    ldns_pkt_free(q);
    return out;
}

struct Parsed {
    uint16_t id = 0;
    ldns_pkt_rcode rcode{};
    bool aa = false;
    std::vector<std::string> answers;  // rdata as text
};

Parsed parse(const std::vector<uint8_t>& wire) {
    Parsed p;
    ldns_pkt* r = nullptr;
    REQUIRE(ldns_wire2pkt(&r, wire.data(), wire.size()) == LDNS_STATUS_OK);
    p.id = ldns_pkt_id(r);
    p.rcode = ldns_pkt_get_rcode(r);
    p.aa = ldns_pkt_aa(r);
    ldns_rr_list* an = ldns_pkt_answer(r);
    for (size_t i = 0; an && i < ldns_rr_list_rr_count(an); ++i) {
        char* t = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(an, i), 0));
        p.answers.push_back(t);
        std::free(t);
    }
    ldns_pkt_free(r);
    return p;
}

dns::Answer zone_lookup(std::string_view name) {
    dns::Answer a;
    a.in_zone = name == "zt.example" || name.ends_with(".zt.example");
    if (name == "web.zt.example") {
        a.found = true;
        a.addrs = {stack::InetAddr::v4(10, 147, 17, 2), *stack::InetAddr::parse_ip("fd00::2")};
    }
    return a;
}

}  // namespace

TEST_CASE("dns: answers A and AAAA for a known name", "[controller][dns]") {
    auto a = parse(dns::respond(query("web.zt.example.", LDNS_RR_TYPE_A), zone_lookup));
    CHECK(a.id == 0x4242);
    CHECK(a.rcode == LDNS_RCODE_NOERROR);
    CHECK(a.aa);
    CHECK(a.answers == std::vector<std::string>{"10.147.17.2"});
    auto aaaa = parse(dns::respond(query("WEB.zt.Example.", LDNS_RR_TYPE_AAAA), zone_lookup));
    CHECK(aaaa.answers == std::vector<std::string>{"fd00::2"});
    auto mx = parse(dns::respond(query("web.zt.example.", LDNS_RR_TYPE_MX), zone_lookup));
    CHECK(mx.rcode == LDNS_RCODE_NOERROR);  // the name exists, no data of that type
    CHECK(mx.answers.empty());
}

TEST_CASE("dns: NXDOMAIN in the zone, REFUSED outside, errors for bad messages", "[controller][dns]") {
    auto nx = parse(dns::respond(query("nope.zt.example.", LDNS_RR_TYPE_A), zone_lookup));
    CHECK(nx.rcode == LDNS_RCODE_NXDOMAIN);
    CHECK(nx.aa);
    auto out = parse(dns::respond(query("example.com.", LDNS_RR_TYPE_A), zone_lookup));
    CHECK(out.rcode == LDNS_RCODE_REFUSED);
    CHECK(out.answers.empty());

    auto q = query("web.zt.example.", LDNS_RR_TYPE_A, 0x0102);
    auto truncated = std::vector<uint8_t>(q.begin(), q.begin() + 16);
    auto formerr = parse(dns::respond(truncated, zone_lookup));
    CHECK(formerr.id == 0x0102);
    CHECK(formerr.rcode == LDNS_RCODE_FORMERR);
    auto notify = q;
    notify[2] = uint8_t((notify[2] & 0x87) | (4 << 3));  // opcode NOTIFY
    CHECK(parse(dns::respond(notify, zone_lookup)).rcode == LDNS_RCODE_NOTIMPL);
    auto response = q;
    response[2] |= 0x80;  // a response: never answered (no reflection loops)
    CHECK(dns::respond(response, zone_lookup).empty());
    CHECK(dns::respond(std::vector<uint8_t>{1, 2, 3}, zone_lookup).empty());
}

TEST_CASE("dns: member names from the store", "[controller][dns]") {
    char tmpl[] = "/tmp/ztctl-dns.XXXXXX";
    REQUIRE(mkdtemp(tmpl));
    const std::string home = tmpl;
    {
        ControllerStore store;
        std::string error;
        const Address ctl{0xc41b8868acULL};
        const NetworkId nwid{0xc41b8868ac000001ULL};
        REQUIRE(store.open(home, ctl, error));
        REQUIRE(store.update_network(nwid, [](Json& r, bool) {
                         r["dns"] = {{"domain", "ZT.example."}, {"servers", {"10.147.17.250"}}};
                         return true;
                     }).ok());
        auto member = [&](uint64_t addr, const char* name, bool authorized, std::vector<std::string> ips) {
            REQUIRE(store.update_member(nwid, Address{addr}, [&](Json& r, bool) {
                             r["name"] = name;
                             r["authorized"] = authorized;
                             r["ipAssignments"] = ips;
                             return true;
                         }).ok());
        };
        member(0x0eb8d1da54ULL, "Web", true, {"10.147.17.2", "fd00::2"});
        member(0x3cc90031a0ULL, "db", false, {"10.147.17.3"});

        auto web = dns::lookup_members(store, "web.zt.example");
        CHECK(web.in_zone);
        CHECK(web.found);
        REQUIRE(web.addrs.size() == 2);
        CHECK(web.addrs[0].to_string() == "10.147.17.2:0");
        auto db = dns::lookup_members(store, "db.zt.example");  // not authorized: not named
        CHECK(db.in_zone);
        CHECK_FALSE(db.found);
        CHECK(dns::lookup_members(store, "zt.example").found);
        CHECK_FALSE(dns::lookup_members(store, "a.web.zt.example").found);
        CHECK_FALSE(dns::lookup_members(store, "web.zt.example.org").in_zone);

        member(0x0eb8d1da54ULL, "www", true, {"10.147.17.2"});  // renamed
        CHECK_FALSE(dns::lookup_members(store, "web.zt.example").found);
        CHECK(dns::lookup_members(store, "www.zt.example").found);
    }
    std::filesystem::remove_all(home);
}

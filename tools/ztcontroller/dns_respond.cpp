// DNS answers from a name lookup (dns_respond.hpp), parsed and built with ldns.
#include "tools/ztcontroller/dns_respond.hpp"

#include "tools/ztcontroller/ldns.hpp"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <string>

namespace zt::ctl::dns {

namespace {

constexpr uint32_t kTtl = 60;

struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(uint8_t(c)));
    return out;
}

// A header-only answer with `rcode` when the question cannot be read.
std::vector<uint8_t> header_only(std::span<const uint8_t> query, ldns_pkt_rcode rcode) {
    Pkt r(ldns_pkt_new());
    if (!r) return {};
    ldns_pkt_set_id(r.get(), uint16_t(query[0] << 8 | query[1]));
    ldns_pkt_set_qr(r.get(), true);
    ldns_pkt_set_opcode(r.get(), ldns_pkt_opcode((query[2] >> 3) & 0x0f));
    ldns_pkt_set_rd(r.get(), (query[2] & 1) != 0);
    ldns_pkt_set_rcode(r.get(), uint8_t(rcode));
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, r.get(), &size) != LDNS_STATUS_OK) return {};
    std::vector<uint8_t> out(wire, wire + size);
    std::free(wire);
    return out;
}

}  // namespace

std::vector<uint8_t> respond(std::span<const uint8_t> query, const Lookup& lookup) {
    if (query.size() < 12 || (query[2] & 0x80)) return {};  // too short, or a response
    ldns_pkt* raw = nullptr;
    if (ldns_wire2pkt(&raw, query.data(), query.size()) != LDNS_STATUS_OK || !raw)
        return header_only(query, LDNS_RCODE_FORMERR);
    Pkt q(raw);
    if (ldns_pkt_get_opcode(q.get()) != LDNS_PACKET_QUERY) return header_only(query, LDNS_RCODE_NOTIMPL);
    ldns_rr_list* questions = ldns_pkt_question(q.get());
    if (!questions || ldns_rr_list_rr_count(questions) != 1) return header_only(query, LDNS_RCODE_FORMERR);
    ldns_rr* question = ldns_rr_list_rr(questions, 0);

    Pkt r(ldns_pkt_new());
    if (!r) return {};
    ldns_pkt_set_id(r.get(), ldns_pkt_id(q.get()));
    ldns_pkt_set_qr(r.get(), true);
    ldns_pkt_set_opcode(r.get(), LDNS_PACKET_QUERY);
    ldns_pkt_set_rd(r.get(), ldns_pkt_rd(q.get()));
    ldns_pkt_push_rr(r.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));

    const ldns_rr_type type = ldns_rr_get_type(question);
    const ldns_rr_class cls = ldns_rr_get_class(question);
    char* text = ldns_rdf2str(ldns_rr_owner(question));
    std::string name = text ? lower(text) : std::string();
    std::free(text);
    if (!name.empty() && name.back() == '.') name.pop_back();

    Answer a = cls == LDNS_RR_CLASS_IN || cls == LDNS_RR_CLASS_ANY ? lookup(name) : Answer{};
    if (!a.in_zone) {
        ldns_pkt_set_rcode(r.get(), LDNS_RCODE_REFUSED);
    } else {
        ldns_pkt_set_aa(r.get(), true);
        ldns_pkt_set_rcode(r.get(), a.found ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN);
        for (const auto& ip : a.addrs) {
            const bool v4 = ip.is_v4();
            if (!(type == LDNS_RR_TYPE_ANY || (v4 && type == LDNS_RR_TYPE_A) || (!v4 && type == LDNS_RR_TYPE_AAAA)))
                continue;
            ldns_rr* rr = ldns_rr_new();
            ldns_rr_set_owner(rr, ldns_rdf_clone(ldns_rr_owner(question)));
            ldns_rr_set_type(rr, v4 ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA);
            ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
            ldns_rr_set_ttl(rr, kTtl);
            ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(v4 ? LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA, v4 ? 4 : 16, ip.ip.data()));
            ldns_pkt_push_rr(r.get(), LDNS_SECTION_ANSWER, rr);
        }
    }
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, r.get(), &size) != LDNS_STATUS_OK) return header_only(query, LDNS_RCODE_SERVFAIL);
    std::vector<uint8_t> out(wire, wire + size);
    std::free(wire);
    return out;
}

}  // namespace zt::ctl::dns

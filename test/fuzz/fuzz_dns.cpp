// The controller's DNS responder (tools/ztcontroller/dns_respond.cpp) on arbitrary messages, with
// a lookup that knows one zone: whatever arrives, the answer is empty or a well-formed DNS
// response with the query's id, and nothing crashes or leaks.
#include "tools/ztcontroller/ldns.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "tools/ztcontroller/dns_respond.hpp"

using namespace zt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto lookup = [](std::string_view name) {
        ctl::dns::Answer a;
        if (name == "zt.example" || name.ends_with(".zt.example")) a.in_zone = true;
        if (name == "web.zt.example") {
            a.found = true;
            a.addrs.push_back(stack::InetAddr::v4(10, 147, 17, 2));
            auto v6 = stack::InetAddr::parse_ip("fd00::2");
            a.addrs.push_back(*v6);
        }
        return a;
    };
    auto out = ctl::dns::respond(std::span(data, size), lookup);
    if (out.empty()) return 0;
    if (out.size() < 12 || out[0] != data[0] || out[1] != data[1] || !(out[2] & 0x80)) std::abort();
    ldns_pkt* p = nullptr;
    if (ldns_wire2pkt(&p, out.data(), out.size()) != LDNS_STATUS_OK) std::abort();  // we answer in valid DNS
    ldns_pkt_free(p);
    return 0;
}

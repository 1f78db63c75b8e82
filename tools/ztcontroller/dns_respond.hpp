// The DNS answers of the controller's name service (dns.hpp), apart from where the names come
// from: pure, on bytes, with ldns (libldns-dev); the fuzz target test/fuzz/fuzz_dns.cpp drives it.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "stack/inet.hpp"

namespace zt::ctl::dns {

struct Answer {
    bool in_zone = false;  // the name is one of our domains or under one
    bool found = false;    // a member (or the domain itself) has this name
    std::vector<stack::InetAddr> addrs;
};
// `name`: lower case, without the trailing dot.
using Lookup = std::function<Answer(std::string_view name)>;

// The response to one DNS message, or nothing when it deserves none (a response, or too short
// for a header). Malformed queries get FORMERR, other opcodes NOTIMP.
std::vector<uint8_t> respond(std::span<const uint8_t> query, const Lookup& lookup);

}  // namespace zt::ctl::dns

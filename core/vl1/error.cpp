// ERROR payload codec (spec §5.1). Layout in error.hpp.
#include "core/vl1/error.hpp"

#include "core/wire/reader.hpp"

namespace zt::vl1 {

bool Error::carries_network_id(Verb in_re_verb, ErrorCode code) {
    switch (code) {
    case ErrorCode::obj_not_found:
    case ErrorCode::unsupported_operation:
        return in_re_verb == Verb::network_config_request;
    case ErrorCode::need_membership_certificate:
    case ErrorCode::network_access_denied:
    case ErrorCode::unwanted_multicast:
    case ErrorCode::network_authentication_required:
        return true;
    case ErrorCode::none:
    case ErrorCode::invalid_request:
    case ErrorCode::bad_protocol_version:
    case ErrorCode::identity_collision:
        return false;
    }
    return false;  // unknown codes: no known payload
}

std::optional<Error> Error::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    Error e;
    e.in_re_verb = Verb(r.u8());
    e.in_re_packet_id = r.u64be();
    e.code = ErrorCode(r.u8());
    if (r.ok() && carries_network_id(e.in_re_verb, e.code)) e.nwid = NetworkId{r.u64be()};
    e.rest = r.rest();
    if (!r.ok()) return std::nullopt;
    return e;
}

void Error::serialize(Writer& w) const {
    w.u8(uint8_t(in_re_verb));
    w.u64be(in_re_packet_id);
    w.u8(uint8_t(code));
    if (nwid) w.u64be(nwid->value);
    w.bytes(rest);
}

}  // namespace zt::vl1

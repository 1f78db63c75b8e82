// Named reasons for dropping a datagram or packet (STYLE §4). Every drop on the receive
// path is one of these; the node counts them and reports them as events.
// The wire layer (core/wire, core/vl1, core/vl2) produces the first group; the node's
// receive pipeline (spec §4.7) uses the second.
#pragma once

#include <cstdint>

namespace zt {

enum class Drop : uint8_t {
    // Wire layer: length, framing, armor, compression, fragments.
    too_short,           // shorter than the header / mandatory fields (§3.1)
    too_long,            // longer than kMaxPacketLength (§3.2)
    bad_mac,             // authentication failed (§4.3, §4.4)
    unsupported_cipher,  // suite 2 without a trusted path, suite 3 without AES, suites 4..7
    bad_compression,     // LZ4 block invalid or larger than the bound (§4.6)
    bad_fragment,        // fragment counts out of range or inconsistent (§3.4)
    duplicate_fragment,  // head or fragment already held for that packet id (§3.4)
    bad_payload,         // verb payload does not parse
    crypto_failure,      // the crypto library failed (OpenSSL context), not the peer
    // Node pipeline (§4.7): used by core/, listed here so there is one enum.
    not_for_us,
    from_self,
    unknown_peer,
    untrusted_path,
    rate_limited,
    bad_identity,
    unexpected_reply,    // OK whose in-re packet id we did not send (§4.8)
    replay,              // an authenticated packet id seen again within the window
    hop_limit,           // relaying refused: hops >= 3 (§7.6)
    no_route,            // relaying refused: no direct path to the destination
    bad_world,           // a root offered a world update that fails §7.2 or its roots' validation
    // VL2 (§8).
    bad_config,          // a config chunk whose signature, size or Dictionary is invalid (§8.4)
    bad_credential,      // a COM/capability/tag/COO/revocation that fails verification (§8.8)
    not_member,          // a frame from a peer without a valid certificate of membership (§8.7)
    rules,               // a frame the network's flow rules drop (§8.9)
};

constexpr const char* to_string(Drop d) {
    switch (d) {
    case Drop::too_short: return "too_short";
    case Drop::too_long: return "too_long";
    case Drop::bad_mac: return "bad_mac";
    case Drop::unsupported_cipher: return "unsupported_cipher";
    case Drop::bad_compression: return "bad_compression";
    case Drop::bad_fragment: return "bad_fragment";
    case Drop::duplicate_fragment: return "duplicate_fragment";
    case Drop::bad_payload: return "bad_payload";
    case Drop::crypto_failure: return "crypto_failure";
    case Drop::not_for_us: return "not_for_us";
    case Drop::from_self: return "from_self";
    case Drop::unknown_peer: return "unknown_peer";
    case Drop::untrusted_path: return "untrusted_path";
    case Drop::rate_limited: return "rate_limited";
    case Drop::bad_identity: return "bad_identity";
    case Drop::unexpected_reply: return "unexpected_reply";
    case Drop::replay: return "replay";
    case Drop::hop_limit: return "hop_limit";
    case Drop::no_route: return "no_route";
    case Drop::bad_world: return "bad_world";
    case Drop::bad_config: return "bad_config";
    case Drop::bad_credential: return "bad_credential";
    case Drop::not_member: return "not_member";
    case Drop::rules: return "rules";
    }
    return "?";
}

}  // namespace zt

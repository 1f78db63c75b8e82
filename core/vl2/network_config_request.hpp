// NETWORK_CONFIG_REQUEST (verb 0x0b), spec §5.10: a member asks the controller (nwid >> 24)
// for the network's config; the metadata Dictionary (§8.2) says what the member can take.
//
//   <[8] network id> <[2] metadata length M> <[M] metadata Dictionary, no NUL>
//   <[8] revision of the config we have, 0 if none> <[8] its timestamp, 0 if none>
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/types.hpp"
#include "core/vl2/dictionary.hpp"
#include "core/vl2/rules.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct NetworkConfigRequest {
    static constexpr size_t kMandatoryLength = 10;  // plus M

    NetworkId nwid;
    std::span<const uint8_t> metadata;  // Dictionary text (a view); Dictionary::parse reads it
    uint64_t revision = 0;
    UnixMs timestamp = 0;

    // Revision and timestamp may be absent (upstream's controller never reads them): both
    // read 0. A partial tail is rejected; bytes after it are ignored.
    static std::optional<NetworkConfigRequest> parse(std::span<const uint8_t> payload);
    // Always writes revision and timestamp. Fails the writer if M > 65535.
    void serialize(Writer& w) const;
};

// §8.2 metadata values of ZeroTier One 1.14.1 (the rule limits are in rules.hpp).
inline constexpr uint64_t kNetworkConfigVersion = 7;   // ZT_NETWORKCONFIG_VERSION
inline constexpr uint64_t kVendorZeroTier = 1;
inline constexpr uint64_t kMaxNetworkCapabilities = 128;
inline constexpr uint64_t kMaxNetworkTags = 128;
inline constexpr uint64_t kRulesEngineRevision = 1;

// The metadata a 1.14.1 node sends, key for key (v vend pv majv minv revv mr mc mcr mt f revr o),
// byte for byte as captured for "linux/x86_64"; `auth` (§8.2 key "a", e.g. "token:<secret>")
// is appended when not empty.
Dictionary request_metadata(std::string_view os_arch = "linux/x86_64", std::string_view auth = {});

}  // namespace zt::vl2

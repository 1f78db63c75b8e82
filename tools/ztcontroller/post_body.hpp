// POST bodies of the controller API, field by field as ZeroTier One 1.14.1 applies them
// (EmbeddedNetworkController: networkUpdateFromPostData and the member POST handler). A body
// is first checked and normalized into a patch (no record needed), then applied to the record
// under the store lock. Unknown and read-only fields are ignored, as upstream does.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "tools/ztcontroller/records.hpp"

namespace zt::ctl {

// Upstream truncates every array it builds from a POST body to this many entries.
inline constexpr size_t max_array_entries = 16384;

// The normalized values of the settable fields present in `body`, or nullopt with `error`
// naming the first field whose type or value is unusable (upstream would coerce it, drop it
// silently or fail with a 500; we refuse the whole body instead). "rules" and each capability's
// "rules" must convert with rules_from_json (its message, path prefixed, is the error) and fit
// a config (1024 network rules, 64 per capability).
std::optional<Json> network_patch(const Json& body, std::string& error);
std::optional<Json> member_patch(const Json& body, std::string& error);

void apply_network_patch(const Json& patch, Json& network);
// "authorized" changes also stamp lastAuthorizedTime or lastDeauthorizedTime with `now`.
void apply_member_patch(const Json& patch, Json& member, UnixMs now);

// An IPv4/IPv6 address in text, optionally "/bits"; `text` is the canonical inet_ntop form of
// the address alone.
struct IpText {
    int family = 0;  // 4 or 6
    std::string text;
    int bits = -1;   // -1: no "/bits" given
};
std::optional<IpText> parse_ip(std::string_view s);

}  // namespace zt::ctl

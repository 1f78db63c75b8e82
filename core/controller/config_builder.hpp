// The controller's answer to a NETWORK_CONFIG_REQUEST (spec §9.2 steps 2-6), as ZeroTier One
// 1.14.1's EmbeddedNetworkController::_request decides it: not found, access denied,
// authentication required, or a complete config with every credential signed. Pure: the
// records come in, the decision and what to record go out; the caller stores and sends.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/controller/records.hpp"
#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/vl2/dictionary.hpp"
#include "core/vl2/network_config.hpp"

namespace zt::controller {

struct Decision {
    enum class Kind { config, not_found, access_denied, authentication_required };
    Kind kind = Kind::access_denied;
    vl2::NetworkConfig config;              // Kind::config: complete, credentials signed
    std::vector<std::string> assigned_ips;  // IPs newly chosen for the member ("10.147.17.5", "fd..."), to record
    std::string auto_authorized_by;         // "" | "public" | "token" (step 4), to record
    std::string auth_token;                 // the token used, when "token"
    bool record_versions = false;           // upstream records vMajor/... only when authorized

    // Also to record (upstream writes them into the member record while building):
    std::vector<uint32_t> added_capabilities;               // network defaults a new member got
    std::vector<std::pair<uint32_t, uint32_t>> added_tags;  // network default tags it lacked
    // Kind::authentication_required: the ERROR's payload (aV = 0, aU = authentication URL).
    vl2::Dictionary authentication_info;
};

// `network` null: not found. `member` is the stored record (a fresh default one if none).
// `ip_taken(ip)` says whether another member of the network holds that IP (text form).
//
// Step 3: a member record with an identity that is not `requester` (or does not parse) is
// refused; an empty one is for the caller to fill with requester. Step 4: authorized by the
// record, by a public network ("public") or by metadata `a` = "token:<t>" with a network token
// that has not expired ("token"); auto_authorized_by is set whatever the kind, as upstream
// records it even when SSO then refuses. SSO networks answer authentication_required to
// members that are not exempt and whose authenticationExpiryTime is not after `now`.
// Precondition: `controller` holds its secret and is the network's controller (nwid >> 24);
// otherwise nothing is signed and the answer is access_denied.
Decision decide(const NetworkRecord* network, const MemberRecord& member,
                const std::function<bool(const std::string& ip)>& ip_taken,
                const Identity& controller /* with secret */, const Identity& requester,
                const vl2::Dictionary& metadata, UnixMs now);

}  // namespace zt::controller

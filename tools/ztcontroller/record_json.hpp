// Stored controller records (JSON, spec §9.1) -> the plain records the config builder reads
// (core/controller/records.hpp), as leniently as ZeroTier One 1.14.1's _request reads them: a
// missing or unusable field takes its default, an entry that cannot be used is left out.
//
//   {"id": "c41b8868ac000001", "private": true, "routes": [{"target": "10.147.17.0/24", "via": null}],
//    "ipAssignmentPools": [{"ipRangeStart": "10.147.17.1", "ipRangeEnd": "10.147.17.254"}], "rules": [...]}
//   {"address": "0eb8d1da54", "identity": "0eb8d1da54:0:...", "ipAssignments": ["10.147.17.11"], ...}
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/controller/records.hpp"
#include "tools/ztcontroller/records.hpp"

namespace zt::ctl {

// Each entry left out, or value replaced by its default, is described in `problems` (if given),
// e.g. "routes[1].target: not an address/bits". Rules: a rule array that rules_from_json
// converts is taken whole; otherwise each rule is converted on its own and the ones that do not
// convert are left out, as 1.14.1 skips each rule its _parseRule refuses (a rule set that is
// not an array gives no rules at all, as upstream; a missing one DB::initNetwork's ACCEPT).
controller::NetworkRecord network_record(const Json& network, std::vector<std::string>* problems = nullptr);
// An absent or empty record gives a new member (is_new), as upstream's `newMember`.
controller::MemberRecord member_record(const Json& member, std::vector<std::string>* problems = nullptr);

// NetworkRecord::active_bridges from a network's member records: every member with
// "activeBridge" true, sorted, as upstream's NetworkSummaryInfo lists them.
std::vector<Address> active_bridges(std::span<const Json> members);

}  // namespace zt::ctl

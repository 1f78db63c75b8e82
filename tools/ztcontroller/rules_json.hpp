// Rules in the JSON form of ZeroTier One's controller (spec §9.1; 1.14.1
// EmbeddedNetworkController.cpp _parseRule / _renderRule): the "rules" array of a network and
// of each of its capabilities, to and from zt::vl2::Rule (spec §8.9).
//
//   {"type": "MATCH_ETHERTYPE", "etherType": 2048, "not": true, "or": false}
//   {"type": "MATCH_IPV4_SOURCE", "ip": "10.0.0.0/8"}   {"type": "ACTION_ACCEPT"}
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/vl2/rules.hpp"

namespace zt::controller {

// Parses a JSON array of rule objects. An absent field takes upstream's default (0, "0",
// "0.0.0.0/0", port/size "end" = "start", INTEGER_RANGE "bits" 1); a field present with the
// wrong JSON type or out of range, an unknown "type" or more than 1024 rules gives nullopt
// and `error` says which rule and field ("rules[2].etherType: ...").
// Differences from 1.14: "ip" must carry its "/bits" (1.14 silently reads a bare address as
// /0, matching everything), and INTEGER_RANGE is parsed (1.14 drops it, a bug there).
std::optional<std::vector<vl2::Rule>> rules_from_json(const nlohmann::json& array, std::string& error);

// Renders rules as 1.14 does: actions without "not"/"or", matches with both. Rules JSON
// cannot express (ACTION_PRIORITY, unknown types) are left out, as 1.14 never stores them.
nlohmann::json rules_to_json(std::span<const vl2::Rule> rules);

}  // namespace zt::controller

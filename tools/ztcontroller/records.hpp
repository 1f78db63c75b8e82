// The controller's network and member records (spec §9.1): their defaults as ZeroTier One
// 1.14.1's DB::initNetwork / DB::initMember fill them, the computed fields that never reach
// disk, and the lenient field readers upstream uses on stored records.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/types.hpp"

namespace zt::ctl {

using Json = nlohmann::json;

// Fills every field missing from `network` with its default and sets "objtype". `now` is
// the creationTime of a new record.
void init_network(Json& network, UnixMs now);
void init_member(Json& member, UnixMs now);

// Drops the fields upstream computes on the fly and never stores (DB::cleanNetwork/Member).
void clean_network(Json& network);
void clean_member(Json& member);

// True if the records differ in anything but "revision" (upstream saves only then).
bool differs_ignoring_revision(const Json& a, const Json& b);

// Stored records are read leniently, as upstream's OSUtils::jsonBool/jsonInt do: a missing
// or unusable value gives `dfl`.
bool as_bool(const Json& v, bool dfl);
uint64_t as_uint(const Json& v, uint64_t dfl);
std::string as_string(const Json& v, const std::string& dfl);

}  // namespace zt::ctl

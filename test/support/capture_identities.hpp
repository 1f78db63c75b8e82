// The four identities (with secrets) of the ZeroTier One captures in test/vectors/captures:
// "root", "ctl", "a", "b". Shared by the core, interop and netem tests.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "core/identity.hpp"
#include "json.hpp"

namespace ztest {

inline zt::Identity capture_identity(const std::string& node) {
    auto text = read_file(vector_path("captures/nodes/" + node + "/identity.secret"));
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto id = zt::Identity::from_string(text);
    REQUIRE(id);
    REQUIRE(id->has_secret());
    return *id;
}

}  // namespace ztest

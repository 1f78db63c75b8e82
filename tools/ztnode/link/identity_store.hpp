// The node's identity files in the ZT home, as ZeroTier One keeps them: identity.secret
// (mode 0600) and identity.public, text form (spec §1.5). Created on first use.
#pragma once

#include <optional>
#include <string>

#include "core/identity.hpp"
#include "core/rng.hpp"

namespace zt::link {

// Loads <home>/identity.secret, or generates and writes a new identity when there is none.
// A file that exists but does not hold a valid identity with its secret is an error: the
// message names the file and the problem.
std::optional<Identity> load_or_create_identity(const std::string& home, Rng& rng, std::string& error);

// Writes `text` to `path` atomically (temp file + rename) with the given mode.
bool write_file_atomic(const std::string& path, const std::string& text, unsigned mode, std::string& error);

}  // namespace zt::link

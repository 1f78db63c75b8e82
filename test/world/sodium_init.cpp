// libsodium must be initialised once per process (the core never does it). Runs before
// Catch2's main.
#include <sodium.h>

#include <cstdlib>

namespace {
const int sodium_ready = [] {
    if (sodium_init() < 0) std::abort();
    return 0;
}();
}  // namespace

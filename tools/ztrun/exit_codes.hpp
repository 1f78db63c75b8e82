// ztrun's exit status (--help and ztrun.1 list them): the program's own status once ztrun has
// become it; before that, these.
#pragma once

namespace ztrun {

inline constexpr int kExitFailed = 1;      // a network did not come up, the node did not start or
                                           // answer, the home or the library is missing
inline constexpr int kExitUsage = 2;       // bad options or arguments
inline constexpr int kExitCannotRun = 126; // the program was found but cannot be executed
inline constexpr int kExitNotFound = 127;  // no such program

}  // namespace ztrun

// Where ztrun finds its pieces and what it can say about the program before it becomes it: the
// library and the node, by paths relative to ztrun's own location (the installed layout of
// meson.build, which also holds in a relocated tree such as a DESTDIR, or the build tree), and
// the program's file as execvp would find it.
#pragma once

#include <string>

namespace ztrun {

// The directory of the running ztrun (/proc/self/exe, symlinks resolved).
std::string self_dir();

// libztintercept.so: $ZT_INTERCEPT_LIB, else <bindir>/ZTI_LIB_FROM_BIN (installed), else the
// build tree's intercept/. Empty if none exists. Resolved with realpath.
std::string find_library();

// ztnode: $ZT_NODE_BIN, else from the library's directory as the library itself looks for it
// (<libdir>/ZTI_NODE_FROM_LIB installed, ../tools/ztnode in the build tree), so that ztrun starts
// the node the wrapped programs would start. "ztnode" (looked up on $PATH) if none exists.
std::string find_node(const std::string& lib);

// The file execvp would run: `name` itself if it has a slash, else the first executable of that
// name on $PATH; empty if none.
std::string resolve(const char* name);

// Why LD_PRELOAD cannot wrap the program at `path`, or nullptr: the dynamic loader never runs for
// a static ELF (no PT_INTERP: most Go binaries, ldconfig) and ignores LD_PRELOAD for
// set-user/group-ID programs. Scripts and anything unreadable pass (their interpreter decides).
const char* unwrappable(const std::string& path);

}  // namespace ztrun

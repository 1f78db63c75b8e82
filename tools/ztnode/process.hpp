// Process-level chores of the node: the home directory, the single-instance lock, detaching
// from the spawning app, and the log file.
#pragma once

#include <cstdint>
#include <string>

namespace zt::node {

// Creates `dir` and missing parents with mode 0700; true if it exists afterwards and this user
// may write in it. On success `real` receives its realpath (the home hash is taken over that).
bool ensure_home(const std::string& dir, std::string& real, std::string& error);

enum class LockResult { acquired, held_elsewhere, error };
// flock(LOCK_EX|LOCK_NB) on `path` (created 0600). While another process holds it, waits up
// to `wait_ms` for it to go away, returning held_elsewhere at once if that node's control
// socket answers (it is serving; this instance is not needed).
LockResult acquire_lock(const std::string& path, uint64_t home_hash, int wait_ms, int& fd, std::string& error);

// True if something accepts connections on the node's control socket for `home_hash`.
bool control_socket_answers(uint64_t home_hash);

// Double fork + setsid; the calling process and the intermediate child _exit(0) (so whoever
// started us, the shim's or ztrun's quiet child, can waitpid the process it started), the
// grandchild returns with stdio on /dev/null and cwd "/". The two that exit leave the daemon
// an orphan of the nearest child subreaper or init (docs/ARCHITECTURE.md, "The node's life").
// Returns false (in the original process) if fork failed.
bool daemonize(std::string& error);

// spdlog to `path` (append), flushed per line; `level` as in the config. Sets the default logger.
bool setup_logging(const std::string& path, const std::string& level, std::string& error);

}  // namespace zt::node

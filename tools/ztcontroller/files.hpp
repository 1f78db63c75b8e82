// Durable file operations for the controller's store: every replacement is a temp file in
// the same directory, fsynced, renamed over the target, and the directory fsynced, so a
// crash (SIGKILL, power loss) leaves the old or the new file, never a mix.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace zt::ctl {

// Suffix of the temp files write_file_durable leaves behind when killed mid-write. ZeroTier
// One's FileDB ignores them (it loads only names of exactly 21 or 15 characters).
inline constexpr const char* temp_suffix = ".tmp";

// Replaces dir/name with `text` (mode `mode`) as described above. On failure nothing is
// left behind and `error` names the path and the errno text.
bool write_file_durable(const std::string& dir, const std::string& name, const std::string& text,
                        unsigned mode, std::string& error);

// Removes dir/name (a file) and fsyncs dir. A missing file is not an error.
bool remove_file_durable(const std::string& dir, const std::string& name, std::string& error);

// Removes a directory tree (missing is fine), then fsyncs its parent.
bool remove_tree_durable(const std::string& path, std::string& error);

// Creates `path` with `mode` if missing (parent must exist) and fsyncs the parent when it
// did. An existing non-directory is an error.
bool make_dir_durable(const std::string& path, unsigned mode, std::string& error);

// The whole file, at most `max_bytes`; nullopt and `error` when unreadable or larger.
std::optional<std::string> read_file(const std::string& path, size_t max_bytes, std::string& error);

struct DirEntry {
    std::string name;
    bool is_dir = false;
};
// Entries of a directory except "." and ".."; empty on error (then `error` is set).
std::vector<DirEntry> list_dir(const std::string& path, std::string& error);

bool file_exists(const std::string& path);

}  // namespace zt::ctl

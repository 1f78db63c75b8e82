// Durable file operations (see files.hpp): POSIX calls only, every failure reported with
// the path it concerns.
#include "tools/ztcontroller/files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace zt::ctl {

namespace {

std::string errno_text(const std::string& path) { return path + ": " + std::strerror(errno); }

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
}

// A rename or unlink is durable only once the directory holding the entry is synced.
bool fsync_dir(const std::string& dir, std::string& error) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        error = errno_text(dir);
        return false;
    }
    bool ok = ::fsync(fd) == 0;
    if (!ok) error = errno_text(dir);
    ::close(fd);
    return ok;
}

bool write_all(int fd, const std::string& text) {
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        off += size_t(n);
    }
    return true;
}

}  // namespace

bool write_file_durable(const std::string& dir, const std::string& name, const std::string& text,
                        unsigned mode, std::string& error) {
    const std::string target = dir + "/" + name;
    const std::string tmp = target + temp_suffix;
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        error = errno_text(tmp);
        return false;
    }
    // The temp file must be complete on disk before it may take the target's name.
    bool ok = ::fchmod(fd, mode) == 0 && write_all(fd, text) && ::fsync(fd) == 0;
    if (!ok) error = errno_text(tmp);
    if (::close(fd) != 0 && ok) {
        ok = false;
        error = errno_text(tmp);
    }
    if (ok && ::rename(tmp.c_str(), target.c_str()) != 0) {
        ok = false;
        error = errno_text(target);
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        return false;
    }
    return fsync_dir(dir, error);
}

bool remove_file_durable(const std::string& dir, const std::string& name, std::string& error) {
    const std::string target = dir + "/" + name;
    if (::unlink(target.c_str()) != 0) {
        if (errno == ENOENT) return true;
        error = errno_text(target);
        return false;
    }
    return fsync_dir(dir, error);
}

bool remove_tree_durable(const std::string& path, std::string& error) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) {
        error = path + ": " + ec.message();
        return false;
    }
    return fsync_dir(parent_of(path), error);
}

bool make_dir_durable(const std::string& path, unsigned mode, std::string& error) {
    if (::mkdir(path.c_str(), mode) == 0) return fsync_dir(parent_of(path), error);
    if (errno != EEXIST) {
        error = errno_text(path);
        return false;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error = path + ": exists and is not a directory";
        return false;
    }
    return true;
}

std::optional<std::string> read_file(const std::string& path, size_t max_bytes, std::string& error) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = errno_text(path);
        return std::nullopt;
    }
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = errno_text(path);
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) break;
        if (text.size() + size_t(n) > max_bytes) {
            error = path + ": larger than " + std::to_string(max_bytes) + " bytes";
            ::close(fd);
            return std::nullopt;
        }
        text.append(buf, size_t(n));
    }
    ::close(fd);
    return text;
}

std::vector<DirEntry> list_dir(const std::string& path, std::string& error) {
    std::vector<DirEntry> out;
    DIR* d = ::opendir(path.c_str());
    if (!d) {
        error = errno_text(path);
        return out;
    }
    while (struct dirent* e = ::readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        bool is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st {};
            is_dir = ::stat((path + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
        }
        out.push_back({std::move(name), is_dir});
    }
    ::closedir(d);
    return out;
}

bool file_exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace zt::ctl

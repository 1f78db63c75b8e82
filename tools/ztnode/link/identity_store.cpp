// Identity files in the ZT home (identity_store.hpp).
#include "tools/ztnode/link/identity_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace zt::link {

namespace {

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return s.substr(i);
}

}  // namespace

bool write_file_atomic(const std::string& path, const std::string& text, unsigned mode, std::string& error) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        error = tmp + ": " + std::strerror(errno);
        return false;
    }
    ::fchmod(fd, mode);
    size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(fd, text.data() + off, text.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            error = tmp + ": " + std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            return false;
        }
        off += size_t(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        error = path + ": " + std::strerror(errno);
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

std::optional<Identity> load_or_create_identity(const std::string& home, Rng& rng, std::string& error) {
    const std::string secret_path = home + "/identity.secret";
    const std::string public_path = home + "/identity.public";
    std::ifstream in(secret_path);
    if (in) {
        std::stringstream ss;
        ss << in.rdbuf();
        auto id = Identity::from_string(trim(ss.str()));
        if (!id) {
            error = secret_path + ": not a valid identity (expected address:0:public:secret)";
            return std::nullopt;
        }
        if (!id->has_secret()) {
            error = secret_path + ": the identity has no secret key";
            return std::nullopt;
        }
        if (!id->locally_validate()) {
            error = secret_path + ": the address does not match the key (identity fails validation)";
            return std::nullopt;
        }
        // Keep identity.public in step (ZeroTier One rewrites it too).
        std::string ignored;
        write_file_atomic(public_path, id->to_string(false) + "\n", 0644, ignored);
        return id;
    }
    if (errno != ENOENT) {
        error = secret_path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    Identity id = Identity::generate(rng);
    if (!write_file_atomic(secret_path, id.to_string(true) + "\n", 0600, error)) return std::nullopt;
    if (!write_file_atomic(public_path, id.to_string(false) + "\n", 0644, error)) return std::nullopt;
    return id;
}

}  // namespace zt::link

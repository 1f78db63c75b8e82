// zt-idtool plumbing: files, identities and keys from arguments, randomness.
#include "cli.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/bytes.hpp"

namespace idtool {

void SodiumRng::fill(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

namespace {

std::string errno_text() { return std::strerror(errno); }

// Closes the fd on every path out.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::vector<uint8_t> read_file(const std::string& path, size_t max_bytes) {
    Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) throw Failure(path, "cannot open: " + errno_text());
    std::vector<uint8_t> out;
    uint8_t buf[16384];
    for (;;) {
        ssize_t n = ::read(f.fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Failure(path, "cannot read: " + errno_text());
        }
        if (n == 0) break;
        if (out.size() + size_t(n) > max_bytes)
            throw Failure(path, "too large (more than " + std::to_string(max_bytes) + " bytes)");
        out.insert(out.end(), buf, buf + n);
    }
    return out;
}

void write_file(const std::string& path, std::span<const uint8_t> data, unsigned mode) {
    Fd f{::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))};
    if (f.fd < 0) throw Failure(path, "cannot create: " + errno_text());
    // An existing file keeps its old mode through O_CREAT; a secret must not.
    if (::fchmod(f.fd, mode_t(mode)) != 0) throw Failure(path, "cannot set mode: " + errno_text());
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(f.fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Failure(path, "cannot write: " + errno_text());
        }
        done += size_t(n);
    }
    int fd = f.fd;
    f.fd = -1;
    if (::close(fd) != 0) throw Failure(path, "cannot write: " + errno_text());
}

void write_file(const std::string& path, std::string_view text, unsigned mode) {
    write_file(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()), mode);
}

std::string trim(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return std::string(s);
}

zt::Identity identity_from_arg(const std::string& arg) {
    // The literal text form first, then a file holding it, as zerotier-idtool does.
    if (auto id = zt::Identity::from_string(arg)) return *id;
    auto bytes = read_file(arg, 64 * 1024);
    std::string text = trim(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    auto id = zt::Identity::from_string(text);
    if (!id) throw Failure(arg, "not an identity (expected address:0:public[:secret])");
    return *id;
}

KeyPair load_keypair(const std::string& path) {
    auto b = read_file(path, 64 * 1024);
    if (b.size() != 128)
        throw Failure(path, "not a C25519 key pair (" + std::to_string(b.size()) +
                                " bytes, expected 128: 64 public then 64 secret)");
    KeyPair k;
    std::copy(b.begin(), b.begin() + 64, k.pub.begin());
    k.secret = zt::crypto::C25519Secret(std::span<const uint8_t, 64>(b.data() + 64, 64));
    sodium_memzero(b.data(), b.size());
    if (zt::crypto::c25519_public_from_secret(k.secret) != k.pub)
        throw Failure(path, "public half does not match the secret half");
    return k;
}

zt::crypto::C25519Public load_public_key(const std::string& arg) {
    zt::crypto::C25519Public pub{};
    if (arg.size() == 128) {
        if (auto h = zt::from_hex(arg)) {
            std::copy(h->begin(), h->end(), pub.begin());
            return pub;
        }
    }
    auto b = read_file(arg, 64 * 1024);
    if (b.size() == 128) return load_keypair(arg).pub;
    if (b.size() != 64)
        throw Failure(arg, "not a C25519 public key (" + std::to_string(b.size()) +
                               " bytes, expected 64, or a 128-byte key pair, or 128 hex digits)");
    std::copy(b.begin(), b.end(), pub.begin());
    return pub;
}

std::string endpoint_text(const zt::Endpoint& ep) {
    char buf[INET6_ADDRSTRLEN] = {};
    switch (ep.family) {
    case zt::Endpoint::Family::v4: inet_ntop(AF_INET, ep.ip.data(), buf, sizeof buf); break;
    case zt::Endpoint::Family::v6: inet_ntop(AF_INET6, ep.ip.data(), buf, sizeof buf); break;
    case zt::Endpoint::Family::none: return "nil";
    }
    return std::string(buf) + "/" + std::to_string(ep.port);
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", u);
            out += esc;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

}  // namespace idtool

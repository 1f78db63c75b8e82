// Abstract socket names (control_protocol.hpp "Unix socket names").
#include "stack/names.hpp"

#include <cstddef>
#include <cstring>

namespace zt::stack {

namespace {

constexpr size_t kPathOffset = offsetof(sockaddr_un, sun_path);
static_assert(ztctl::kListenerNameLen == ztctl::kClientNameLen && ztctl::kListenerNameLen == ztctl::kUdpNameLen);

UnixName make(const char* bytes, size_t n) {
    UnixName u;
    u.sa.sun_family = AF_UNIX;
    std::memcpy(u.sa.sun_path, bytes, n);
    u.len = socklen_t(kPathOffset + n);
    return u;
}

bool family_ok(const ztctl::NameAddr& a) { return a.family == 4 || a.family == 6; }

}  // namespace

uint64_t home_hash_of(const std::string& real_home) { return ztctl::home_hash(real_home.c_str()); }

UnixName node_name(ztctl::NameKind kind, uint64_t home_hash) {
    char buf[ztctl::kNodeNameLen];
    ztctl::write_name_header(buf, kind, home_hash);
    return make(buf, sizeof buf);
}

UnixName listener_name(uint64_t home_hash, const ztctl::NameAddr& bound, uint64_t sock_id) {
    char buf[ztctl::kListenerNameLen];
    size_t o = ztctl::write_name_header(buf, ztctl::NameKind::listener, home_hash);
    std::memcpy(buf + o, &bound, sizeof bound);
    o += sizeof bound;
    std::memcpy(buf + o, &sock_id, 8);
    return make(buf, sizeof buf);
}

UnixName accepted_name(uint64_t home_hash, const ztctl::NameAddr& peer, const ztctl::NameAddr& local,
                       uint64_t uniq) {
    char buf[ztctl::kAcceptedNameLen];
    size_t o = ztctl::write_name_header(buf, ztctl::NameKind::accepted, home_hash);
    std::memcpy(buf + o, &peer, sizeof peer);
    o += sizeof peer;
    std::memcpy(buf + o, &local, sizeof local);
    o += sizeof local;
    std::memcpy(buf + o, &uniq, 8);
    return make(buf, sizeof buf);
}

UnixName client_name(uint64_t home_hash, const ztctl::NameAddr& peer, uint64_t conn_id) {
    char buf[ztctl::kClientNameLen];
    size_t o = ztctl::write_name_header(buf, ztctl::NameKind::client, home_hash);
    std::memcpy(buf + o, &peer, sizeof peer);
    o += sizeof peer;
    std::memcpy(buf + o, &conn_id, 8);
    return make(buf, sizeof buf);
}

std::optional<DecodedName> decode_name(const sockaddr_un& sa, socklen_t len) {
    if (sa.sun_family != AF_UNIX || len < kPathOffset + ztctl::kNameHeader) return std::nullopt;
    const size_t n = len - kPathOffset;
    const char* p = sa.sun_path;
    if (std::memcmp(p, ztctl::kNamePrefix, 4) != 0) return std::nullopt;
    DecodedName d;
    d.kind = ztctl::NameKind(p[4]);
    std::memcpy(&d.home_hash, p + 5, 8);
    const char* body = p + ztctl::kNameHeader;
    switch (d.kind) {
    case ztctl::NameKind::control:
    case ztctl::NameKind::tcp_connect:
    case ztctl::NameKind::status:
        if (n != ztctl::kNodeNameLen) return std::nullopt;
        return d;
    case ztctl::NameKind::listener:
    case ztctl::NameKind::client:
    case ztctl::NameKind::udp:
        if (n != ztctl::kListenerNameLen) return std::nullopt;  // == kClientNameLen
        std::memcpy(&d.first, body, sizeof d.first);
        std::memcpy(&d.id, body + sizeof d.first, 8);
        if (!family_ok(d.first)) return std::nullopt;
        return d;
    case ztctl::NameKind::accepted:
        if (n != ztctl::kAcceptedNameLen) return std::nullopt;
        std::memcpy(&d.first, body, sizeof d.first);
        std::memcpy(&d.second, body + sizeof d.first, sizeof d.second);
        std::memcpy(&d.id, body + 2 * sizeof d.first, 8);
        if (!family_ok(d.first) || !family_ok(d.second)) return std::nullopt;
        return d;
    }
    return std::nullopt;
}

std::string UnixName::printable() const {
    std::string s = "@";
    const size_t n = len > kPathOffset ? len - kPathOffset : 0;
    static const char* hex = "0123456789abcdef";
    for (size_t i = 1; i < n; ++i) {
        unsigned char c = static_cast<unsigned char>(sa.sun_path[i]);
        if (i < 5 && c >= 0x20 && c < 0x7f) {
            s += char(c);
        } else {
            s += hex[c >> 4];
            s += hex[c & 15];
        }
    }
    return s;
}

}  // namespace zt::stack

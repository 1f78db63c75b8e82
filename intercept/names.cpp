// Abstract unix socket names: layout in control_protocol.hpp, offsets into sun_path.
#include "intercept/names.hpp"

#include <cstddef>
#include <cstring>

namespace zti {
namespace {

using ztctl::NameAddr;
using ztctl::NameKind;

UnixName make(NameKind kind, uint64_t hash, const NameAddr* a1, const NameAddr* a2, const uint64_t* id) {
    UnixName n;
    std::memset(&n, 0, sizeof n);
    n.sun.sun_family = AF_UNIX;
    char* p = n.sun.sun_path;
    size_t off = ztctl::write_name_header(p, kind, hash);
    if (a1) {
        std::memcpy(p + off, a1, sizeof *a1);
        off += sizeof *a1;
    }
    if (a2) {
        std::memcpy(p + off, a2, sizeof *a2);
        off += sizeof *a2;
    }
    if (id) {
        std::memcpy(p + off, id, sizeof *id);
        off += sizeof *id;
    }
    n.len = socklen_t(offsetof(sockaddr_un, sun_path) + off);
    return n;
}

bool valid_family(const NameAddr& a) { return a.family == 4 || a.family == 6; }

}  // namespace

UnixName node_name(NameKind kind, uint64_t home_hash) { return make(kind, home_hash, nullptr, nullptr, nullptr); }

UnixName listener_name(uint64_t home_hash, const NameAddr& local, uint64_t sock_id) {
    return make(NameKind::listener, home_hash, &local, nullptr, &sock_id);
}

UnixName client_name(uint64_t home_hash, const NameAddr& peer, uint64_t conn_id) {
    return make(NameKind::client, home_hash, &peer, nullptr, &conn_id);
}

UnixName udp_name(uint64_t home_hash, const NameAddr& local, uint64_t sock_id) {
    return make(NameKind::udp, home_hash, &local, nullptr, &sock_id);
}

UnixName accepted_name(uint64_t home_hash, const NameAddr& peer, const NameAddr& local, uint64_t uniq) {
    return make(NameKind::accepted, home_hash, &peer, &local, &uniq);
}

bool decode_name(const sockaddr* sa, socklen_t len, DecodedName& out) {
    constexpr size_t base = offsetof(sockaddr_un, sun_path);
    if (!sa || len < base + ztctl::kNameHeader || sa->sa_family != AF_UNIX) return false;
    if (len > sizeof(sockaddr_un)) return false;
    const char* p = reinterpret_cast<const sockaddr_un*>(sa)->sun_path;
    const size_t n = len - base;
    if (std::memcmp(p, ztctl::kNamePrefix, 4) != 0) return false;
    std::memset(&out, 0, sizeof out);
    out.kind = NameKind(p[4]);
    std::memcpy(&out.home_hash, p + 5, 8);
    const char* q = p + ztctl::kNameHeader;
    switch (out.kind) {
    case NameKind::control:
    case NameKind::tcp_connect:
    case NameKind::status:
        return n == ztctl::kNodeNameLen;
    case NameKind::listener:
    case NameKind::client:
    case NameKind::udp:
        if (n != ztctl::kListenerNameLen) return false;  // == kClientNameLen
        std::memcpy(&out.addr1, q, sizeof(NameAddr));
        std::memcpy(&out.id, q + sizeof(NameAddr), 8);
        return valid_family(out.addr1);
    case NameKind::accepted:
        if (n != ztctl::kAcceptedNameLen) return false;
        std::memcpy(&out.addr1, q, sizeof(NameAddr));
        std::memcpy(&out.addr2, q + sizeof(NameAddr), sizeof(NameAddr));
        std::memcpy(&out.id, q + 2 * sizeof(NameAddr), 8);
        return valid_family(out.addr1) && valid_family(out.addr2);
    }
    return false;
}

static_assert(ztctl::kListenerNameLen == ztctl::kClientNameLen && ztctl::kUdpNameLen == ztctl::kClientNameLen);
static_assert(ztctl::kAcceptedNameLen <= sizeof(sockaddr_un::sun_path));

}  // namespace zti

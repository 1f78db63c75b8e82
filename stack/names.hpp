// The abstract unix socket names of ipc/control_protocol.hpp, built and decoded in one
// place for the node: 'K' and 'T' node listeners, 'L' app listeners, 'A' accepted-connection
// connectors, 'C' app clients, 'U' app UDP ends, 'S' status listeners. Layout: "\0zti" kind hash(8, LE) then kind-specific fields.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>
#include <optional>
#include <string>

#include "ipc/control_protocol.hpp"

namespace zt::stack {

struct UnixName {
    sockaddr_un sa{};
    socklen_t len = 0;  // offsetof(sun_path) + name length (abstract: no trailing NUL)

    const sockaddr* addr() const { return reinterpret_cast<const sockaddr*>(&sa); }
    std::string printable() const;  // for logs: "@zti K 0123..." with hex for binary parts
};

// The home hash of control_protocol.hpp: fnv1a64 of the realpath of ZT_HOME.
uint64_t home_hash_of(const std::string& real_home);

UnixName node_name(ztctl::NameKind kind, uint64_t home_hash);  // 'K', 'T' or 'S'
// 'L': `bound` is the address the listener's socket is bound to, as BindReply.local returned
// it (family and ip as requested, wildcard kept, port filled in).
UnixName listener_name(uint64_t home_hash, const ztctl::NameAddr& bound, uint64_t sock_id);
UnixName accepted_name(uint64_t home_hash, const ztctl::NameAddr& peer, const ztctl::NameAddr& local,
                       uint64_t uniq);
UnixName client_name(uint64_t home_hash, const ztctl::NameAddr& peer, uint64_t conn_id);

struct DecodedName {
    ztctl::NameKind kind{};
    uint64_t home_hash = 0;
    ztctl::NameAddr first{};   // L: bound address; A and C: peer; U: local
    ztctl::NameAddr second{};  // A: local
    uint64_t id = 0;           // L and U: sock_id, A: uniq, C: conn_id
};
// Decodes every kind of control_protocol.hpp; nullopt for foreign or malformed names (wrong length, bad
// prefix, unknown kind, family not 4/6 where an address is expected).
std::optional<DecodedName> decode_name(const sockaddr_un& sa, socklen_t len);

}  // namespace zt::stack

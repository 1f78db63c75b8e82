// Encoding and decoding of the abstract unix socket names of control_protocol.hpp ("\0zti" +
// kind + home hash + payload). Pure functions: no syscalls, used by the hooks and the unit tests.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>

#include "ipc/control_protocol.hpp"

namespace zti {

// A name ready for bind/connect: the sockaddr and its exact length.
struct UnixName {
    sockaddr_un sun;
    socklen_t len;
};

UnixName node_name(ztctl::NameKind kind, uint64_t home_hash);  // 'K' or 'T'
UnixName listener_name(uint64_t home_hash, const ztctl::NameAddr& local, uint64_t sock_id);
UnixName client_name(uint64_t home_hash, const ztctl::NameAddr& peer, uint64_t conn_id);
UnixName udp_name(uint64_t home_hash, const ztctl::NameAddr& local, uint64_t sock_id);
UnixName accepted_name(uint64_t home_hash, const ztctl::NameAddr& peer, const ztctl::NameAddr& local,
                       uint64_t uniq);

// What a name says. For 'L' and 'U': addr1 = local; 'C': addr1 = peer; 'A': addr1 = peer, addr2 = local.
struct DecodedName {
    ztctl::NameKind kind;
    uint64_t home_hash;
    ztctl::NameAddr addr1;
    ztctl::NameAddr addr2;
    uint64_t id;  // sock_id, conn_id or uniq; 0 for 'K'/'T'
};

// Decodes a name returned by getsockname/getpeername/accept. False unless it is one of ours with
// the exact length for its kind and valid address families.
bool decode_name(const sockaddr* sa, socklen_t len, DecodedName& out);

}  // namespace zti

// The home's access key in the shim, and whom the shim trusts as its node (privileges.cpp).
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "ipc/access_key.hpp"

namespace zti {

// At load (after load_config): the home owner's uid, and the key from ZT_ACCESS_KEY (removed
// from the environment) or from the home's access.key when this process can read it.
void load_privileges() noexcept;

// The key if known (else all zero and false).
bool access_key(uint8_t (&out)[ztctl::kAccessKeyLen]) noexcept;
void set_access_key(const uint8_t (&key)[ztctl::kAccessKeyLen]) noexcept;
// "ZT_ACCESS_KEY=<hex>" for a program we exec, or nullptr while the key is unknown.
const char* access_key_env() noexcept;
// Before an identity change made through libc's syscall() (SYS_setuid, SYS_setreuid,
// SYS_setresuid; `a` holds its arguments): what the named hooks do first.
void before_raw_identity_change(long nr, const long* a) noexcept;
// The uid the node runs as (from AttachReply).
void set_node_uid(uint32_t uid) noexcept;
// A unix socket peer we accept as our node: our own uid, root, the home's owner, or the uid our
// node runs as. (A process that dropped privileges keeps trusting the node it was started with.)
bool trusted_peer_uid(uid_t uid) noexcept;

}  // namespace zti

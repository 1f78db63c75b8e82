// err_t -> errno, in exactly one function.
#include "stack/lwip_errno.hpp"

#include <cerrno>

namespace zt::stack {

int errno_from_err(err_t err, ErrWhen when) {
    switch (err) {
    case ERR_OK: return 0;
    case ERR_MEM: return ENOMEM;
    case ERR_BUF: return ENOBUFS;
    case ERR_TIMEOUT: return ETIMEDOUT;
    case ERR_RTE: return EHOSTUNREACH;  // lwIP found no netif for the destination
    case ERR_INPROGRESS: return EINPROGRESS;
    case ERR_VAL: return EINVAL;
    case ERR_WOULDBLOCK: return EWOULDBLOCK;
    case ERR_USE: return EADDRINUSE;
    case ERR_ALREADY: return EALREADY;
    case ERR_ISCONN: return EISCONN;
    case ERR_CONN: return ENOTCONN;
    case ERR_IF: return ENETDOWN;
    case ERR_ARG: return EINVAL;
    case ERR_CLSD: return when == ErrWhen::call ? ENOTCONN : 0;  // orderly end of both directions
    case ERR_RST: return when == ErrWhen::connecting ? ECONNREFUSED : ECONNRESET;
    case ERR_ABRT:
        // lwIP aborts on its own only when retransmissions (SYN or data) or keepalive probes
        // ran out, or to reclaim memory; our own aborts never reach the err callback.
        return when == ErrWhen::call ? ECONNABORTED : ETIMEDOUT;
    }
    return EIO;
}

}  // namespace zt::stack

// PRIVATE to stack/: the one place where lwIP's err_t becomes an errno (STYLE.md §12).
#pragma once

#include <lwip/err.h>

namespace zt::stack {

// Where the error was seen, because the same err_t means different things to an app:
// ERR_RST while connecting is a refusal, on an open connection a reset.
enum class ErrWhen {
    call,         // returned by a raw-API call (tcp_bind, tcp_connect, udp_sendto, ...)
    connecting,   // err callback in SYN_SENT
    established,  // err callback on an open connection
};

// Returns a positive errno; 0 for ERR_OK.
int errno_from_err(err_t err, ErrWhen when);

}  // namespace zt::stack

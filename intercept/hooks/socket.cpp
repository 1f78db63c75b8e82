// socket(), socketpair()
#include "intercept/common.hpp"
#include "intercept/ops.hpp"
#include "intercept/real.hpp"

ZTI_HOOK(int, socket, int domain, int type, int protocol) {
    if (zti::pass_mutating()) return zti::real::socket(domain, type, protocol);
    return zti::on_socket(domain, type, protocol);
}

ZTI_HOOK(int, socketpair, int domain, int type, int protocol, int sv[2]) {
    if (zti::pass_mutating()) return zti::real::socketpair(domain, type, protocol, sv);
    return zti::on_socketpair(domain, type, protocol, sv);
}

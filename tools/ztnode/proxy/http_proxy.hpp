// The request head an HTTP proxy client sends (RFC 9110 §9.3.6 CONNECT, RFC 9112 §3.2.2
// absolute-form), parsed from what has arrived so far. Pure: no sockets (fuzz target
// test/fuzz/fuzz_proxy.cpp, unit tests test/stack/proxy_test.cpp).
//
//   CONNECT host:port HTTP/1.1          -> tunnel; the proxy answers 200 and relays bytes
//   GET http://host[:port]/path HTTP/1.1 -> the head is rewritten to origin form ("GET /path"),
//                                          without the Proxy-* and hop-by-hop headers and with
//                                          "Connection: close", and sent ahead of the body
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "stack/inet.hpp"

namespace zt::node::http_proxy {

constexpr size_t kMaxHead = 16 * 1024;  // a longer head is refused with 431

struct Request {
    std::string method;
    bool connect = false;
    std::string host;                   // without brackets
    std::optional<stack::InetAddr> ip;  // the host if it is an IP literal (port filled in)
    uint16_t port = 0;
    std::string upstream_head;          // absolute-form: the head to send to the server
    std::string proxy_authorization;    // the Proxy-Authorization value, if any
    std::string target_string() const;  // "host:port" for logs
};

enum class Parse { need_more, ok, bad };

// Looks for a whole head ("\r\n\r\n") at the start of `in`. ok: `head_len` bytes form the head.
// bad: `status` is the HTTP status to answer (400, 405 for methods we cannot proxy such as
// https:// in absolute form or OPTIONS *, 431 for a head over kMaxHead, 505 for HTTP/2+).
Parse parse(std::string_view in, size_t& head_len, Request& out, int& status);

// A whole response with an empty body: "HTTP/1.1 <status> <reason>\r\n...\r\n\r\n". `extra`
// is added as header lines (each ending in \r\n).
std::string response(int status, std::string_view extra = {});

}  // namespace zt::node::http_proxy

/* A statically linked HTTP client for test/integration/proxy_forward.sh: it honours HTTP_PROXY as
 * Go's net/http does (absolute-form requests to the proxy) and writes the response body to
 * stdout. Static, it never loads libztintercept.so: only the proxy can carry it.
 *   static_http_get http://10.147.17.2:8080/file.bin > out
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv) {
    const char* proxy = getenv("HTTP_PROXY");
    if (argc != 2 || !proxy || strncmp(proxy, "http://", 7) != 0) {
        fprintf(stderr, "usage: HTTP_PROXY=http://host:port static_http_get URL\n");
        return 2;
    }
    char host[256];
    snprintf(host, sizeof host, "%s", proxy + 7);
    char* slash = strchr(host, '/');
    if (slash) *slash = 0;
    char* colon = strrchr(host, ':');
    if (!colon) return 2;
    *colon = 0;
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0) return 3;
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
        perror("connect to the proxy");
        return 4;
    }
    char req[1024];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nUser-Agent: static_http_get\r\nConnection: close\r\n\r\n", argv[1]);
    if (write(fd, req, (size_t)n) != n) return 5;
    static char buf[1 << 16];
    size_t have = 0;
    int in_body = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, sizeof buf - have);
        if (r <= 0) break;
        have += (size_t)r;
        if (!in_body) {
            char* end = memmem(buf, have, "\r\n\r\n", 4);
            if (!end) continue;
            if (strncmp(buf, "HTTP/1.1 200", 12) != 0 && strncmp(buf, "HTTP/1.0 200", 12) != 0) {
                fprintf(stderr, "proxy said: %.*s\n", (int)(strchr(buf, '\r') - buf), buf);
                return 6;
            }
            in_body = 1;
            size_t head = (size_t)(end - buf) + 4;
            fwrite(buf + head, 1, have - head, stdout);
        } else {
            fwrite(buf, 1, have, stdout);
        }
        have = 0;
    }
    return in_body ? 0 : 7;
}

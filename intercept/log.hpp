// Optional debug trace to $ZT_HOME/intercept.log (ZT_LOG_LEVEL=debug), written with real::write.
// Never the app's stdout/stderr.
#pragma once

namespace zti {

extern bool g_debug;

void open_log() noexcept;  // after load_config(); sets g_debug if the file could be opened
void log_line(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));
// A problem the user can act on (the node refused us, cannot be started, ...): to the debug log,
// and as "ztintercept: <message>" on stderr when ZT_VERBOSE is set (ztrun sets it). Never on a
// bare LD_PRELOAD's stderr otherwise.
void log_problem(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));

}  // namespace zti

#define ZTI_DEBUG(...)                                 \
    do {                                               \
        if (::zti::g_debug) ::zti::log_line(__VA_ARGS__); \
    } while (0)

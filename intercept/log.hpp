// Optional debug trace to $ZT_HOME/intercept.log (ZT_LOG_LEVEL=debug), written with real::write.
// Never the app's stdout/stderr.
#pragma once

namespace zti {

extern bool g_debug;

void open_log() noexcept;  // after load_config(); sets g_debug if the file could be opened
void log_line(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));

}  // namespace zti

#define ZTI_DEBUG(...)                                 \
    do {                                               \
        if (::zti::g_debug) ::zti::log_line(__VA_ARGS__); \
    } while (0)

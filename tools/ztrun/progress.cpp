// ztrun's progress display (progress.hpp).
#include "tools/ztrun/progress.hpp"

#include <langinfo.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <clocale>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace ztrun {

namespace {

constexpr int64_t kLinesAfterMs = 1000;    // lines: quiet if everything is up by then
constexpr int64_t kTerminalAfterMs = 250;  // terminal: no line that would only flash

int64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Display columns of UTF-8 text (one per code point: the text is ASCII and "…").
size_t columns(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xc0) != 0x80;
    return n;
}

// The last `cols` columns of `s`, starting on a code point.
std::string tail_columns(const std::string& s, size_t cols) {
    size_t have = columns(s), at = 0;
    while (have > cols && at < s.size()) {
        ++at;
        while (at < s.size() && (static_cast<unsigned char>(s[at]) & 0xc0) == 0x80) ++at;
        --have;
    }
    return s.substr(at);
}

std::string with_spaces(std::string addresses) {
    for (size_t at = 0; (at = addresses.find(',', at)) != std::string::npos; at += 2) addresses.replace(at, 1, ", ");
    return addresses;
}

}  // namespace

std::string explain(const std::string& nwid, const NetState& st) {
    const std::string ctl = nwid.substr(0, 10);
    if (st.status == "REQUESTING_CONFIGURATION") return "no configuration yet from controller " + ctl;
    if (st.status == "ACCESS_DENIED") return "controller " + ctl + " has not authorized this node";
    if (st.status == "NOT_FOUND") return "controller " + ctl + " has no such network";
    if (st.status == "CLIENT_TOO_OLD") return "the controller's configuration format is not supported";
    if (st.status == "AUTHENTICATION_REQUIRED") return "the network requires SSO authentication (not supported)";
    if (st.status == "OK") return "configured, but no address assigned yet";
    if (st.status == "NODE_GONE") return "the node stopped (see its log in the home)";
    if (st.status == "NOT_JOINED") return "the node is not on this network";
    return st.status;
}

Progress::Progress(Manner manner, int64_t start_ms) : manner_(manner), start_ms_(start_ms) {
    if (manner_ == Manner::terminal) {
        std::setlocale(LC_CTYPE, "");
        utf8_ = std::strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    }
}

Progress::~Progress() { finish(); }

int64_t Progress::elapsed_ms() const { return mono_ms() - start_ms_; }

void Progress::print_line(const std::string& text) {
    if (drawn_) {
        std::fputc('\n', stderr);
        drawn_ = false;
    }
    if (manner_ == Manner::verbose) {
        const int64_t ms = elapsed_ms();
        std::fprintf(stderr, "ztrun: [+%lld.%03llds] %s\n", (long long)(ms / 1000), (long long)(ms % 1000),
                     text.c_str());
    } else {
        std::fprintf(stderr, "ztrun: %s\n", text.c_str());
    }
}

void Progress::detail(const char* fmt, ...) {
    if (manner_ != Manner::verbose) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    print_line(buf);
}

void Progress::starting_node(const std::string& node_bin) {
    node_started_ = true;
    detail("no node serves the home: starting %s", node_bin.c_str());
}

void Progress::waiting_for(const std::vector<std::string>& nwids) {
    nwids_ = nwids;
    last_.assign(nwids.size(), "");
    up_.assign(nwids.size(), false);
    short_.assign(nwids.size(), "joining");
    steps_.assign(nwids.size(), {});
    wait_start_ms_ = mono_ms();
}

// A step of the terminal line: the state in words, an error state by its name (the line that
// ends a failed wait explains it).
std::string Progress::phase(const NetState& st) const {
    if (st.status == "?") return "";
    if (st.status == "REQUESTING_CONFIGURATION") return "requesting configuration";
    if (st.up()) return with_spaces(st.addresses);
    if (st.status == "OK") return "waiting for an address";
    return st.status;
}

void Progress::update(size_t k, const NetState& st) {
    if (k >= nwids_.size() || manner_ == Manner::quiet) return;
    const std::string line = st.status + (st.addresses.empty() ? "" : " " + st.addresses);
    const bool changed = line != last_[k];
    switch (manner_) {
    case Manner::quiet:
        return;
    case Manner::lines:
        // Quiet when it comes up at once; after a second, each change is shown.
        if (changed && (printed_ || mono_ms() - wait_start_ms_ >= kLinesAfterMs)) {
            print_line("network " + nwids_[k] + ": " + line + (st.up() ? "" : " (" + explain(nwids_[k], st) + ")"));
            last_[k] = line;
            printed_ = true;
        }
        return;
    case Manner::verbose:
        if (changed) {
            print_line("network " + nwids_[k] + ": " + line + (st.up() ? "" : " (" + explain(nwids_[k], st) + ")"));
            last_[k] = line;
        }
        return;
    case Manner::terminal:
        if (changed) {
            last_[k] = line;
            up_[k] = st.up();
            short_[k] = st.up()                                   ? with_spaces(st.addresses)
                        : st.status == "REQUESTING_CONFIGURATION" ? "configuring"
                        : st.status == "OK"                       ? "no address yet"
                        : st.status == "?"                        ? "joining"
                                                                  : st.status;
            if (std::string p = phase(st); !p.empty() && (steps_[k].empty() || steps_[k].back() != p))
                steps_[k].push_back(p);
        }
        if (drawn_ ? changed : elapsed_ms() >= kTerminalAfterMs) draw();
        return;
    }
}

void Progress::draw() {
    const std::string more = utf8_ ? "\u2026" : "...";
    // Every step of every network; if that does not fit, the last step of each; if that does
    // not either, its end.
    std::string full = node_started_ ? "starting the node" + more + " " : "", brief;
    for (size_t k = 0; k < nwids_.size(); ++k) {
        full += (k ? "; joining " : "joining ") + nwids_[k];
        brief += (k ? "; " : "") + nwids_[k] + ":";
        for (const auto& s : steps_[k]) full += more + " " + s;
        brief += " " + short_[k];
        if (!up_[k]) {
            full += more;
            brief += more;
        }
    }
    winsize ws{};
    const size_t cols = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 ? ws.ws_col : 80;
    const size_t room = cols - 1 - 7;  // the cursor stays on the line; "ztrun: "
    std::string text = columns(full) <= room    ? full
                       : columns(brief) <= room ? brief
                                                : more + tail_columns(brief, room - columns(more));
    // Back to the line's start, the text, then clear what a longer earlier text left.
    std::fprintf(stderr, "\rztrun: %s\033[K", text.c_str());
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (!drawn_) return;
    draw();
    std::fputc('\n', stderr);
    drawn_ = false;
}

void Progress::fail(const std::string& why) {
    finish();
    std::fprintf(stderr, "ztrun: %s\n", why.c_str());
}

}  // namespace ztrun

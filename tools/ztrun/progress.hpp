// What ztrun says on its stderr while it waits for its networks (networks.hpp), in one of four
// manners:
//   quiet     -q: nothing (the final failure line is printed by the caller all the same)
//   lines     stderr is not a terminal: nothing if everything is up within a second; after that,
//             one line per change of a network ("ztrun: network <nwid>: REQUESTING_CONFIGURATION
//             (...)")
//   terminal  stderr is a terminal: once the wait has lasted 250 ms, one line rewritten in place
//             (carriage return) that grows with each step, "ztrun: joining 8056c2e21c000001…
//             requesting configuration… 10.147.17.5/24", ended with a newline when done; where
//             that is wider than the terminal, only each network's state ("8056c2e21c000001:
//             configuring…; c41b8868ac000001: 10.147.17.1/24")
//   verbose   -v: a line for every step, with the time since ztrun started ("ztrun: [+0.153s]
//             network ...: OK 10.147.17.5/24"), node start and node address included
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ztrun {

// A network's state as the node reports it (status "network <nwid>").
struct NetState {
    std::string status = "?";  // REQUESTING_CONFIGURATION, OK, ACCESS_DENIED, ... NODE_GONE, NOT_JOINED
    std::string addresses;     // "10.147.17.5/24,fd00::1/88"
    bool up() const { return status == "OK" && !addresses.empty(); }
};

// What a state means for someone waiting, in a few words.
std::string explain(const std::string& nwid, const NetState& st);

class Progress {
public:
    enum class Manner { quiet, lines, terminal, verbose };

    // `start_ms`: ztrun's start on the monotonic clock, the origin of -v's times.
    Progress(Manner manner, int64_t start_ms);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    Manner manner() const { return manner_; }
    // A detail only -v shows (printf-style, without "ztrun: " or a newline).
    void detail(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
    // The node had to be started (shown in the terminal line too).
    void starting_node(const std::string& node_bin);
    // The networks to wait for, in order.
    void waiting_for(const std::vector<std::string>& nwids);
    // Network `k`'s state now (called on every poll; only changes are shown).
    void update(size_t k, const NetState& st);
    // All networks are up, or the wait ended without them: finishes the terminal line (before
    // the caller prints why it failed).
    void finish();
    // finish(), then "ztrun: <why>" whatever the manner.
    void fail(const std::string& why);

private:
    void print_line(const std::string& text);  // "ztrun: " + text + "\n", after ending a terminal line
    void draw();                               // rewrites the terminal line
    std::string phase(const NetState& st) const;
    int64_t elapsed_ms() const;

    Manner manner_;
    int64_t start_ms_;
    int64_t wait_start_ms_ = -1;
    bool node_started_ = false;
    bool drawn_ = false;           // terminal: the line is on the screen, not yet ended
    bool printed_ = false;         // lines: something was shown, so every later change is
    bool utf8_ = false;
    std::vector<std::string> nwids_;
    std::vector<std::string> last_;            // the last state shown, per network
    std::vector<bool> up_;                     // terminal: per network
    std::vector<std::string> short_;           // terminal: the state in a word or two, per network
    std::vector<std::vector<std::string>> steps_;  // terminal: the phases seen, per network
};

}  // namespace ztrun

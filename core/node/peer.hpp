// A peer (another node we share a key with) and its physical paths (spec §7.5).
//
// Path states:   new (learned, unconfirmed) --OK over it--> confirmed
//                confirmed --nothing received for 243 s--> removed
// A path is "alive" while something arrived on it within 19 s. Sends use the best alive
// confirmed path; a peer with none falls back to its static endpoint (configuration slice).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/crypto/secret.hpp"
#include "core/identity.hpp"
#include "core/node/node.hpp"
#include "core/protocol.hpp"
#include "core/types.hpp"

namespace zt {

inline constexpr size_t kMaxPeerPaths = 64;  // ZT_MAX_PEER_NETWORK_PATHS

struct Path {
    LocalSocket local = kAnySocket;
    Endpoint remote;
    Ticks last_send = kNever;
    Ticks last_receive = kNever;
    Ticks last_confirm_attempt = kNever;  // HELLO/ECHO sent to confirm it (<= 1 per second)
    Ticks last_echo_reply = kNever;       // OK(ECHO) rate limit (>= 166 ms apart)
    int32_t latency_ms = -1;              // from the last OK(HELLO)/OK(ECHO) over it
    bool confirmed = false;

    bool alive(Ticks now) const { return confirmed && now - last_receive < kPathAliveMs; }
    bool expired(Ticks now) const { return now - last_receive >= kPathExpirationMs; }
};

class Peer {
public:
    Peer(Identity id, SymmetricKey key);

    const Identity& identity() const { return id_; }
    Address address() const { return id_.address(); }
    const SymmetricKey& key() const { return key_; }
    // AES-GMAC-SIV keys (suite 3), derived on first use; nullptr if OpenSSL fails.
    crypto::AesGmacSiv* aes();

    // What the peer told us in HELLO / OK(HELLO).
    uint8_t proto_version = 0;
    uint8_t major = 0, minor = 0;
    uint16_t revision = 0;
    int32_t latency_ms = -1;

    Ticks last_receive = kNever;
    Ticks last_hello_sent = kNever;          // full HELLO (peer ping, §7.5: every 60 s)
    std::optional<Endpoint> static_endpoint;  // from the configuration
    Ticks next_static_hello = 0;             // while no path is confirmed
    int32_t static_hello_backoff_ms = 500;

    // Roots (spec §7.4): identity from the planet, contacted at their stable endpoints.
    bool is_root = false;
    std::vector<Endpoint> root_endpoints;
    Ticks next_root_hello = 0;
    int32_t root_hello_backoff_ms = 500;  // while no path: 0.5 s doubling to 5 s

    // Trust (spec §7.6, §5.14): a frame was exchanged recently; gates PUSH_DIRECT_PATHS.
    Ticks last_frame = kNever;
    Ticks last_push_sent = kNever;
    std::array<Ticks, 8> push_received{};    // receive gate: > 8 pushes in 30 s are ignored
    size_t push_received_next = 0;
    Ticks last_whois_answer = kNever;        // inbound WHOIS rate limit (non-roots)
    Ticks last_credentials_received = kNever;  // NETWORK_CREDENTIALS accepted at most 1/s

    std::vector<Path>& paths() { return paths_; }
    const std::vector<Path>& paths() const { return paths_; }
    Path* find_path(LocalSocket local, const Endpoint& remote);
    // Adds (or returns) the path; the oldest unconfirmed one is replaced when full.
    Path& learn_path(LocalSocket local, const Endpoint& remote);
    // The path sends should use: alive and confirmed, lowest latency proxy = most recent
    // receive; nullptr if none.
    const Path* best_path(Ticks now) const;
    // Drops expired paths; returns the removed endpoints through `expired`.
    void expire_paths(Ticks now, std::vector<Endpoint>& expired);

    // The cipher suite to send with: AES-GMAC-SIV once the peer speaks protocol >= 12 and
    // we advertise 12; Salsa20/12-Poly1305 otherwise (spec §3.5).
    Cipher send_cipher() const;

private:
    Identity id_;
    SymmetricKey key_;
    std::optional<crypto::AesGmacSiv> aes_;
    bool aes_failed_ = false;
    std::vector<Path> paths_;
};

}  // namespace zt

// Test helpers over vectors/capture_packets.json: the captured packets with their keys,
// and hex conversion. Tests only (throws on malformed vectors, which fails the test).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/crypto/secret.hpp"
#include "json.hpp"

namespace ztest {

inline zt::Bytes hex(const std::string& s) {
    auto b = zt::from_hex(s);
    if (!b) throw std::runtime_error("bad hex: " + s);
    return *b;
}

inline zt::SymmetricKey key48(const std::string& s) {
    zt::Bytes b = hex(s);
    if (b.size() != 48) throw std::runtime_error("key is not 48 bytes");
    return zt::SymmetricKey(std::span<const uint8_t, 48>(b.data(), 48));
}

struct CapturedPacket {
    size_t index = 0;
    std::string capture, verb, in_re_verb, from, to;
    int cipher = 0;
    int hops = 0;
    bool lz4 = false;
    zt::Bytes key, wire, header_after_dearmor, payload_as_sent, payload_decompressed;
    uint8_t verb_byte = 0;

    std::string name() const {
        return "#" + std::to_string(index) + " " + verb + (in_re_verb.empty() ? "" : "(" + in_re_verb + ")") +
               " cipher " + std::to_string(cipher) + " hops " + std::to_string(hops) + " " + from + " -> " + to;
    }
};

inline const std::vector<CapturedPacket>& captured_packets() {
    static const std::vector<CapturedPacket> all = [] {
        std::vector<CapturedPacket> v;
        Json j = load_vectors("capture_packets.json");
        const Json& ps = j["packets"];
        for (size_t i = 0; i < ps.size(); ++i) {
            const Json& p = ps[i];
            CapturedPacket c;
            c.index = i;
            c.capture = p["capture"].s();
            c.verb = p["verb"].s();
            c.in_re_verb = p["in_re_verb"].is_null() ? "" : p["in_re_verb"].s();
            c.from = p["from"].s();
            c.to = p["to"].s();
            c.cipher = int(p["cipher"].i64());
            c.hops = int(p["hops"].i64());
            c.lz4 = p["lz4"].b;
            c.key = hex(p["shared_key48"].s());
            c.wire = hex(p["wire"].s());
            c.header_after_dearmor = hex(p["header_after_dearmor"].s());
            c.verb_byte = hex(p["verb_byte"].s()).at(0);
            c.payload_as_sent = hex(p["payload_as_sent"].s());
            c.payload_decompressed = hex(p["payload_decompressed"].s());
            v.push_back(std::move(c));
        }
        return v;
    }();
    return all;
}

// The first captured packet with that verb (and in-re verb), decompressed payload.
inline const CapturedPacket& captured(const std::string& verb, const std::string& in_re = "") {
    for (const auto& p : captured_packets())
        if (p.verb == verb && p.in_re_verb == in_re) return p;
    throw std::runtime_error("no captured packet " + verb + "(" + in_re + ")");
}

inline zt::SymmetricKey key_of(const CapturedPacket& p) {
    return zt::SymmetricKey(std::span<const uint8_t, 48>(p.key.data(), 48));
}

}  // namespace ztest

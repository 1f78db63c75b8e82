// Shared by the libFuzzer targets: parse a plaintext packet with every verb codec and
// check that parse -> serialize -> parse -> serialize is stable (a mismatch traps).
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>
#include <string>

#include "core/identity.hpp"
#include "core/vl1/echo.hpp"
#include "core/vl1/error.hpp"
#include "core/vl1/hello.hpp"
#include "core/vl1/ok.hpp"
#include "core/vl1/push_direct_paths.hpp"
#include "core/vl1/rendezvous.hpp"
#include "core/vl1/whois.hpp"
#include "core/vl2/config_chunk.hpp"
#include "core/vl2/ext_frame.hpp"
#include "core/vl2/frame.hpp"
#include "core/vl2/multicast_frame.hpp"
#include "core/vl2/multicast_gather.hpp"
#include "core/vl2/multicast_like.hpp"
#include "core/vl2/network_config_request.hpp"
#include "core/wire/packet.hpp"

namespace zfuzz {

inline void require(bool ok) {
    if (!ok) __builtin_trap();
}

// serialize(parse(x)) must parse again and serialize to the same bytes.
template <class T>
void round_trip(const T& msg) {
    static std::array<uint8_t, 2 * zt::kMaxPacketLength> a, b;
    zt::Writer wa{std::span<uint8_t>(a)};
    msg.serialize(wa);
    require(wa.ok());
    auto again = T::parse(wa.written());
    require(again.has_value());
    zt::Writer wb{std::span<uint8_t>(b)};
    again->serialize(wb);
    require(wb.ok() && wb.size() == wa.size());
    for (size_t i = 0; i < wa.size(); ++i) require(a[i] == b[i]);
}

template <class T>
void try_codec(std::span<const uint8_t> payload) {
    if (auto m = T::parse(payload)) round_trip(*m);
}

// Every codec on the payload, whatever the verb says (more coverage per input).
inline void parse_payload_all(std::span<const uint8_t> payload) {
    try_codec<zt::vl1::Hello>(payload);
    try_codec<zt::vl1::Error>(payload);
    try_codec<zt::vl1::Echo>(payload);
    try_codec<zt::vl1::Whois>(payload);
    try_codec<zt::vl1::Rendezvous>(payload);
    try_codec<zt::vl1::PushDirectPaths>(payload);
    try_codec<zt::vl2::Frame>(payload);
    try_codec<zt::vl2::ExtFrame>(payload);
    try_codec<zt::vl2::MulticastFrame>(payload);
    try_codec<zt::vl2::MulticastLike>(payload);
    try_codec<zt::vl2::MulticastGather>(payload);
    try_codec<zt::vl2::NetworkConfigRequest>(payload);
    try_codec<zt::vl2::ConfigChunk>(payload);
    // NETWORK_CREDENTIALS can grow when written back: fuzz_credentials covers it.
    if (auto ok = zt::vl1::Ok::parse(payload)) {
        round_trip(*ok);
        try_codec<zt::vl1::OkHello>(ok->body);
        try_codec<zt::vl1::OkEcho>(ok->body);
        try_codec<zt::vl1::OkWhois>(ok->body);
        try_codec<zt::vl2::OkMulticastGather>(ok->body);
        try_codec<zt::vl2::OkMulticastFrame>(ok->body);
        try_codec<zt::vl2::ConfigChunk>(ok->body);
        try_codec<zt::vl2::NetworkConfigAck>(ok->body);
    }
    (void)zt::vl1::Hello::moon_section_offset(payload);
}

// The 48-byte keys of the captured node pairs (vectors/capture_packets.json), so inputs
// derived from captured packets authenticate.
inline constexpr const char* kCaptureKeys[] = {
    "3004ba6a70aa2eeec2a5f28bfcfb7936ae975b4208f319cadd04e65ada422a9957a350693cadfb142d4e57ccf97911ee",
    "21add1a8ac5b58e862f4148d221b97e2ac03800243a83e851088fd6c0a885c73d297af4208c8445bf35195ef6a08afe2",
    "25adef0fe79ffa0a95592a91dd7193bfc6bece655437a34f0c7debf3419c9c07f74fecfd92b8fc29d67eecb9a7944700",
    "baede4d061f3dbacc7de8ef8a2bb0f1ce9b695af8251644433fc3e588a6949f539ad6cb253a25442794d6becc59f73d2",
    "04539e7a98f67b31d3029ab9327f82a1aa2edbe1a37d4a2bf51fc913f5f57a2fcb96162985362960373ebadeea85bf9d",
};
inline constexpr size_t kCaptureKeyCount = sizeof(kCaptureKeys) / sizeof(kCaptureKeys[0]);

// A captured node's identity with its secret (vectors/captures/nodes/<node>/identity.secret).
inline zt::Identity load_capture_identity(const char* node) {
    std::ifstream in(std::string(ZT_VECTORS_DIR) + "/captures/nodes/" + node + "/identity.secret");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto id = zt::Identity::from_string(text);
    require(id && id->has_secret());
    return *id;
}

inline zt::SymmetricKey key_from_hex(const char* hex) {
    std::array<uint8_t, 48> b{};
    auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    for (size_t i = 0; i < 48; ++i) b[i] = uint8_t(nib(hex[2 * i]) << 4 | nib(hex[2 * i + 1]));
    return zt::SymmetricKey(std::span<const uint8_t, 48>(b));
}

}  // namespace zfuzz

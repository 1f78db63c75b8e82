// Hand-built packets for core tests that play a hostile or scripted peer.
#pragma once

#include <catch2/catch.hpp>

#include "core/identity.hpp"
#include "core/vl1/hello.hpp"
#include "core/wire/packet.hpp"

namespace ztest {

// A packet from `from` to `to` with `verb` and `payload`, armored with `key` and `cipher`.
inline zt::wire::PacketBuf armored_packet(zt::Address from, zt::Address to, zt::Verb verb,
                                          std::span<const uint8_t> payload, const zt::SymmetricKey& key,
                                          zt::Cipher cipher, uint64_t packet_id) {
    zt::wire::PacketBuf pkt;
    zt::Writer w = pkt.writer();
    zt::wire::PacketHeader h;
    h.packet_id = packet_id;
    h.dest = to;
    h.source = from;
    h.verb_byte = uint8_t(verb);
    h.serialize(w);
    w.bytes(payload);
    REQUIRE(pkt.commit(w));
    REQUIRE(zt::wire::armor(pkt.bytes(), key, cipher));
    return pkt;
}

// A HELLO that claims `claimed` (an identity whose address may be forged) but is
// authenticated with `signer`'s real key pair, sent to `to`.
inline zt::wire::PacketBuf forged_hello(const zt::Identity& claimed, const zt::Identity& signer,
                                        const zt::Identity& to, uint64_t packet_id) {
    zt::vl1::Hello hello;
    hello.protocol_version = zt::kProtoVersion;
    hello.identity = claimed;
    hello.has_moon_section = true;
    zt::wire::PacketBuf pkt;
    zt::Writer w = pkt.writer();
    zt::wire::PacketHeader h;
    h.packet_id = packet_id;
    h.dest = to.address();
    h.source = claimed.address();
    h.verb_byte = uint8_t(zt::Verb::hello);
    h.serialize(w);
    hello.serialize(w);
    REQUIRE(pkt.commit(w));
    auto key = signer.agree(to);
    REQUIRE(key);
    zt::vl1::Hello::apply_crypt_field(pkt.bytes(), *key);
    REQUIRE(zt::wire::armor(pkt.bytes(), *key, zt::Cipher::poly1305_none));
    return pkt;
}

}  // namespace ztest

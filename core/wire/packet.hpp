// The packet (head) header of spec §3.1, armor/dearmor for cipher suites 0 and 1 (§4.2,
// §4.3) and 3 (§4.4, through core/crypto), the HELLO cryptField (§4.5) and LZ4 (§4.6).
//
//   <[8] packet id> <[5] destination> <[5] source> <[1] flags F E C C C H H H>
//   <[8] MAC> <[1] verb byte: C 0 0 V V V V V> <[...] verb payload>
//
//   flags: 0x80 legacy "encrypted" (set iff cipher 1), 0x40 fragmented, 0x38 cipher suite,
//          0x07 hops (not authenticated). Verb byte: 0x80 payload LZ4-compressed.
//
// Send:    build header + payload in a PacketBuf -> compress() -> (set fragmented if it
//          will be cut, fragment.hpp) -> armor() -> cut and send.
// Receive: classify_datagram() -> reassemble if needed -> PacketHeader::parse() ->
//          dearmor() -> decompress() -> parse the verb payload.
// Nothing here allocates, throws or reads a clock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/crypto/aes_gmac_siv.hpp"
#include "core/crypto/secret.hpp"
#include "core/protocol.hpp"
#include "core/types.hpp"
#include "core/wire/drop.hpp"
#include "core/wire/reader.hpp"
#include "core/wire/result.hpp"
#include "core/wire/wire_constants.hpp"
#include "core/wire/writer.hpp"

namespace zt::wire {

// A whole packet (or one datagram) in fixed storage: kMaxPacketLength bytes, no allocation.
// Bytes at and beyond `len` are unspecified.
struct PacketBuf {
    std::array<uint8_t, kMaxPacketLength> b;
    size_t len = 0;

    std::span<uint8_t> bytes() { return {b.data(), len}; }
    std::span<const uint8_t> bytes() const { return {b.data(), len}; }
    // A writer over the whole capacity; after writing, commit(w) sets len.
    Writer writer() { return Writer{std::span<uint8_t>(b)}; }
    bool commit(const Writer& w) {
        if (!w.ok()) return false;
        len = w.size();
        return true;
    }
    // Copies in; false (and len 0) if in is longer than the capacity.
    bool assign(std::span<const uint8_t> in);
};

// What a UDP datagram is, judged from its length and byte 13 only (§3.1, §3.3).
enum class DatagramKind : uint8_t {
    runt,      // < 17 bytes (includes the 13-byte legacy LAN beacon): drop
    head,      // a packet or the head of a fragmented one: >= 28 bytes, byte 13 != 0xff
    fragment,  // byte 13 == 0xff, >= 17 bytes
    bad_head,  // 17..27 bytes and not a fragment: drop (too_short)
};
DatagramKind classify_datagram(std::span<const uint8_t> datagram);

// The 28 header bytes (27 + verb byte), parsed into values.
struct PacketHeader {
    uint64_t packet_id = 0;   // bytes 0..7 as a big-endian u64 (also the suite 0/1 nonce)
    Address dest;
    Address source;
    uint8_t flags = 0;
    uint64_t mac = 0;         // bytes 19..26 as a big-endian u64
    uint8_t verb_byte = 0;

    Cipher cipher() const { return Cipher((flags & kFlagCipherMask) >> 3); }
    uint8_t hops() const { return flags & kFlagHopsMask; }
    bool fragmented() const { return flags & kFlagFragmented; }
    Verb verb() const { return Verb(verb_byte & kVerbMask); }
    bool compressed() const { return verb_byte & kVerbFlagCompressed; }

    // Sets the cipher bits and the legacy 0x80 bit (set iff cipher 1).
    void set_cipher(Cipher c);
    void set_hops(uint8_t hops) { flags = uint8_t((flags & ~kFlagHopsMask) | (hops & kFlagHopsMask)); }
    void set_fragmented(bool on) { flags = uint8_t(on ? flags | kFlagFragmented : flags & ~kFlagFragmented); }

    // At least 28 bytes and byte 13 != 0xff; the payload is not looked at.
    static std::optional<PacketHeader> parse(std::span<const uint8_t> pkt);
    // Writes the 28 header bytes.
    void serialize(Writer& w) const;
    // Overwrites the first 28 bytes of pkt (precondition: pkt.size() >= 28).
    void write_to(std::span<uint8_t> pkt) const;
};

// §4.3 armor, in place. pkt = header (packet id, addresses, fragment flag final) + verb byte
// + payload, already compressed if at all. Sets the cipher bits and bit 7, clears the hops
// and writes the MAC. Suite 3 (§4.4) needs `aes`, the peer's AES-GMAC-SIV keys (K0/K1
// derived once per peer, core/crypto/aes_gmac_siv.hpp): it replaces bytes 0..7 with the tag
// half that becomes the wire packet id. Suite 2 and 4..7 are refused.
[[nodiscard]] Result<void, Drop> armor(std::span<uint8_t> pkt, const SymmetricKey& key, Cipher cipher,
                                       crypto::AesGmacSiv* aes = nullptr);

// §4.3 dearmor, in place: checks the MAC (constant time) over the bytes as received, then
// decrypts (suite 1). On failure pkt is unchanged for suites 0/1 and unspecified for
// suite 3 (drop it). Suite 3 without `aes`, suite 2 (trusted path: the node's decision)
// and 4..7 are Drop::unsupported_cipher. Returns the suite used.
[[nodiscard]] Result<Cipher, Drop> dearmor(std::span<uint8_t> pkt, const SymmetricKey& key,
                                           crypto::AesGmacSiv* aes = nullptr);

// §4.5 HELLO cryptField: XORs pkt[offset..end] with Salsa20/12(key[0..31], nonce = packet id
// with byte 7 & 0xF8) from keystream byte 0. Its own inverse. `offset` counts from the start
// of the packet (28 + vl1::Hello::moon_section_offset()); offset >= size is a no-op.
void crypt_hello_field(std::span<uint8_t> pkt, size_t offset, const SymmetricKey& key);

// §4.6 receive: if the verb byte has 0x80 set, decompresses pkt[28..] into `scratch`
// (header copied, 0x80 cleared; output payload at most 10024 - 28 bytes) and returns a view
// of scratch; otherwise returns pkt itself. A bad LZ4 block is Drop::bad_compression.
// pkt must not lie inside scratch.
[[nodiscard]] Result<std::span<const uint8_t>, Drop> decompress(std::span<const uint8_t> pkt, PacketBuf& scratch);

// §4.6 send (upstream rule): compresses the payload in place if it is longer than 64 bytes
// and LZ4 makes it smaller, and sets 0x80 in the verb byte. Returns whether it did.
bool compress(PacketBuf& pkt);

}  // namespace zt::wire

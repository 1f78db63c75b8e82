// Network config chunks (spec §8.4): the payload of OK(NETWORK_CONFIG_REQUEST) and of
// NETWORK_CONFIG (§5.11), their controller signature, reassembly into the config Dictionary
// (ConfigAssembler), cutting a Dictionary into chunks, and the NETWORK_CONFIG ack body.
//
//   <[8] network id> <[2] chunk length C> <[C] Dictionary bytes [index, index + C)>
//   <[1] flags: 0x01 fast propagate> <[8] config update id> <[4] total length> <[4] index>
//   <[1] signature type: 1> <[2] signature length: 96> <[96] signature over bytes 0 .. 26+C>
//   legacy (§8.4 step 5): the payload ends after the Dictionary bytes; unsigned, one chunk.
//
//   ack, OK in-re ECHO (§5.11):  <[8] network id> <[8] config update id>
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/bytes.hpp"
#include "core/identity.hpp"
#include "core/types.hpp"
#include "core/vl2/credential.hpp"
#include "core/wire/writer.hpp"

namespace zt::vl2 {

struct ConfigChunk {
    static constexpr uint8_t kFlagFastPropagate = 0x01;
    static constexpr size_t kLegacyMandatoryLength = 10;             // plus C
    static constexpr size_t kSignedTailLength = 1 + 8 + 4 + 4;      // flags .. index
    static constexpr size_t kMandatoryLength = 10 + kSignedTailLength + 3 + kSignatureLength;  // plus C
    // A 1.14 controller's largest chunk: 10024 - (28 + 256) bytes (§8.4, §11).
    static constexpr size_t kMaxSenderChunk = 9740;

    NetworkId nwid;
    std::span<const uint8_t> data;  // a view
    bool legacy = false;            // §8.4 step 5: no fields below on the wire
    uint8_t flags = 0;
    uint64_t update_id = 0;
    uint32_t total_length = 0;
    uint32_t index = 0;
    Signature signature{};

    bool fast_propagate() const { return flags & kFlagFastPropagate; }

    // Signed form: the signature block must be type 1, length 96. Bytes after it are ignored.
    static std::optional<ConfigChunk> parse(std::span<const uint8_t> payload);
    // Fails the writer if C > 65535.
    void serialize(Writer& w) const;

    // Signs nwid .. index with the controller's key; false without its secret or for legacy.
    bool sign(const Identity& controller);
    // Signed (not legacy), for the network of `controller` (nwid >> 24), signature valid.
    bool verify(const Identity& controller) const;

private:
    bool write_signed_part(Writer& w) const;
};

// Cuts a config Dictionary (its serialized text) into chunks of at most `max_chunk` bytes,
// all with `update_id`, signed by `controller`, each returned as a whole chunk payload.
// Empty if the Dictionary is empty, `max_chunk` is 0, or `controller` has no secret.
std::vector<Bytes> make_config_chunks(NetworkId nwid, std::span<const uint8_t> dictionary, uint64_t update_id,
                                      const Identity& controller, uint8_t flags = 0,
                                      size_t max_chunk = ConfigChunk::kMaxSenderChunk);

// Reassembles the chunks of one network's configs (§8.4 receiver): up to 3 configs in progress
// keyed by update id, the least recently touched replaced first; duplicate chunks are dropped
// before their signature is checked; all buffers together stay within kMaxBufferedBytes.
// A completed update is remembered (without its data) so its chunks are not applied twice.
class ConfigAssembler {
public:
    static constexpr size_t kMaxUpdates = 3;                 // ZT_NETWORK_MAX_INCOMING_UPDATES
    static constexpr size_t kMaxConfigBytes = size_t(1) << 20;
    static constexpr size_t kMaxBufferedBytes = size_t(1) << 20;
    static constexpr Ticks kUpdateTimeoutMs = 60000;         // an update untouched this long is dropped

    enum class Status {
        incomplete,      // accepted, more chunks needed
        complete,        // accepted, `dictionary` holds the whole config
        duplicate,       // nothing new (already held or already completed)
        wrong_network,
        bad_range,       // index + C > total, total 0 or above kMaxConfigBytes, or total differs
        bad_signature,
        wrong_kind,      // a legacy chunk given to add(), or a signed one to add_legacy()
    };
    struct Outcome {
        Status status = Status::incomplete;
        uint64_t update_id = 0;
        Bytes dictionary;  // only for Status::complete
    };

    explicit ConfigAssembler(NetworkId nwid) : nwid_(nwid) {}

    // A signed chunk; verified with `controller` unless it is a duplicate.
    Outcome add(const ConfigChunk& chunk, const Identity& controller, Ticks now);
    // A legacy unsigned single-chunk config (update id = the packet's id). Precondition: it
    // came from the controller itself (§8.4 step 5).
    Outcome add_legacy(const ConfigChunk& chunk, uint64_t packet_id, Ticks now);
    // Forgets updates untouched for kUpdateTimeoutMs.
    void expire(Ticks now);

    size_t updates() const { return slots_.size(); }
    size_t buffered_bytes() const;

private:
    struct Range {
        uint32_t begin, end;
    };
    struct Slot {
        uint64_t update_id = 0;
        uint32_t total = 0;
        Bytes data;                 // total bytes while incomplete, empty once complete
        std::vector<Range> have;    // sorted, disjoint, non-adjacent
        bool complete = false;
        Ticks touched = 0;
    };

    Outcome accept(uint64_t update_id, uint32_t total, uint32_t index, std::span<const uint8_t> data,
                   const ConfigChunk* to_verify, const Identity* controller, Ticks now);
    static bool covered(const Slot& s, uint32_t begin, uint32_t end);
    static uint32_t insert_range(Slot& s, uint32_t begin, uint32_t end);  // returns bytes held

    NetworkId nwid_;
    std::vector<Slot> slots_;
};

// Body of the OK (in-re verb ECHO, an upstream quirk) that acknowledges a NETWORK_CONFIG.
struct NetworkConfigAck {
    static constexpr size_t kLength = 16;

    NetworkId nwid;
    uint64_t update_id = 0;

    // Exactly 16 bytes.
    static std::optional<NetworkConfigAck> parse(std::span<const uint8_t> body);
    void serialize(Writer& w) const;
};

}  // namespace zt::vl2

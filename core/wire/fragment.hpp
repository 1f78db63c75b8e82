// Fragmentation (spec §3.3) and reassembly (§3.4) of armored packets. A packet longer than
// the path MTU is armored whole, with the fragmented flag 0x40 already set, then cut into a
// head (the first mtu bytes) and up to 6 fragments:
//
//   <[8] packet id (head bytes 0..7 after armor)> <[5] destination> <[1] 0xff>
//   <[1] total << 4 | number> <[1] hops> <[...] fragment data>
//
// There is no per-fragment MAC; the reassembled packet is dearmored as a whole.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "core/protocol.hpp"
#include "core/types.hpp"
#include "core/wire/drop.hpp"
#include "core/wire/packet.hpp"
#include "core/wire/result.hpp"
#include "core/wire/writer.hpp"

namespace zt::wire {

struct FragmentHeader {
    uint64_t packet_id = 0;
    Address dest;
    uint8_t total = 0;   // head included, 2..7 when valid
    uint8_t number = 0;  // 1..total-1 when valid
    uint8_t hops = 0;    // full byte; relays increment it

    // The 16 header bytes with the 0xff indicator at byte 13; counts are not judged here.
    static std::optional<FragmentHeader> parse(std::span<const uint8_t> datagram);
    void serialize(Writer& w) const;
    // §3.4: total <= 7, total > 1, 1 <= number < total.
    bool counts_valid() const;
};

// §3.3: datagrams needed for a packet of packet_len bytes at mtu_bytes (head included);
// 0 if it would take more than kMaxPacketFragments or the MTU is outside 1400..10324.
size_t fragment_count(size_t packet_len, size_t mtu_bytes = kDefaultPhysMtu);

// Cuts one armored packet into datagrams without copying the head.
// Precondition: the fragmented flag was set before armoring iff fragment_count() > 1.
class FragmentCutter {
public:
    explicit FragmentCutter(std::span<const uint8_t> armored, size_t mtu_bytes = kDefaultPhysMtu);

    // False if the packet is shorter than a header or does not fit in 7 datagrams.
    bool ok() const { return count_ != 0; }
    size_t count() const { return count_; }
    // Datagram i, 0 = head (a view into the packet). Fragment i >= 1 is written into
    // scratch (at least mtu_bytes long) and the written part returned. Empty if i >= count()
    // or scratch is too small.
    std::span<const uint8_t> datagram(size_t i, std::span<uint8_t> scratch) const;

private:
    std::span<const uint8_t> pkt_;
    size_t mtu_;
    size_t count_ = 0;
};

// §3.4 reassembly. Up to kRxQueueSize (32) packets in progress, keyed by the 64-bit packet
// id. A slot lives kFragmentTimeoutMs (5 s) from its first piece; when all slots are busy
// the one started longest ago is evicted. Pieces may come in any order; duplicates and
// fragments whose counts disagree with the slot's are refused without disturbing it.
// Memory is fixed at construction (32 x ~10 KB); add_* never allocate.
//
// Slot states: free -> collecting (some of head/fragments held) -> free, on completion,
// timeout, eviction, or an assembled size over kMaxPacketLength.
class Reassembler {
public:
    enum class Status : uint8_t { pending, complete };

    Reassembler();
    ~Reassembler();
    Reassembler(const Reassembler&) = delete;
    Reassembler& operator=(const Reassembler&) = delete;

    // A head datagram whose fragmented flag is set (>= 28 bytes). On `complete` the whole
    // packet is in `out`.
    [[nodiscard]] Result<Status, Drop> add_head(Ticks now, std::span<const uint8_t> head, PacketBuf& out);
    // A fragment datagram (byte 13 == 0xff). On `complete` the whole packet is in `out`.
    [[nodiscard]] Result<Status, Drop> add_fragment(Ticks now, std::span<const uint8_t> fragment, PacketBuf& out);

    // Frees slots older than the timeout (also done lazily by add_*).
    void expire(Ticks now);
    size_t in_progress() const;

private:
    struct Slot;
    Slot* slot_for(Ticks now, uint64_t packet_id);
    Result<Status, Drop> add_piece(Ticks now, uint64_t packet_id, uint8_t index, uint8_t total,
                                   std::span<const uint8_t> data, PacketBuf& out);

    std::unique_ptr<Slot[]> slots_;
};

}  // namespace zt::wire

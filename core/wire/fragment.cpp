// Cutting armored packets into head + fragments (spec §3.3) and putting them back
// together (§3.4). Layout and slot life cycle in fragment.hpp.
#include "core/wire/fragment.hpp"

#include "core/wire/reader.hpp"
#include "core/wire/wire_constants.hpp"

namespace zt::wire {

// ---- §3.3 fragment header ----

std::optional<FragmentHeader> FragmentHeader::parse(std::span<const uint8_t> datagram) {
    Reader r{datagram};
    FragmentHeader f;
    f.packet_id = r.u64be();
    f.dest = Address(r.u40be());
    const uint8_t indicator = r.u8();
    const uint8_t counts = r.u8();
    f.hops = r.u8();
    if (!r.ok() || indicator != kFragmentIndicator) return std::nullopt;
    f.total = uint8_t(counts >> 4);
    f.number = uint8_t(counts & 0x0f);
    return f;
}

void FragmentHeader::serialize(Writer& w) const {
    w.u64be(packet_id);
    w.u40be(dest.value());
    w.u8(kFragmentIndicator);
    w.u8(uint8_t((total << 4) | (number & 0x0f)));
    w.u8(hops);
}

bool FragmentHeader::counts_valid() const {
    return total <= kMaxPacketFragments && total > 1 && number >= 1 && number < total;
}

// ---- §3.3 cutting ----

size_t fragment_count(size_t packet_len, size_t mtu_bytes) {
    if (mtu_bytes < kMinPhysMtu || mtu_bytes > kMaxPhysMtu || packet_len < kPacketMinLength) return 0;
    if (packet_len <= mtu_bytes) return 1;
    const size_t chunk = mtu_bytes - kFragmentHeaderLength;
    const size_t n = 1 + (packet_len - mtu_bytes + chunk - 1) / chunk;
    return n <= kMaxPacketFragments ? n : 0;
}

FragmentCutter::FragmentCutter(std::span<const uint8_t> armored, size_t mtu_bytes)
    : pkt_(armored), mtu_(mtu_bytes), count_(fragment_count(armored.size(), mtu_bytes)) {}

std::span<const uint8_t> FragmentCutter::datagram(size_t i, std::span<uint8_t> scratch) const {
    if (i >= count_) return {};
    if (i == 0) return pkt_.first(count_ == 1 ? pkt_.size() : mtu_);
    const size_t chunk = mtu_ - kFragmentHeaderLength;
    const size_t start = mtu_ + (i - 1) * chunk;
    const size_t n = pkt_.size() - start < chunk ? pkt_.size() - start : chunk;

    Reader r{pkt_};
    FragmentHeader f;
    f.packet_id = r.u64be();  // the wire packet id (after armor)
    f.dest = Address(r.u40be());
    f.total = uint8_t(count_);
    f.number = uint8_t(i);
    Writer w{scratch};
    f.serialize(w);
    w.bytes(pkt_.subspan(start, n));
    if (!w.ok()) return {};
    return w.written();
}

// ---- §3.4 reassembly ----

struct Reassembler::Slot {
    bool used = false;
    uint64_t packet_id = 0;
    Ticks started = 0;
    uint8_t total = 0;   // 0 until a fragment has told us
    uint8_t have = 0;    // bit i = piece i held; bit 0 = head
    size_t stored = 0;   // bytes used in `data`
    std::array<size_t, kMaxPacketFragments> offset{};
    std::array<size_t, kMaxPacketFragments> length{};
    std::array<uint8_t, kMaxPacketLength> data;  // pieces in arrival order

    void clear() {
        used = false;
        total = 0;
        have = 0;
        stored = 0;
    }
    bool expired(Ticks now) const { return used && now - started > kFragmentTimeoutMs; }
};

// make_unique_for_overwrite: the 10 KB data arrays need no zeroing (only [0, stored) is read).
Reassembler::Reassembler() : slots_(std::make_unique_for_overwrite<Slot[]>(kRxQueueSize)) {}
Reassembler::~Reassembler() = default;

void Reassembler::expire(Ticks now) {
    for (size_t i = 0; i < kRxQueueSize; ++i)
        if (slots_[i].expired(now)) slots_[i].clear();
}

size_t Reassembler::in_progress() const {
    size_t n = 0;
    for (size_t i = 0; i < kRxQueueSize; ++i) n += slots_[i].used ? 1 : 0;
    return n;
}

// The live slot for packet_id, or a newly claimed one: a free slot if any, else the one
// started longest ago (evicted).
Reassembler::Slot* Reassembler::slot_for(Ticks now, uint64_t packet_id) {
    expire(now);
    Slot* free_slot = nullptr;
    Slot* oldest = &slots_[0];
    for (size_t i = 0; i < kRxQueueSize; ++i) {
        Slot& s = slots_[i];
        if (s.used && s.packet_id == packet_id) return &s;
        if (!s.used && !free_slot) free_slot = &s;
        if (s.used && s.started < oldest->started) oldest = &s;
    }
    Slot* s = free_slot ? free_slot : oldest;
    s->clear();
    s->used = true;
    s->packet_id = packet_id;
    s->started = now;
    return s;
}

Result<Reassembler::Status, Drop> Reassembler::add_piece(Ticks now, uint64_t packet_id, uint8_t index, uint8_t total,
                                                         std::span<const uint8_t> data, PacketBuf& out) {
    if (data.size() > kMaxPacketLength) return Failure{Drop::too_long};  // before claiming a slot
    Slot& s = *slot_for(now, packet_id);
    const uint8_t bit = uint8_t(1u << index);
    if (s.have & bit) return Failure{Drop::duplicate_fragment};
    if (total != 0 && s.total != 0 && total != s.total) return Failure{Drop::bad_fragment};
    if (data.size() > kMaxPacketLength - s.stored) {
        s.clear();
        return Failure{Drop::too_long};
    }
    Writer w{std::span<uint8_t>(s.data).subspan(s.stored)};
    w.bytes(data);
    s.offset[index] = s.stored;
    s.length[index] = data.size();
    s.stored += data.size();
    s.have |= bit;
    if (total != 0) s.total = total;

    if (s.total == 0 || s.have != uint8_t((1u << s.total) - 1)) return Status::pending;
    // Complete: head || fragment 1 data || ... || fragment total-1 data.
    Writer o = out.writer();
    for (size_t i = 0; i < s.total; ++i)
        o.bytes(std::span<const uint8_t>(s.data).subspan(s.offset[i], s.length[i]));
    s.clear();
    if (!out.commit(o)) return Failure{Drop::too_long};
    return Status::complete;
}

Result<Reassembler::Status, Drop> Reassembler::add_head(Ticks now, std::span<const uint8_t> head, PacketBuf& out) {
    auto h = PacketHeader::parse(head);
    if (!h) return Failure{Drop::too_short};
    if (!h->fragmented()) return Failure{Drop::bad_fragment};
    return add_piece(now, h->packet_id, 0, 0, head, out);
}

Result<Reassembler::Status, Drop> Reassembler::add_fragment(Ticks now, std::span<const uint8_t> fragment,
                                                            PacketBuf& out) {
    auto f = FragmentHeader::parse(fragment);
    if (!f) return Failure{Drop::too_short};
    if (!f->counts_valid()) return Failure{Drop::bad_fragment};
    return add_piece(now, f->packet_id, f->number, f->total, fragment.subspan(kFragmentHeaderLength), out);
}

}  // namespace zt::wire

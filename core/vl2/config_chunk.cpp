// Config chunk codec, signature, reassembly and cutting (spec §8.4), and the NETWORK_CONFIG
// ack body (§5.11). Layouts in config_chunk.hpp.
#include "core/vl2/config_chunk.hpp"

#include <algorithm>
#include <limits>

#include "core/wire/reader.hpp"

namespace zt::vl2 {

// --- ConfigChunk -------------------------------------------------------------------------

std::optional<ConfigChunk> ConfigChunk::parse(std::span<const uint8_t> payload) {
    Reader r{payload};
    ConfigChunk c;
    c.nwid = NetworkId{r.u64be()};
    c.data = r.bytes(r.u16be());
    if (!r.ok()) return std::nullopt;
    if (r.at_end()) {
        c.legacy = true;
        return c;
    }
    c.flags = r.u8();
    c.update_id = r.u64be();
    c.total_length = r.u32be();
    c.index = r.u32be();
    if (r.u8() != kSignatureTypeC25519 || r.u16be() != kSignatureLength) r.fail();
    auto sig = r.bytes(kSignatureLength);
    if (!r.ok()) return std::nullopt;
    std::copy(sig.begin(), sig.end(), c.signature.begin());
    return c;
}

bool ConfigChunk::write_signed_part(Writer& w) const {
    if (data.size() > 0xffff) {
        w.fail();
        return false;
    }
    w.u64be(nwid.value);
    w.u16be(uint16_t(data.size()));
    w.bytes(data);
    w.u8(flags);
    w.u64be(update_id);
    w.u32be(total_length);
    w.u32be(index);
    return w.ok();
}

void ConfigChunk::serialize(Writer& w) const {
    if (legacy) {
        if (data.size() > 0xffff) {
            w.fail();
            return;
        }
        w.u64be(nwid.value);
        w.u16be(uint16_t(data.size()));
        w.bytes(data);
        return;
    }
    if (write_signed_part(w)) write_signature_block(w, signature);
}

bool ConfigChunk::sign(const Identity& controller) {
    if (legacy || !controller.has_secret()) return false;
    Bytes buf(10 + data.size() + kSignedTailLength);
    Writer w{buf};
    if (!write_signed_part(w)) return false;
    signature = controller.sign(w.written());
    return true;
}

bool ConfigChunk::verify(const Identity& controller) const {
    if (legacy || nwid.controller() != controller.address()) return false;
    Bytes buf(10 + data.size() + kSignedTailLength);
    Writer w{buf};
    return write_signed_part(w) && controller.verify(w.written(), signature);
}

std::vector<Bytes> make_config_chunks(NetworkId nwid, std::span<const uint8_t> dictionary, uint64_t update_id,
                                      const Identity& controller, uint8_t flags, size_t max_chunk) {
    std::vector<Bytes> out;
    if (dictionary.empty() || max_chunk == 0 || !controller.has_secret() ||
        dictionary.size() > std::numeric_limits<uint32_t>::max())
        return out;
    max_chunk = std::min<size_t>(max_chunk, 0xffff);
    for (size_t at = 0; at < dictionary.size(); at += max_chunk) {
        ConfigChunk c;
        c.nwid = nwid;
        c.data = dictionary.subspan(at, std::min(max_chunk, dictionary.size() - at));
        c.flags = flags;
        c.update_id = update_id;
        c.total_length = uint32_t(dictionary.size());
        c.index = uint32_t(at);
        if (!c.sign(controller)) return {};
        Bytes payload(ConfigChunk::kMandatoryLength + c.data.size());
        Writer w{payload};
        c.serialize(w);
        if (!w.ok()) return {};
        payload.resize(w.size());
        out.push_back(std::move(payload));
    }
    return out;
}

// --- ConfigAssembler ---------------------------------------------------------------------

size_t ConfigAssembler::buffered_bytes() const {
    size_t n = 0;
    for (const Slot& s : slots_) n += s.data.size();
    return n;
}

void ConfigAssembler::expire(Ticks now) {
    std::erase_if(slots_, [now](const Slot& s) { return now - s.touched >= kUpdateTimeoutMs; });
}

bool ConfigAssembler::covered(const Slot& s, uint32_t begin, uint32_t end) {
    if (begin == end) return true;  // an empty chunk brings nothing
    return std::any_of(s.have.begin(), s.have.end(), [&](const Range& r) { return r.begin <= begin && end <= r.end; });
}

uint32_t ConfigAssembler::insert_range(Slot& s, uint32_t begin, uint32_t end) {
    std::vector<Range> merged;
    merged.reserve(s.have.size() + 1);
    bool placed = false;
    auto push = [&merged](Range r) {
        if (!merged.empty() && r.begin <= merged.back().end) merged.back().end = std::max(merged.back().end, r.end);
        else merged.push_back(r);
    };
    for (const Range& r : s.have) {
        if (!placed && begin <= r.begin) {
            push({begin, end});
            placed = true;
        }
        push(r);
    }
    if (!placed) push({begin, end});
    s.have = std::move(merged);
    uint32_t held = 0;
    for (const Range& r : s.have) held += r.end - r.begin;
    return held;
}

ConfigAssembler::Outcome ConfigAssembler::accept(uint64_t update_id, uint32_t total, uint32_t index,
                                                 std::span<const uint8_t> data, const ConfigChunk* to_verify,
                                                 const Identity* controller, Ticks now) {
    Outcome out;
    out.update_id = update_id;
    if (total == 0 || total > kMaxConfigBytes || uint64_t(index) + data.size() > total) {
        out.status = Status::bad_range;
        return out;
    }
    const uint32_t end = index + uint32_t(data.size());
    expire(now);

    auto it = std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.update_id == update_id; });
    if (it != slots_.end()) {
        if (it->total != total) {
            out.status = Status::bad_range;
            return out;
        }
        // Duplicates are dropped before the (costly) signature check, as upstream does.
        if (it->complete || covered(*it, index, end)) {
            out.status = Status::duplicate;
            return out;
        }
    } else if (data.empty()) {
        out.status = Status::duplicate;
        return out;
    }
    if (to_verify && !to_verify->verify(*controller)) {
        out.status = Status::bad_signature;
        return out;
    }

    if (it == slots_.end()) {
        auto least_recent = [this](bool incomplete_only) {
            auto best = slots_.end();
            for (auto s = slots_.begin(); s != slots_.end(); ++s)
                if ((!incomplete_only || !s->complete) && (best == slots_.end() || s->touched < best->touched)) best = s;
            return best;
        };
        if (slots_.size() >= kMaxUpdates) slots_.erase(least_recent(false));
        // Only incomplete updates hold bytes, and total <= kMaxBufferedBytes: this ends.
        while (buffered_bytes() + total > kMaxBufferedBytes) {
            auto victim = least_recent(true);
            if (victim == slots_.end()) break;
            slots_.erase(victim);
        }
        Slot s;
        s.update_id = update_id;
        s.total = total;
        s.data.resize(total);
        slots_.push_back(std::move(s));
        it = slots_.end() - 1;
    }

    std::copy(data.begin(), data.end(), it->data.begin() + index);
    it->touched = now;
    if (insert_range(*it, index, end) < total) {
        out.status = Status::incomplete;
        return out;
    }
    out.status = Status::complete;
    out.dictionary = std::move(it->data);
    it->data = Bytes();
    it->complete = true;
    return out;
}

ConfigAssembler::Outcome ConfigAssembler::add(const ConfigChunk& chunk, const Identity& controller, Ticks now) {
    Outcome out;
    out.update_id = chunk.update_id;
    if (chunk.nwid != nwid_) out.status = Status::wrong_network;
    else if (chunk.legacy) out.status = Status::wrong_kind;
    else return accept(chunk.update_id, chunk.total_length, chunk.index, chunk.data, &chunk, &controller, now);
    return out;
}

ConfigAssembler::Outcome ConfigAssembler::add_legacy(const ConfigChunk& chunk, uint64_t packet_id, Ticks now) {
    Outcome out;
    out.update_id = packet_id;
    if (chunk.nwid != nwid_) out.status = Status::wrong_network;
    else if (!chunk.legacy) out.status = Status::wrong_kind;
    else if (chunk.data.size() > kMaxConfigBytes) out.status = Status::bad_range;
    else return accept(packet_id, uint32_t(chunk.data.size()), 0, chunk.data, nullptr, nullptr, now);
    return out;
}

// --- NetworkConfigAck --------------------------------------------------------------------

std::optional<NetworkConfigAck> NetworkConfigAck::parse(std::span<const uint8_t> body) {
    if (body.size() != kLength) return std::nullopt;
    Reader r{body};
    NetworkConfigAck a;
    a.nwid = NetworkId{r.u64be()};
    a.update_id = r.u64be();
    if (!r.ok()) return std::nullopt;
    return a;
}

void NetworkConfigAck::serialize(Writer& w) const {
    w.u64be(nwid.value);
    w.u64be(update_id);
}

}  // namespace zt::vl2

// Big-endian writer into a caller-owned buffer of fixed capacity. Writing past the end
// clears ok() and writes nothing more; the packet path never allocates here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace zt {

class Writer {
public:
    explicit Writer(std::span<uint8_t> buf) : buf_(buf) {}

    bool ok() const { return ok_; }
    size_t size() const { return pos_; }
    size_t capacity() const { return buf_.size(); }
    std::span<uint8_t> written() { return buf_.first(pos_); }
    std::span<const uint8_t> written() const { return buf_.first(pos_); }

    void u8(uint8_t v) {
        if (uint8_t* p = take(1)) p[0] = v;
    }
    void u16be(uint16_t v) { be(v, 2); }
    void u32be(uint32_t v) { be(v, 4); }
    void u40be(uint64_t v) { be(v, 5); }
    void u48be(uint64_t v) { be(v, 6); }
    void u64be(uint64_t v) { be(v, 8); }
    void bytes(std::span<const uint8_t> b) {
        if (b.empty()) return;
        if (uint8_t* p = take(b.size())) std::memcpy(p, b.data(), b.size());
    }
    void zeros(size_t n) {
        if (uint8_t* p = take(n)) std::memset(p, 0, n);
    }
    // Reserves n bytes to be filled later (e.g. a length field); nullptr on overflow.
    uint8_t* reserve(size_t n) { return take(n); }
    // Marks the output invalid (for values the format cannot express).
    void fail() { ok_ = false; }
    // Overwrites a big-endian u16 at an absolute offset already written.
    void patch_u16be(size_t at, uint16_t v) {
        if (at + 2 > pos_) {
            ok_ = false;
            return;
        }
        buf_[at] = uint8_t(v >> 8);
        buf_[at + 1] = uint8_t(v);
    }

private:
    uint8_t* take(size_t n) {
        if (!ok_ || n > buf_.size() - pos_) {
            ok_ = false;
            return nullptr;
        }
        uint8_t* p = buf_.data() + pos_;
        pos_ += n;
        return p;
    }
    void be(uint64_t v, size_t n) {
        if (uint8_t* p = take(n))
            for (size_t i = 0; i < n; ++i) p[i] = uint8_t(v >> (8 * (n - 1 - i)));
    }

    std::span<uint8_t> buf_;
    size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace zt

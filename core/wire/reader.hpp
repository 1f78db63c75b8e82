// Bounds-checked big-endian reader over a byte span. A read past the end yields zeros
// (or an empty span) and clears ok(); callers check ok() once, before any decision.
// Only Reader and Writer touch raw packet bytes (STYLE §3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace zt {

class Reader {
public:
    explicit Reader(std::span<const uint8_t> data) : data_(data) {}

    bool ok() const { return ok_; }
    size_t pos() const { return pos_; }
    size_t remaining() const { return ok_ ? data_.size() - pos_ : 0; }
    bool at_end() const { return remaining() == 0; }

    uint8_t u8() {
        if (!need(1)) return 0;
        return data_[pos_++];
    }
    uint16_t u16be() {
        if (!need(2)) return 0;
        uint16_t v = uint16_t((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return v;
    }
    uint32_t u32be() {
        if (!need(4)) return 0;
        uint32_t v = 0;
        for (size_t i = 0; i < 4; ++i) v = (v << 8) | data_[pos_ + i];
        pos_ += 4;
        return v;
    }
    uint64_t u40be() {
        if (!need(5)) return 0;
        uint64_t v = 0;
        for (size_t i = 0; i < 5; ++i) v = (v << 8) | data_[pos_ + i];
        pos_ += 5;
        return v;
    }
    uint64_t u48be() {
        if (!need(6)) return 0;
        uint64_t v = 0;
        for (size_t i = 0; i < 6; ++i) v = (v << 8) | data_[pos_ + i];
        pos_ += 6;
        return v;
    }
    uint64_t u64be() {
        if (!need(8)) return 0;
        uint64_t v = 0;
        for (size_t i = 0; i < 8; ++i) v = (v << 8) | data_[pos_ + i];
        pos_ += 8;
        return v;
    }
    // A view of the next n bytes (empty on failure).
    std::span<const uint8_t> bytes(size_t n) {
        if (!need(n)) return {};
        auto s = data_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    // Copies exactly N bytes into out (zeros on failure).
    template <size_t N>
    void copy_to(uint8_t (&out)[N]) {
        auto s = bytes(N);
        if (s.size() == N) std::memcpy(out, s.data(), N);
        else std::memset(out, 0, N);
    }
    void skip(size_t n) { (void)bytes(n); }
    std::span<const uint8_t> rest() { return bytes(remaining()); }
    // Marks the input invalid (for semantic errors found while parsing).
    void fail() { ok_ = false; }

private:
    bool need(size_t n) {
        if (!ok_ || n > data_.size() - pos_) {
            ok_ = false;
            return false;
        }
        return true;
    }

    std::span<const uint8_t> data_;
    size_t pos_ = 0;
    bool ok_ = true;
};

}  // namespace zt

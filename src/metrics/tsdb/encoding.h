#pragma once
// Little-endian varints, length-prefixed strings and fixed-width integers:
// the byte vocabulary shared by the WAL and the block files. Decoder never
// reads past its input; a short or malformed field makes the call return
// false, so corrupt files end parsing instead of crashing.

#include <cstdint>
#include <string>
#include <string_view>

namespace fw::metrics::tsdb {

inline void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

inline void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out += s;
}

inline void PutFixed(std::string& out, uint64_t v, int bytes = 8) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>(v >> (8 * i));
}

// Zigzag: small negative numbers stay small as varints.
inline uint64_t Zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t Unzigzag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

class Decoder {
 public:
  explicit Decoder(std::string_view d) : d_(d) {}
  bool done() const { return pos_ == d_.size(); }
  size_t pos() const { return pos_; }
  size_t remaining() const { return d_.size() - pos_; }
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && pos_ < d_.size(); shift += 7) {
      const uint8_t b = static_cast<uint8_t>(d_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool String(std::string_view& s) {
    uint64_t n;
    if (!Varint(n) || n > d_.size() - pos_) return false;
    s = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Bytes(size_t n, std::string_view& s) {
    if (n > d_.size() - pos_) return false;
    s = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Fixed(uint64_t& v, int bytes = 8) {
    if (d_.size() - pos_ < static_cast<size_t>(bytes)) return false;
    v = 0;
    for (int i = 0; i < bytes; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(d_[pos_ + i])) << (8 * i);
    pos_ += static_cast<size_t>(bytes);
    return true;
  }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

}  // namespace fw::metrics::tsdb

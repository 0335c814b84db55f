#include "metrics/tsdb/chunk.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

namespace fw::metrics::tsdb {
namespace {

// Worst case for one sample: '11111' + 64 timestamp bits, '111' + 5 + 6 + 64
// value bits.
constexpr size_t kMaxSampleBits = 5 + 64 + 3 + 5 + 6 + 64;

// One bucket of a variable-length integer code: a unary prefix (entry i is i
// ones then a zero; the last entry drops the zero) and a `bits`-wide
// two's-complement payload covering [-(2^(bits-1) - 1), 2^(bits-1)].
struct Bucket {
  uint64_t prefix;
  int prefix_len;
  int bits;
};
constexpr Bucket kDodBuckets[] = {{0b0, 1, 0},     {0b10, 2, 4},     {0b110, 3, 8},
                                  {0b1110, 4, 14}, {0b11110, 5, 20}, {0b11111, 5, 64}};
constexpr Bucket kIntBuckets[] = {{0b0, 1, 4}, {0b10, 2, 7}, {0b110, 3, 11}, {0b111, 3, 32}};

bool Fits(int64_t x, int n) {
  if (n == 0) return x == 0;
  if (n == 64) return true;
  const int64_t half = int64_t{1} << (n - 1);
  return x >= -(half - 1) && x <= half;
}

// Sign-extends an n-bit payload read by the decoder.
int64_t FromBits(uint64_t bits, int n) {
  if (n == 0 || n == 64) return static_cast<int64_t>(bits);
  const uint64_t half = uint64_t{1} << (n - 1);
  if (bits > half) return static_cast<int64_t>(bits) - (int64_t{1} << n);
  return static_cast<int64_t>(bits);
}

// The bucket that holds x, or nullptr.
template <size_t N>
const Bucket* FindBucket(const Bucket (&table)[N], int64_t x) {
  for (const Bucket& b : table) {
    if (Fits(x, b.bits)) return &b;
  }
  return nullptr;
}

void WriteBucketed(BitWriter& w, const Bucket& b, int64_t x) {
  w.WriteBits(b.prefix, b.prefix_len);
  w.WriteBits(static_cast<uint64_t>(x), b.bits);
}

template <size_t N>
int64_t ReadBucketed(BitReader& r, const Bucket (&table)[N]) {
  size_t ones = 0;
  while (ones < N - 1 && r.ReadBit()) ++ones;
  const int n = table[ones].bits;
  return FromBits(r.ReadBits(n), n);
}

// True if `bits` is a double holding an integer that converts both ways
// exactly (which rules out -0.0, NaN, Inf and |v| > 2^53).
bool AsExactInt(uint64_t bits, int64_t* out) {
  const double v = std::bit_cast<double>(bits);
  if (!(std::fabs(v) <= 9007199254740992.0)) return false;
  const auto i = static_cast<int64_t>(v);
  if (std::bit_cast<uint64_t>(static_cast<double>(i)) != bits) return false;
  *out = i;
  return true;
}

}  // namespace

void BitWriter::WriteBits(uint64_t v, int n) {
  while (n > 0) {
    const int used = static_cast<int>(bit_count_ & 7);
    if (used == 0) bytes_.push_back(0);
    const int room = 8 - used;
    const int take = std::min(room, n);
    const uint64_t piece = (v >> (n - take)) & ((uint64_t{1} << take) - 1);
    bytes_.back() |= static_cast<uint8_t>(piece << (room - take));
    n -= take;
    bit_count_ += static_cast<size_t>(take);
  }
}

BitReader::BitReader(std::span<const uint8_t> data, size_t bit_count)
    : data_(data), bit_count_(std::min(bit_count, data.size() * 8)) {}

uint64_t BitReader::ReadBits(int n) {
  if (!ok_ || pos_ + static_cast<size_t>(n) > bit_count_) {
    ok_ = false;
    return 0;
  }
  if (n == 0) return 0;
  // Fast path: one unaligned 8-byte load covers any n <= 56 from any offset.
  const size_t byte = pos_ >> 3;
  if (n <= 56 && byte + 8 <= data_.size()) {
    uint64_t word;
    std::memcpy(&word, &data_[byte], sizeof(word));
    if constexpr (std::endian::native == std::endian::little) word = std::byteswap(word);
    const uint64_t out = (word << (pos_ & 7)) >> (64 - n);
    pos_ += static_cast<size_t>(n);
    return out;
  }
  uint64_t out = 0;
  while (n > 0) {
    const int offset = static_cast<int>(pos_ & 7);
    const int room = 8 - offset;
    const int take = std::min(room, n);
    const uint64_t byte = data_[pos_ >> 3];
    out = (out << take) | ((byte >> (room - take)) & ((uint64_t{1} << take) - 1));
    n -= take;
    pos_ += static_cast<size_t>(take);
  }
  return out;
}

XorChunk::XorChunk(int max_samples, size_t max_bytes)
    : max_samples_(max_samples), max_bytes_(max_bytes) {}

bool XorChunk::Full() const {
  return num_samples_ >= max_samples_ || writer_.bit_count() + kMaxSampleBits > max_bytes_ * 8;
}

void XorChunk::Append(Timestamp t, double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  if (num_samples_ == 0) {
    writer_.WriteBits(static_cast<uint64_t>(t), 64);
    writer_.WriteBits(bits, 64);
    first_t_ = t;
  } else {
    WriteTimestamp(t);
    WriteValue(bits);
  }
  last_t_ = t;
  last_v_bits_ = bits;
  ++num_samples_;
}

void XorChunk::WriteTimestamp(Timestamp t) {
  // Unsigned arithmetic: wraps instead of overflowing, and decodes exactly.
  const uint64_t delta = static_cast<uint64_t>(t) - static_cast<uint64_t>(last_t_);
  const int64_t dod = static_cast<int64_t>(delta - last_delta_);
  last_delta_ = delta;
  WriteBucketed(writer_, *FindBucket(kDodBuckets, dod), dod);  // the last bucket fits all
}

void XorChunk::WriteValue(uint64_t bits) {
  int64_t prev = 0;
  int64_t cur = 0;
  const bool ints = AsExactInt(last_v_bits_, &prev) && AsExactInt(bits, &cur);
  const int64_t last_int_delta = last_int_delta_;
  last_int_delta_ = ints ? cur - prev : 0;  // |d| <= 2^54: no overflow
  const uint64_t x = bits ^ last_v_bits_;
  if (x == 0) {
    writer_.WriteBit(false);
    return;
  }
  // 5 bits hold at most 31 leading zeros; more are stored as meaningful bits.
  const int leading = std::min(std::countl_zero(x), 31);
  const int trailing = std::countr_zero(x);
  const bool reuse = leading_ != 0xff && leading >= leading_ && trailing >= trailing_;
  const int xor_bits = 3 + (reuse ? 64 - leading_ - trailing_ : 11 + 64 - leading - trailing);

  if (ints) {
    const int64_t dod = last_int_delta_ - last_int_delta;
    const Bucket* b = FindBucket(kIntBuckets, dod);
    if (b != nullptr && 2 + b->prefix_len + b->bits <= xor_bits) {
      writer_.WriteBits(0b10, 2);
      WriteBucketed(writer_, *b, dod);
      return;
    }
  }
  if (reuse) {
    writer_.WriteBits(0b110, 3);
    writer_.WriteBits(x >> trailing_, 64 - leading_ - trailing_);
    return;
  }
  leading_ = leading;
  trailing_ = trailing;
  const int sig = 64 - leading - trailing;  // 1..64; 64 is stored as 0
  writer_.WriteBits(0b111, 3);
  writer_.WriteBits(static_cast<uint64_t>(leading), 5);
  writer_.WriteBits(static_cast<uint64_t>(sig & 63), 6);
  writer_.WriteBits(x >> trailing, sig);
}

XorIterator::XorIterator(const XorChunk& chunk)
    : XorIterator(chunk.bytes(), chunk.bit_count(), chunk.num_samples()) {}

XorIterator::XorIterator(std::span<const uint8_t> bytes, size_t bit_count, int num_samples)
    : reader_(bytes, bit_count), remaining_(num_samples) {}

bool XorIterator::Next() {
  if (remaining_ <= 0 || !reader_.ok()) return false;
  if (read_ == 0) {
    t_ = static_cast<Timestamp>(reader_.ReadBits(64));
    v_bits_ = reader_.ReadBits(64);
    prev_is_int_ = AsExactInt(v_bits_, &prev_int_);
  } else {
    ReadTimestamp();
    ReadValue();
  }
  if (!reader_.ok()) return false;
  --remaining_;
  ++read_;
  return true;
}

bool XorIterator::Seek(Timestamp t) {
  if (read_ > 0 && t_ >= t) return true;
  while (Next()) {
    if (t_ >= t) return true;
  }
  return false;
}

SealedChunk::SealedChunk(const XorChunk& chunk)
    : min_t_(chunk.empty() ? 0 : chunk.min_time()),
      max_t_(chunk.empty() ? 0 : chunk.max_time()),
      bit_count_(static_cast<uint32_t>(chunk.bit_count())),
      num_samples_(chunk.num_samples()),
      bytes_(std::make_unique_for_overwrite<uint8_t[]>(chunk.size_bytes())) {
  std::copy(chunk.bytes().begin(), chunk.bytes().end(), bytes_.get());
}

XorIterator SealedChunk::Iterator() const {
  return XorIterator(std::span<const uint8_t>(bytes_.get(), size_bytes()), bit_count_,
                     num_samples_);
}

void XorIterator::ReadTimestamp() {
  delta_ += static_cast<uint64_t>(ReadBucketed(reader_, kDodBuckets));
  t_ = static_cast<Timestamp>(static_cast<uint64_t>(t_) + delta_);
}

void XorIterator::ReadValue() {
  ReadValueBits();
  int64_t cur = 0;
  const bool cur_is_int = AsExactInt(v_bits_, &cur);
  last_int_delta_ = cur_is_int && prev_is_int_ ? cur - prev_int_ : 0;
  prev_is_int_ = cur_is_int;
  prev_int_ = cur;
}

void XorIterator::ReadValueBits() {
  if (!reader_.ReadBit()) return;  // unchanged
  if (!reader_.ReadBit()) {        // integer delta-of-delta
    const int64_t dod = ReadBucketed(reader_, kIntBuckets);
    if (!prev_is_int_) {  // only a corrupt stream gets here
      reader_.Invalidate();
      return;
    }
    // |prev| <= 2^53, |delta| <= 2^54, |dod| <= 2^31: no overflow.
    v_bits_ = std::bit_cast<uint64_t>(static_cast<double>(prev_int_ + last_int_delta_ + dod));
    return;
  }
  if (reader_.ReadBit()) {
    leading_ = static_cast<int>(reader_.ReadBits(5));
    int sig = static_cast<int>(reader_.ReadBits(6));
    if (sig == 0) sig = 64;
    trailing_ = 64 - leading_ - sig;
  }
  const int sig = 64 - leading_ - trailing_;
  if (sig <= 0 || trailing_ < 0) {  // corrupt window; stop rather than shift by >= 64
    reader_.Invalidate();
    return;
  }
  v_bits_ ^= reader_.ReadBits(sig) << trailing_;
}

}  // namespace fw::metrics::tsdb

#pragma once
// Gorilla-style compressed chunk of (timestamp, float) samples, after
// Pelkonen et al., "Gorilla: A Fast, Scalable, In-Memory Time Series
// Database" (VLDB 2015) and the Prometheus XOR chunk.
//
// Layout (a bit stream, most significant bit first):
//   sample 0: t as 64 raw bits, v as 64 raw bits.
//   sample n: delta-of-delta of t (the delta before sample 1 counts as 0),
//             then v relative to the previous value.
// Timestamps: a unary bucket prefix, then a two's-complement payload. The
// buckets suit millisecond scrape timestamps with a few ms of jitter, which
// Prometheus' buckets (smallest payload: 14 bits) pay for dearly:
//   '0' dod == 0 | '10' + 4 bits | '110' + 8 | '1110' + 14 | '11110' + 20
//   '11111' + 64 bits (any gap, even negative)
// Values: Gorilla's XOR scheme plus an integer form that counters favour;
// the encoder writes whichever is shorter:
//   '0'                        same bits as the previous value
//   '10' + integer dod         both values are exact integers (|v| <= 2^53):
//                              the change minus the previous integer change
//                              (0 unless the previous pair was integers too)
//                              '0' + 4 bits | '10' + 7 | '110' + 11 | '111' + 32
//   '110' + meaningful bits    XOR fits the previous leading/trailing window
//   '111' + 5 bits leading + 6 bits length (0 means 64) + meaningful bits
// A counter growing at a steady rate has integer changes that barely vary,
// so its delta-of-delta stays a few bits where XOR spends 10-20.
// Every double bit pattern round-trips exactly: NaN payloads (the staleness
// marker), +-Inf, -0.0. Timestamp arithmetic is modulo 2^64, so any int64
// sequence round-trips too; ordering is the caller's business.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "common/clock.h"
#include "metrics/model.h"

namespace fw::metrics::tsdb {

// Appends bits to a growable byte buffer, MSB first.
class BitWriter {
 public:
  // REQUIRES: 0 <= n <= 64. Writes the low n bits of v.
  void WriteBits(uint64_t v, int n);
  void WriteBit(bool bit) { WriteBits(bit ? 1 : 0, 1); }

  size_t bit_count() const { return bit_count_; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }
  // Releases spare capacity; called when a chunk is closed for good.
  void ShrinkToFit() { bytes_.shrink_to_fit(); }
  size_t capacity_bytes() const { return bytes_.capacity(); }

 private:
  std::vector<uint8_t> bytes_;
  size_t bit_count_ = 0;
};

// Reads bits written by BitWriter. Reading past the end sets !ok() and yields
// zeros, so a truncated or corrupt stream ends iteration instead of crashing.
class BitReader {
 public:
  BitReader() = default;
  BitReader(std::span<const uint8_t> data, size_t bit_count);

  // REQUIRES: 0 <= n <= 64.
  uint64_t ReadBits(int n);
  bool ReadBit() {
    if (pos_ >= bit_count_) {
      ok_ = false;
      return false;
    }
    const bool bit = (data_[pos_ >> 3] >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return bit;
  }
  bool ok() const { return ok_; }
  // Marks the stream corrupt (a decoder found an impossible field).
  void Invalidate() { ok_ = false; }

 private:
  std::span<const uint8_t> data_;
  size_t bit_count_ = 0;
  size_t pos_ = 0;
  bool ok_ = true;
};

class XorChunk;

// Forward iterator over a chunk's samples. Mirrors the Prometheus chunk
// iterator: Next() moves to the next sample; Seek(t) moves forward to the
// first sample with timestamp >= t (never backwards; a no-op if the current
// sample already qualifies); At() is the current sample.
// REQUIRES: the chunk outlives the iterator and is not appended to meanwhile.
class XorIterator {
 public:
  explicit XorIterator(const XorChunk& chunk);
  // Decodes a raw stream of `num_samples` samples (e.g. read back from disk).
  // REQUIRES: `bytes` outlives the iterator.
  XorIterator(std::span<const uint8_t> bytes, size_t bit_count, int num_samples);

  bool Next();
  bool Seek(Timestamp t);
  // REQUIRES: the last Next()/Seek() returned true.
  Sample At() const { return Sample{t_, std::bit_cast<double>(v_bits_)}; }
  // True if the stream ended before the sample count said it would.
  bool corrupt() const { return !reader_.ok(); }

 private:
  void ReadTimestamp();
  void ReadValue();
  void ReadValueBits();

  BitReader reader_;
  int remaining_;
  int read_ = 0;
  Timestamp t_ = 0;
  uint64_t delta_ = 0;  // modulo 2^64
  uint64_t v_bits_ = 0;
  int leading_ = 0;
  int trailing_ = 0;
  // Integer form of the current value (if it has one) and the last change
  // between two integer values; they drive the integer dod code.
  bool prev_is_int_ = false;
  int64_t prev_int_ = 0;
  int64_t last_int_delta_ = 0;
};

// An append-only compressed chunk. Not thread-safe: the head copies the open
// chunk under its series lock before handing it to readers.
class XorChunk {
 public:
  // Prometheus cuts at 120 samples: about two hours at a 1 min interval, and
  // where Gorilla's compression gains flatten out.
  static constexpr int kDefaultMaxSamples = 120;
  // Caps chunks of incompressible values (~9 B/sample) at roughly 1 KiB.
  static constexpr size_t kDefaultMaxBytes = 1024;

  // REQUIRES: max_samples >= 1.
  explicit XorChunk(int max_samples = kDefaultMaxSamples, size_t max_bytes = kDefaultMaxBytes);

  // REQUIRES: !Full(). Ordering is not checked here (see the header comment).
  void Append(Timestamp t, double v);

  // True once no further sample should be appended.
  bool Full() const;
  bool empty() const { return num_samples_ == 0; }
  int num_samples() const { return num_samples_; }
  // REQUIRES: !empty() for these two.
  Timestamp min_time() const { return first_t_; }
  Timestamp max_time() const { return last_t_; }

  // Encoded size, rounded up to whole bytes.
  size_t size_bytes() const { return writer_.bytes().size(); }
  // Heap bytes actually held (vector capacity).
  size_t capacity_bytes() const { return writer_.capacity_bytes(); }
  void ShrinkToFit() { writer_.ShrinkToFit(); }

  std::span<const uint8_t> bytes() const { return writer_.bytes(); }
  size_t bit_count() const { return writer_.bit_count(); }
  XorIterator Iterator() const { return XorIterator(*this); }

 private:
  void WriteTimestamp(Timestamp t);
  void WriteValue(uint64_t bits);

  BitWriter writer_;
  int max_samples_;
  size_t max_bytes_;
  int num_samples_ = 0;
  Timestamp first_t_ = 0;
  Timestamp last_t_ = 0;
  uint64_t last_delta_ = 0;  // modulo 2^64
  uint64_t last_v_bits_ = 0;
  int leading_ = 0xff;  // 0xff: no window yet, the next XOR must write one
  int trailing_ = 0;
  int64_t last_int_delta_ = 0;  // last change between two integer values, else 0
};

// The immutable, compact form of a chunk: its encoded bits, sample count and
// time range, without the encoder state. Closed chunks are kept this way
// (about 40 bytes of bookkeeping instead of ~100) and shared with readers.
class SealedChunk {
 public:
  explicit SealedChunk(const XorChunk& chunk);
  SealedChunk(const SealedChunk&) = delete;
  SealedChunk& operator=(const SealedChunk&) = delete;

  int num_samples() const { return num_samples_; }
  Timestamp min_time() const { return min_t_; }
  Timestamp max_time() const { return max_t_; }
  size_t size_bytes() const { return (bit_count_ + 7) / 8; }
  XorIterator Iterator() const;

 private:
  Timestamp min_t_;
  Timestamp max_t_;
  uint32_t bit_count_;
  int num_samples_;
  std::unique_ptr<uint8_t[]> bytes_;
};

}  // namespace fw::metrics::tsdb

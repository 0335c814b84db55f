#include "metrics/tsdb/chunk.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace fw::metrics::tsdb {
namespace {

struct RawSample {
  Timestamp t;
  uint64_t bits;
};

// Encodes `in` into chunks (cutting when full) and checks every sample comes
// back with identical timestamp and value bits.
void ExpectRoundTrip(const std::vector<RawSample>& in) {
  std::vector<XorChunk> chunks(1);
  for (const RawSample& s : in) {
    if (chunks.back().Full()) chunks.emplace_back();
    chunks.back().Append(s.t, std::bit_cast<double>(s.bits));
  }
  size_t i = 0;
  for (const XorChunk& c : chunks) {
    XorIterator it = c.Iterator();
    while (it.Next()) {
      ASSERT_LT(i, in.size());
      EXPECT_EQ(it.At().t, in[i].t) << "sample " << i;
      EXPECT_EQ(std::bit_cast<uint64_t>(it.At().v), in[i].bits) << "sample " << i;
      ++i;
    }
    EXPECT_FALSE(it.corrupt());
  }
  EXPECT_EQ(i, in.size());

  // The sealed (closed) form decodes identically.
  i = 0;
  for (const XorChunk& c : chunks) {
    const SealedChunk sealed(c);
    EXPECT_EQ(sealed.num_samples(), c.num_samples());
    EXPECT_EQ(sealed.size_bytes(), c.size_bytes());
    XorIterator it = sealed.Iterator();
    while (it.Next()) {
      ASSERT_LT(i, in.size());
      EXPECT_EQ(it.At().t, in[i].t);
      EXPECT_EQ(std::bit_cast<uint64_t>(it.At().v), in[i].bits);
      ++i;
    }
  }
  EXPECT_EQ(i, in.size());
}

TEST(BitStreamTest, WritesAndReadsArbitraryWidths) {
  BitWriter w;
  std::mt19937_64 rng(7);
  std::vector<std::pair<uint64_t, int>> written;
  for (int i = 0; i < 2000; ++i) {
    const int n = static_cast<int>(rng() % 65);
    const uint64_t v = n == 64 ? rng() : rng() & ((uint64_t{1} << n) - 1);
    w.WriteBits(v, n);
    written.emplace_back(v, n);
  }
  BitReader r(w.bytes(), w.bit_count());
  for (const auto& [v, n] : written) ASSERT_EQ(r.ReadBits(n), v);
  EXPECT_TRUE(r.ok());
  r.ReadBits(1);
  EXPECT_FALSE(r.ok()) << "reading past the end must be reported";
}

TEST(XorChunkTest, EmptyChunkIteratesNothing) {
  XorChunk c;
  XorIterator it = c.Iterator();
  EXPECT_FALSE(it.Next());
  EXPECT_FALSE(it.Seek(0));
}

TEST(XorChunkTest, SpecialValuesRoundTrip) {
  const uint64_t patterns[] = {
      kStaleNaNBits,
      std::bit_cast<uint64_t>(std::numeric_limits<double>::quiet_NaN()),
      0x7ff8000000000001ULL,  // quiet NaN with payload
      0xfff0000000000001ULL,  // negative signalling NaN
      std::bit_cast<uint64_t>(std::numeric_limits<double>::infinity()),
      std::bit_cast<uint64_t>(-std::numeric_limits<double>::infinity()),
      std::bit_cast<uint64_t>(0.0),
      std::bit_cast<uint64_t>(-0.0),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::denorm_min()),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::max()),
      std::bit_cast<uint64_t>(std::numeric_limits<double>::lowest()),
      0xffffffffffffffffULL,
      0x0000000000000001ULL,
      0x8000000000000000ULL,
      kStaleNaNBits,
      kStaleNaNBits,
  };
  std::vector<RawSample> in;
  Timestamp t = 1'700'000'000'000;
  for (uint64_t p : patterns) in.push_back({t += 15'000, p});
  ExpectRoundTrip(in);
}

// Values near the integer path's edges: exact integers take an integer delta,
// everything else must fall back to XOR without losing a bit.
TEST(XorChunkTest, IntegerDeltaEdgesRoundTrip) {
  const double two53 = 9007199254740992.0;
  const double values[] = {
      0.0,    -0.0,      0.0,          1.0,           2.0,   17.0,         -3.0,
      1e6,    1e6 + 512, 1e6 + 513,    1e6 - 70'000,  two53, two53 + 2,    two53,
      -two53, two53 - 1, 5.0,          5.5,           6.0,   1e300,        7.0,
      -0.0,   -1.0,      2147483648.0, -2147483647.0, 0.0,   4294967296.0, 0.0};
  std::vector<RawSample> in;
  Timestamp t = 0;
  for (double v : values) in.push_back({t += 15'000, std::bit_cast<uint64_t>(v)});
  ExpectRoundTrip(in);
}

TEST(XorChunkTest, AdversarialTimestampGaps) {
  const Timestamp ts[] = {std::numeric_limits<Timestamp>::min(), -1, 0, 1, 2, 4,
                          // equal and decreasing timestamps encode too; the head
                          // rejects them, the chunk does not care
                          4, 3, 1'700'000'000'000, 1'700'000'000'063, 1'700'000'000'127,
                          1'700'000'004'223, 1'700'000'528'510, 1'700'100'000'000,
                          std::numeric_limits<Timestamp>::max(), 0};
  std::vector<RawSample> in;
  for (Timestamp t : ts) in.push_back({t, std::bit_cast<uint64_t>(static_cast<double>(t))});
  ExpectRoundTrip(in);
}

// Every delta-of-delta bucket boundary, both signs.
TEST(XorChunkTest, DodBucketBoundaries) {
  std::vector<RawSample> in;
  Timestamp t = 0;
  int64_t delta = 15'000;
  for (int64_t dod : {0L,     1L,      -1L,     8L,       9L,       -7L,      -8L,
                      128L,   129L,    -127L,   -128L,    8192L,    8193L,    -8191L,
                      -8192L, 524288L, 524289L, -524287L, -524288L, 1L << 40, -(1L << 40)}) {
    delta += dod;
    t += delta;
    in.push_back({t, 0});
    delta -= dod;  // return to a steady delta so each dod is tested alone
    t += delta;
    in.push_back({t, 0});
  }
  ExpectRoundTrip(in);
}

TEST(XorChunkTest, RandomBitPatternsProperty) {
  std::mt19937_64 rng(20261125);
  for (int round = 0; round < 200; ++round) {
    std::vector<RawSample> in;
    Timestamp t = static_cast<Timestamp>(rng());
    const int n = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < n; ++i) {
      switch (rng() % 4) {  // mix regular steps, jitter and wild jumps
        case 0:
          t += 15'000;
          break;
        case 1:
          t += 15'000 + static_cast<int64_t>(rng() % 200) - 100;
          break;
        case 2:
          t += static_cast<int64_t>(rng() % 10'000'000);
          break;
        default:
          t = static_cast<Timestamp>(rng());
      }
      uint64_t bits = rng();
      switch (rng() % 4) {  // mix full-random, repeats and small changes
        case 0:
          break;
        case 1:
          bits = in.empty() ? bits : in.back().bits;
          break;
        case 2:
          bits = in.empty() ? bits : in.back().bits ^ (uint64_t{1} << (rng() % 64));
          break;
        default:
          bits = std::bit_cast<uint64_t>(static_cast<double>(rng() % 1000));
      }
      in.push_back({t, bits});
    }
    ExpectRoundTrip(in);
    if (HasFailure()) return;
  }
}

// Integer-valued series (counters, resets, gauges) exercise the integer
// delta-of-delta path and its fallbacks to XOR.
TEST(XorChunkTest, IntegerSeriesProperty) {
  std::mt19937_64 rng(99);
  for (int round = 0; round < 200; ++round) {
    std::vector<RawSample> in;
    int64_t v = static_cast<int64_t>(rng() % 1'000'000);
    for (int i = 0; i < 300; ++i) {
      switch (rng() % 8) {
        case 0:
          v = 0;  // counter reset
          break;
        case 1:
          v += static_cast<int64_t>(rng() % (int64_t{1} << 40));  // huge jump
          break;
        case 2:
          v -= static_cast<int64_t>(rng() % 100);
          break;
        default:
          v += 1000 + static_cast<int64_t>(rng() % 64);  // steady rate
      }
      double d = static_cast<double>(v);
      if (rng() % 50 == 0) d += 0.5;  // an occasional non-integer
      in.push_back({i * 15'000, std::bit_cast<uint64_t>(d)});
    }
    ExpectRoundTrip(in);
    if (HasFailure()) return;
  }
}

// Pins the compression the header promises, so a format change that loses
// it fails here rather than only in the benchmark.
TEST(XorChunkTest, CompressionBudgets) {
  std::mt19937_64 rng(5);
  // Timestamps with 0..4 ms of jitter and a constant value: each dod is in
  // [-8, 8], at most 6 bits, plus 1 bit for the unchanged value.
  XorChunk jittered;
  for (int i = 0; i < 120; ++i) {
    jittered.Append(1'700'000'000'000 + i * 15'000 + static_cast<int64_t>(rng() % 5), 1.0);
  }
  EXPECT_LE(jittered.bit_count(), 128u + 25u + 1u + 118u * (6 + 1));

  // A counter at a steady rate with small noise: after the first change
  // (37 bits), 1 timestamp bit + '10' + a 5-bit integer dod per sample.
  XorChunk counter;
  double v = 123'456'789;
  for (int i = 0; i < 120; ++i) {
    v += 1500 + static_cast<double>(rng() % 5);
    counter.Append(i * 15'000, v);
  }
  EXPECT_LE(counter.bit_count(), 128u + 25u + 37u + 118u * (1 + 2 + 5));
}

TEST(XorChunkTest, CutsAtSampleAndByteBudgets) {
  XorChunk c;
  for (int i = 0; i < XorChunk::kDefaultMaxSamples; ++i) {
    ASSERT_FALSE(c.Full());
    c.Append(i * 15'000, 1.0);
  }
  EXPECT_TRUE(c.Full());
  EXPECT_EQ(c.num_samples(), 120);

  // Incompressible values hit the byte budget first.
  XorChunk wild(1000, 256);
  std::mt19937_64 rng(1);
  int n = 0;
  while (!wild.Full()) wild.Append(n++, std::bit_cast<double>(rng()));
  EXPECT_LE(wild.size_bytes(), 256u);
  EXPECT_GT(n, 10);
}

TEST(XorChunkTest, ConstantSeriesCostsAboutTwoBitsPerSample) {
  XorChunk c;
  for (int i = 0; i < 120; ++i) c.Append(1'700'000'000'000 + i * 15'000, 1.0);
  // 16 header bytes + first dod (25 bits) + 2 bits per further sample.
  EXPECT_LE(c.size_bytes(), 16u + 4u + 30u + 1u);
}

TEST(XorIteratorTest, SeekSemantics) {
  XorChunk c;
  for (int i = 0; i < 10; ++i) c.Append(1000 + i * 10, i);  // t = 1000, 1010, ..., 1090
  XorIterator it = c.Iterator();
  ASSERT_TRUE(it.Seek(0));  // before the first sample: lands on it
  EXPECT_EQ(it.At().t, 1000);
  ASSERT_TRUE(it.Seek(1015));  // between samples: the next one
  EXPECT_EQ(it.At().t, 1020);
  ASSERT_TRUE(it.Seek(1020));  // exact and current: no move
  EXPECT_EQ(it.At().t, 1020);
  ASSERT_TRUE(it.Seek(1000));  // backwards: no move
  EXPECT_EQ(it.At().t, 1020);
  ASSERT_TRUE(it.Next());
  EXPECT_EQ(it.At().t, 1030);
  EXPECT_EQ(it.At().v, 3.0);
  ASSERT_TRUE(it.Seek(1090));
  EXPECT_EQ(it.At().v, 9.0);
  EXPECT_FALSE(it.Next());
  EXPECT_FALSE(it.Seek(2000));
}

TEST(XorIteratorTest, TruncatedStreamStopsAndReportsCorruption) {
  XorChunk c;
  for (int i = 0; i < 50; ++i) c.Append(i * 15'000, i * 1.5);
  const std::vector<uint8_t> half(c.bytes().begin(), c.bytes().begin() + c.size_bytes() / 2);
  XorIterator it(half, half.size() * 8, c.num_samples());
  int samples = 0;
  while (it.Next()) ++samples;
  EXPECT_GT(samples, 0);
  EXPECT_LT(samples, 50);
  EXPECT_TRUE(it.corrupt());

  // Garbage never crashes: it decodes to something or stops.
  std::mt19937_64 rng(3);
  for (int round = 0; round < 1000; ++round) {
    std::vector<uint8_t> junk(1 + rng() % 64);
    for (uint8_t& b : junk) b = static_cast<uint8_t>(rng());
    XorIterator j(junk, junk.size() * 8, 120);
    int n = 0;
    while (j.Next()) ++n;
    EXPECT_LE(n, 120);
  }
}

}  // namespace
}  // namespace fw::metrics::tsdb

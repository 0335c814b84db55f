#include "metrics/ingest/remote_write.h"

#include <snappy.h>

#include <algorithm>
#include <bit>
#include <cstring>

namespace fw::metrics::ingest {
namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// A cursor over protobuf bytes; every read is bounds-checked.
class Reader {
 public:
  Reader(std::string_view data, size_t base) : data_(data), base_(base) {}
  bool done() const { return pos_ >= data_.size(); }
  size_t offset() const { return base_ + pos_; }

  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Fixed64(uint64_t& v) {
    if (data_.size() - pos_ < 8) return false;
    std::memcpy(&v, data_.data() + pos_, 8);  // little-endian on every target we build
    pos_ += 8;
    return true;
  }
  bool Bytes(std::string_view& out, size_t& out_base) {
    uint64_t len = 0;
    if (!Varint(len) || len > data_.size() - pos_) return false;
    out_base = base_ + pos_;
    out = data_.substr(pos_, len);
    pos_ += len;
    return true;
  }
  bool Skip(uint64_t wire) {
    uint64_t v;
    std::string_view s;
    size_t b;
    switch (wire) {
      case kVarint:
        return Varint(v);
      case kFixed64:
        return Fixed64(v);
      case kLengthDelimited:
        return Bytes(s, b);
      case kFixed32:
        if (data_.size() - pos_ < 4) return false;
        pos_ += 4;
        return true;
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  size_t base_;
  size_t pos_ = 0;
};

Error Malformed(size_t offset, const std::string& what) {
  return Error(ErrorCode::kInvalidArgument,
               "malformed remote-write request at byte " + std::to_string(offset) + ": " + what);
}

// Appends the label to `pairs`; names are checked once the series is read.
Result<void> ReadLabel(std::string_view msg, size_t base, std::vector<Label>& pairs) {
  Reader r(msg, base);
  std::string_view name, value;
  while (!r.done()) {
    uint64_t key;
    if (!r.Varint(key)) return Fail(Malformed(r.offset(), "bad field key in Label"));
    const uint64_t field = key >> 3, wire = key & 7;
    size_t b;
    if ((field == 1 || field == 2) && wire == kLengthDelimited) {
      if (!r.Bytes(field == 1 ? name : value, b)) {
        return Fail(Malformed(r.offset(), "truncated Label string"));
      }
    } else if (!r.Skip(wire)) {
      return Fail(Malformed(r.offset(), "bad field in Label"));
    }
  }
  if (name.empty()) return Fail(Malformed(base, "label with an empty name"));
  pairs.push_back({std::string(name), std::string(value)});
  return {};
}

Result<Sample> ReadSample(std::string_view msg, size_t base) {
  Reader r(msg, base);
  Sample s{0, 0};
  while (!r.done()) {
    uint64_t key, raw;
    if (!r.Varint(key)) return Fail(Malformed(r.offset(), "bad field key in Sample"));
    const uint64_t field = key >> 3, wire = key & 7;
    if (field == 1 && wire == kFixed64) {
      if (!r.Fixed64(raw)) return Fail(Malformed(r.offset(), "truncated Sample value"));
      s.v = std::bit_cast<double>(raw);
    } else if (field == 2 && wire == kVarint) {
      if (!r.Varint(raw)) return Fail(Malformed(r.offset(), "truncated Sample timestamp"));
      s.t = static_cast<int64_t>(raw);
    } else if (!r.Skip(wire)) {
      return Fail(Malformed(r.offset(), "bad field in Sample"));
    }
  }
  return s;
}

// A series of the request; its samples are [first, first + count) of the
// request's one sample buffer, which saves an allocation per series.
struct DecodedSeries {
  LabelSet labels;
  size_t first = 0, count = 0;
};

Result<void> ReadSeries(std::string_view msg, size_t base, std::vector<Label>& pairs,
                        std::vector<Sample>& samples, DecodedSeries& out, RemoteWriteStats& stats,
                        const LabelLimits& limits) {
  Reader r(msg, base);
  pairs.clear();
  out.first = samples.size();
  while (!r.done()) {
    uint64_t key;
    if (!r.Varint(key)) return Fail(Malformed(r.offset(), "bad field key in TimeSeries"));
    const uint64_t field = key >> 3, wire = key & 7;
    std::string_view sub;
    size_t sub_base;
    if ((field == 1 || field == 2 || field == 4) && wire == kLengthDelimited) {
      if (!r.Bytes(sub, sub_base)) return Fail(Malformed(r.offset(), "truncated TimeSeries"));
      if (field == 1) {
        if (auto ok = ReadLabel(sub, sub_base, pairs); !ok) return ok;
      } else if (field == 2) {
        auto s = ReadSample(sub, sub_base);
        if (!s) return Fail(s.error());
        samples.push_back(*s);
      } else {
        ++stats.skipped_histograms;
      }
    } else if (!r.Skip(wire)) {
      return Fail(Malformed(r.offset(), "bad field in TimeSeries"));
    }
  }
  out.count = samples.size() - out.first;
  std::sort(pairs.begin(), pairs.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  for (size_t i = 1; i < pairs.size(); ++i) {
    if (pairs[i].name == pairs[i - 1].name) {
      return Fail(Malformed(base, "duplicate label name \"" + pairs[i].name + "\""));
    }
  }
  std::string_view metric;
  for (const Label& l : pairs) {
    if (l.name == kMetricNameLabel) metric = l.value;
  }
  if (auto ok = CheckLabels(pairs, limits, metric); !ok) {
    return Fail(ErrorCode::kInvalidArgument, "remote-write series at byte " + std::to_string(base) +
                                                 ": " + ok.error().message());
  }
  out.labels = LabelSet(std::move(pairs));
  pairs = {};  // moved from: make it valid to reuse
  if (!out.labels.Has(kMetricNameLabel)) {
    return Fail(Malformed(base, "series " + out.labels.ToString() + " has no __name__"));
  }
  return {};
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

void PutBytes(std::string& out, uint64_t field, std::string_view bytes) {
  PutVarint(out, field << 3 | kLengthDelimited);
  PutVarint(out, bytes.size());
  out += bytes;
}

}  // namespace

Result<RemoteWriteStats> DecodeRemoteWrite(std::string_view body, RemoteWriteHandler& out,
                                           const RemoteWriteLimits& limits) {
  size_t raw_size = 0;
  if (!snappy::GetUncompressedLength(body.data(), body.size(), &raw_size)) {
    return Fail(ErrorCode::kInvalidArgument,
                "remote-write body is not snappy block-compressed data");
  }
  if (raw_size > limits.max_decompressed_bytes) {
    return Fail(ErrorCode::kTooLarge, "remote-write request decompresses to " +
                                          std::to_string(raw_size) + " bytes, over the limit of " +
                                          std::to_string(limits.max_decompressed_bytes));
  }
  std::string raw;
  if (!snappy::Uncompress(body.data(), body.size(), &raw)) {
    return Fail(ErrorCode::kInvalidArgument, "remote-write body: corrupt snappy data");
  }
  // Decode everything first: a request is accepted whole or not at all.
  std::vector<DecodedSeries> series;
  std::vector<Sample> samples;
  std::vector<Label> pairs;
  RemoteWriteStats stats;
  Reader r(raw, 0);
  while (!r.done()) {
    uint64_t key;
    if (!r.Varint(key)) return Fail(Malformed(r.offset(), "bad field key in WriteRequest"));
    const uint64_t field = key >> 3, wire = key & 7;
    if (field == 1 && wire == kLengthDelimited) {
      std::string_view msg;
      size_t base;
      if (!r.Bytes(msg, base)) return Fail(Malformed(r.offset(), "truncated TimeSeries"));
      series.emplace_back();
      if (auto ok = ReadSeries(msg, base, pairs, samples, series.back(), stats, limits.labels);
          !ok) {
        return Fail(ok.error());
      }
      if (limits.sample_limit > 0 && samples.size() > limits.sample_limit) {
        return Fail(ErrorCode::kTooLarge, "sample_limit exceeded: the request holds more than " +
                                              std::to_string(limits.sample_limit) + " samples");
      }
    } else if (!r.Skip(wire)) {
      return Fail(Malformed(r.offset(), "bad field in WriteRequest"));
    }
  }
  for (const DecodedSeries& s : series) {
    out.OnSeries(s.labels, std::span<const Sample>(samples).subspan(s.first, s.count));
    ++stats.series;
    stats.samples += s.count;
  }
  return stats;
}

std::string EncodeRemoteWrite(std::span<const SeriesSamples> series) {
  std::string req, ts, item;
  for (const SeriesSamples& s : series) {
    ts.clear();
    for (const Label& l : s.labels.labels()) {
      item.clear();
      PutBytes(item, 1, l.name);
      PutBytes(item, 2, l.value);
      PutBytes(ts, 1, item);
    }
    for (const Sample& smp : s.samples) {
      item.clear();
      PutVarint(item, 1 << 3 | kFixed64);
      const uint64_t bits = std::bit_cast<uint64_t>(smp.v);
      item.append(reinterpret_cast<const char*>(&bits), 8);
      PutVarint(item, 2 << 3 | kVarint);
      PutVarint(item, static_cast<uint64_t>(smp.t));
      PutBytes(ts, 2, item);
    }
    PutBytes(req, 1, ts);
  }
  std::string compressed;
  snappy::Compress(req.data(), req.size(), &compressed);
  return compressed;
}

}  // namespace fw::metrics::ingest

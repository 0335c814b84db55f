#include "logs/store/format.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/crc32c.h"

namespace fw::logs::store {
namespace {

void PutFixed32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}

void PutFixed64(std::string& out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void PutSigned(std::string& out, int64_t v) {
  PutVarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

// Reads what the Put functions wrote; every read checks the remaining length.
class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool Fixed64(uint64_t& v) {
    if (d_.size() - pos_ < 8) return false;
    std::memcpy(&v, d_.data() + pos_, 8);
    pos_ += 8;
    return true;
  }
  bool Byte(uint8_t& v) {
    if (pos_ >= d_.size()) return false;
    v = static_cast<uint8_t>(d_[pos_++]);
    return true;
  }
  bool Varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= d_.size()) return false;
      const auto b = static_cast<uint8_t>(d_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool Signed(int64_t& v) {
    uint64_t u;
    if (!Varint(u)) return false;
    v = static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
    return true;
  }
  bool String(std::string_view& s) {
    uint64_t n;
    if (!Varint(n) || n > d_.size() - pos_) return false;
    s = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool String(std::string& s) {
    std::string_view v;
    if (!String(v)) return false;
    s.assign(v);
    return true;
  }
  bool done() const { return pos_ == d_.size(); }
  size_t pos() const { return pos_; }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

std::unexpected<Error> Corrupt(const std::string& what) {
  return Fail(ErrorCode::kIo, "log store: corrupt " + what);
}

bool ReadEvent(Reader& r, StoredEvent& e) {
  return r.Signed(e.timestamp) && r.Signed(e.ingestion_time) && r.String(e.group) &&
         r.String(e.stream) && r.String(e.message);
}

bool ReadStrings(Reader& r, std::vector<std::string>& out) {
  uint64_t n;
  if (!r.Varint(n) || n > (1u << 20)) return false;
  out.resize(n);
  for (std::string& s : out) {
    if (!r.String(s)) return false;
  }
  return true;
}

void InsertSorted(std::vector<std::string>& v, const std::string& s) {
  auto it = std::lower_bound(v.begin(), v.end(), s);
  if (it == v.end() || *it != s) v.insert(it, s);
}

}  // namespace

void AppendFrame(std::string& out, uint8_t type, std::string_view payload) {
  PutFixed32(out, static_cast<uint32_t>(payload.size()));
  uint32_t crc = Crc32c(&type, 1);
  crc = Crc32c(payload.data(), payload.size(), crc);
  PutFixed32(out, crc);
  out.push_back(static_cast<char>(type));
  out.append(payload);
}

std::optional<std::string_view> ReadFrame(std::string_view data, size_t pos, uint8_t& type,
                                          size_t& next) {
  if (pos > data.size() || data.size() - pos < kFrameHeader) return std::nullopt;
  uint32_t len, crc;
  std::memcpy(&len, data.data() + pos, 4);
  std::memcpy(&crc, data.data() + pos + 4, 4);
  if (len > kMaxFrame || len > data.size() - pos - kFrameHeader) return std::nullopt;
  type = static_cast<uint8_t>(data[pos + 8]);
  const std::string_view payload = data.substr(pos + kFrameHeader, len);
  uint32_t got = Crc32c(&type, 1);
  got = Crc32c(payload.data(), payload.size(), got);
  if (got != crc) return std::nullopt;
  next = pos + kFrameHeader + len;
  return payload;
}

void EncodeEvent(std::string& out, const StoredEvent& e) {
  PutSigned(out, e.timestamp);
  PutSigned(out, e.ingestion_time);
  PutString(out, e.group);
  PutString(out, e.stream);
  PutString(out, e.message);
}

std::string EncodeBatch(uint64_t seq, const std::vector<StoredEvent>& events) {
  std::string out;
  PutFixed64(out, seq);
  PutVarint(out, events.size());
  for (const StoredEvent& e : events) EncodeEvent(out, e);
  return out;
}

Result<std::vector<StoredEvent>> DecodeBatch(std::string_view payload, uint64_t& seq) {
  Reader r(payload);
  uint64_t n;
  // An event takes at least 5 bytes: bound the allocation by the input.
  if (!r.Fixed64(seq) || !r.Varint(n) || n > payload.size() / 5) return Corrupt("WAL batch header");
  std::vector<StoredEvent> events(n);
  for (StoredEvent& e : events) {
    if (!ReadEvent(r, e)) return Corrupt("WAL batch event");
  }
  if (!r.done()) return Corrupt("WAL batch (trailing bytes)");
  return events;
}

Result<std::string> EncodeBlock(const std::vector<StoredEvent>& events, const BlockSummary& s,
                                int level) {
  std::string raw;
  raw.reserve(s.raw_bytes);
  for (const StoredEvent& e : events) EncodeEvent(raw, e);
  std::string out;
  PutFixed64(out, s.max_seq);
  PutVarint(out, events.size());
  for (int64_t v : {s.min_ts, s.max_ts, s.min_ingest, s.max_ingest}) PutSigned(out, v);
  PutVarint(out, raw.size());
  for (const auto* list : {&s.groups, &s.streams}) {
    PutVarint(out, list->size());
    for (const std::string& g : *list) PutString(out, g);
  }
  out.push_back(s.fields_complete ? 1 : 0);
  PutVarint(out, s.fields.size());
  for (const FieldSummary& f : s.fields) {
    PutString(out, f.name);
    out.push_back(f.numeric ? 1 : 0);
    PutFixed64(out, std::bit_cast<uint64_t>(f.min));
    PutFixed64(out, std::bit_cast<uint64_t>(f.max));
  }
  std::string z(ZSTD_compressBound(raw.size()), '\0');
  const size_t zn = ZSTD_compress(z.data(), z.size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(zn)) {
    return Fail(ErrorCode::kInternal, std::string("zstd: ") + ZSTD_getErrorName(zn));
  }
  PutVarint(out, zn);
  out.append(z.data(), zn);
  return out;
}

Result<BlockSummary> DecodeSummary(std::string_view payload, size_t& body_offset) {
  Reader r(payload);
  BlockSummary s;
  uint8_t complete;
  uint64_t nf;
  if (!r.Fixed64(s.max_seq) || !r.Varint(s.count) || !r.Signed(s.min_ts) || !r.Signed(s.max_ts) ||
      !r.Signed(s.min_ingest) || !r.Signed(s.max_ingest) || !r.Varint(s.raw_bytes) ||
      !ReadStrings(r, s.groups) || !ReadStrings(r, s.streams) || !r.Byte(complete) ||
      !r.Varint(nf) || nf > payload.size()) {
    return Corrupt("block summary");
  }
  s.fields_complete = complete != 0;
  s.fields.resize(nf);
  for (FieldSummary& f : s.fields) {
    uint8_t numeric;
    uint64_t lo, hi;
    if (!r.String(f.name) || !r.Byte(numeric) || !r.Fixed64(lo) || !r.Fixed64(hi)) {
      return Corrupt("block field summary");
    }
    f.numeric = numeric != 0;
    f.min = std::bit_cast<double>(lo);
    f.max = std::bit_cast<double>(hi);
  }
  body_offset = r.pos();
  return s;
}

Result<std::vector<StoredEvent>> DecodeBlockEvents(std::string_view payload, size_t body_offset,
                                                   const BlockSummary& s) {
  Reader r(payload.substr(body_offset));
  std::string_view z;
  if (!r.String(z) || !r.done()) return Corrupt("block body");
  // Check the size zstd's frame declares before allocating that much.
  if (ZSTD_getFrameContentSize(z.data(), z.size()) != s.raw_bytes ||
      s.raw_bytes > 4ull * kMaxFrame) {
    return Corrupt("block body (size)");
  }
  std::string raw(s.raw_bytes, '\0');
  const size_t n = ZSTD_decompress(raw.data(), raw.size(), z.data(), z.size());
  if (ZSTD_isError(n) || n != raw.size()) return Corrupt("block body (zstd)");
  Reader er(raw);
  std::vector<StoredEvent> events(s.count <= raw.size() / 5 ? s.count : 0);
  for (StoredEvent& e : events) {
    if (!ReadEvent(er, e)) return Corrupt("block event");
  }
  if (!er.done()) return Corrupt("block events (count mismatch)");
  return events;
}

void AddToSummary(BlockSummary& s, const StoredEvent& e, const LogEvent& decoded,
                  size_t max_fields) {
  if (s.count == 0) {
    s.min_ts = s.max_ts = e.timestamp;
    s.min_ingest = s.max_ingest = e.ingestion_time;
  }
  ++s.count;
  s.min_ts = std::min(s.min_ts, e.timestamp);
  s.max_ts = std::max(s.max_ts, e.timestamp);
  s.min_ingest = std::min(s.min_ingest, e.ingestion_time);
  s.max_ingest = std::max(s.max_ingest, e.ingestion_time);
  s.raw_bytes += 24 + e.group.size() + e.stream.size() + e.message.size();  // an estimate
  InsertSorted(s.groups, e.group);
  InsertSorted(s.streams, e.stream);
  for (const auto& [name, v] : decoded.fields) {
    auto it =
        std::lower_bound(s.fields.begin(), s.fields.end(), name,
                         [](const FieldSummary& f, const std::string& n) { return f.name < n; });
    const bool is_num = v.kind() == Value::Kind::kNumber;
    if (it == s.fields.end() || it->name != name) {
      if (s.fields.size() >= max_fields) {
        s.fields_complete = false;
        continue;
      }
      it = s.fields.insert(
          it, FieldSummary{name, is_num, is_num ? v.number() : 0, is_num ? v.number() : 0});
      continue;
    }
    if (!is_num) {
      it->numeric = false;
    } else if (it->numeric) {
      it->min = std::min(it->min, v.number());
      it->max = std::max(it->max, v.number());
    }
  }
}

LogEvent ToLogEvent(const StoredEvent& e) {
  LogEvent out = DecodeLine(e.message, e.timestamp);
  out.timestamp = e.timestamp;  // the time decided at ingestion stays
  out.log_group = e.group;
  out.log_stream = e.stream;
  out.ingestion_time = e.ingestion_time;
  return out;
}

}  // namespace fw::logs::store

// BlockWriter and meta.json; the reader is in block.cpp, the format in
// docs/storage.md.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "common/crc32c.h"
#include "metrics/tsdb/block.h"
#include "metrics/tsdb/block_format.h"
#include "metrics/tsdb/chunk.h"
#include "metrics/tsdb/encoding.h"

namespace fw::metrics::tsdb {

struct BlockWriter::SeriesEntry {
  LabelSet labels;
  std::vector<std::pair<Timestamp, Timestamp>> ranges;  // per chunk: mint, maxt
  std::vector<uint64_t> offsets;                        // per chunk: offset in `chunks`
};

BlockWriter::BlockWriter(std::string blocks_dir, BlockMeta meta)
    : blocks_dir_(std::move(blocks_dir)), meta_(std::move(meta)) {
  tmp_dir_ = blocks_dir_ + "/" + meta_.id + kTmpSuffix;
}

BlockWriter::~BlockWriter() {
  if (chunks_fd_ >= 0) ::close(chunks_fd_);
  if (!finished_) (void)RemoveTree(tmp_dir_);
}

Result<std::unique_ptr<BlockWriter>> BlockWriter::Create(const std::string& blocks_dir,
                                                         BlockMeta meta) {
  meta.num_series = meta.num_samples = meta.num_chunks = 0;
  std::unique_ptr<BlockWriter> w(new BlockWriter(blocks_dir, std::move(meta)));
  if (auto r = MakeDir(blocks_dir); !r) return Fail(r.error());
  if (auto r = RemoveTree(w->tmp_dir_); !r) return Fail(r.error());
  if (auto r = MakeDir(w->tmp_dir_); !r) return Fail(r.error());
  const std::string path = w->tmp_dir_ + "/" + kChunksFile;
  w->chunks_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->chunks_fd_ < 0) {
    return Fail(ErrorCode::kIo, "cannot create " + path + ": " + std::strerror(errno));
  }
  w->buf_.assign(kChunksMagic);
  return w;
}

Result<void> BlockWriter::Flush() {
  size_t done = 0;
  while (done < buf_.size()) {
    const ssize_t n = ::write(chunks_fd_, buf_.data() + done, buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Fail(ErrorCode::kIo,
                  "cannot write " + tmp_dir_ + "/" + kChunksFile + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  chunks_offset_ += buf_.size();
  buf_.clear();
  return {};
}

Result<void> BlockWriter::AddSeries(const LabelSet& labels, std::span<const Sample> samples) {
  if (samples.empty()) return {};
  SeriesEntry e{labels, {}, {}};
  size_t i = 0;
  while (i < samples.size()) {
    XorChunk c;
    for (; i < samples.size() && !c.Full(); ++i) c.Append(samples[i].t, samples[i].v);
    const size_t start = buf_.size();
    e.ranges.emplace_back(c.min_time(), c.max_time());
    e.offsets.push_back(chunks_offset_ + start);
    PutVarint(buf_, static_cast<uint64_t>(c.num_samples()));
    PutVarint(buf_, c.bit_count());
    buf_.append(reinterpret_cast<const char*>(c.bytes().data()), c.bytes().size());
    PutFixed(buf_, Crc32c(buf_.data() + start, buf_.size() - start), 4);
    ++meta_.num_chunks;
  }
  meta_.num_samples += samples.size();
  ++meta_.num_series;
  series_.push_back(std::move(e));
  if (buf_.size() >= (1 << 20)) return Flush();
  return {};
}

// Symbols, then series, then postings, then the table of contents and a
// CRC-32C of everything before it.
Result<void> BlockWriter::WriteIndex() {
  std::map<std::string_view, uint64_t> symbols;
  for (const SeriesEntry& e : series_) {
    for (const Label& l : e.labels.labels()) {
      symbols.emplace(l.name, 0);
      symbols.emplace(l.value, 0);
    }
  }
  std::string out(kIndexMagic);
  const uint64_t symbols_off = out.size();
  PutVarint(out, symbols.size());
  uint64_t next = 0;
  for (auto& [s, id] : symbols) {
    id = next++;
    PutString(out, s);
  }
  const uint64_t series_off = out.size();
  PutVarint(out, series_.size());
  std::map<std::pair<uint64_t, uint64_t>, std::vector<uint64_t>> postings;
  for (size_t i = 0; i < series_.size(); ++i) {
    const SeriesEntry& e = series_[i];
    PutVarint(out, e.labels.size());
    for (const Label& l : e.labels.labels()) {
      const uint64_t n = symbols[l.name], v = symbols[l.value];
      PutVarint(out, n);
      PutVarint(out, v);
      postings[{n, v}].push_back(i);
    }
    PutVarint(out, e.ranges.size());
    Timestamp prev = meta_.mint;
    uint64_t prev_off = 0;
    for (size_t c = 0; c < e.ranges.size(); ++c) {
      PutVarint(out, Zigzag(e.ranges[c].first - prev));
      PutVarint(out, static_cast<uint64_t>(e.ranges[c].second - e.ranges[c].first));
      PutVarint(out, e.offsets[c] - prev_off);
      prev = e.ranges[c].second;
      prev_off = e.offsets[c];
    }
  }
  const uint64_t postings_off = out.size();
  PutVarint(out, postings.size());
  for (const auto& [pair, refs] : postings) {
    PutVarint(out, pair.first);
    PutVarint(out, pair.second);
    PutVarint(out, refs.size());
    uint64_t prev = 0;
    for (uint64_t r : refs) {
      PutVarint(out, r - prev);
      prev = r;
    }
  }
  PutFixed(out, symbols_off);
  PutFixed(out, series_off);
  PutFixed(out, postings_off);
  PutFixed(out, Crc32c(out.data(), out.size()), 4);
  return WriteFileSynced(tmp_dir_ + "/" + kIndexFile, out);
}

Result<BlockMeta> BlockWriter::Finish() {
  if (auto r = Flush(); !r) return Fail(r.error());
  if (::fsync(chunks_fd_) != 0) {
    return Fail(ErrorCode::kIo,
                "cannot sync " + tmp_dir_ + "/" + kChunksFile + ": " + std::strerror(errno));
  }
  ::close(chunks_fd_);
  chunks_fd_ = -1;
  if (auto r = WriteIndex(); !r) return Fail(r.error());
  if (auto r = WriteFileSynced(tmp_dir_ + "/" + kMetaFile, BlockMetaJson(meta_)); !r) {
    return Fail(r.error());
  }
  if (auto r = SyncDir(tmp_dir_); !r) return Fail(r.error());
  if (auto r = RenameSynced(tmp_dir_, blocks_dir_ + "/" + meta_.id, blocks_dir_); !r) {
    return Fail(r.error());
  }
  finished_ = true;
  return meta_;
}

std::string BlockMetaJson(const BlockMeta& m) {
  nlohmann::json j = {
      {"version", 1},
      {"id", m.id},
      {"mint", m.mint},
      {"maxt", m.maxt},
      {"stats",
       {{"numSeries", m.num_series}, {"numSamples", m.num_samples}, {"numChunks", m.num_chunks}}},
      {"compaction", {{"level", m.level}, {"sources", m.sources}, {"parents", m.parents}}},
  };
  if (m.head_floor != INT64_MIN) j["headFloor"] = m.head_floor;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

Result<BlockMeta> ParseBlockMeta(std::string_view text, const std::string& path) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (j.at("version").get<int>() != 1) {
      return Fail(
          ErrorCode::kIo,
          path + ": unsupported block version " +
              j.at("version").dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    BlockMeta m;
    m.id = j.at("id").get<std::string>();
    m.mint = j.at("mint").get<Timestamp>();
    m.maxt = j.at("maxt").get<Timestamp>();
    const auto& st = j.at("stats");
    m.num_series = st.at("numSeries").get<uint64_t>();
    m.num_samples = st.at("numSamples").get<uint64_t>();
    m.num_chunks = st.at("numChunks").get<uint64_t>();
    const auto& c = j.at("compaction");
    m.level = c.at("level").get<int>();
    m.sources = c.at("sources").get<std::vector<std::string>>();
    m.parents = c.value("parents", std::vector<std::string>{});
    m.head_floor = j.value("headFloor", INT64_MIN);
    if (m.mint > m.maxt) return Fail(ErrorCode::kIo, path + ": mint is after maxt");
    return m;
  } catch (const nlohmann::json::exception& e) {
    return Fail(ErrorCode::kIo, path + ": malformed block metadata: " + e.what());
  }
}

}  // namespace fw::metrics::tsdb

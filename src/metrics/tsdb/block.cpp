// Block reader: maps a block directory and validates it (format:
// docs/storage.md).

#include "metrics/tsdb/block.h"

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "common/crc32c.h"
#include "metrics/tsdb/block_format.h"
#include "metrics/tsdb/chunk.h"
#include "metrics/tsdb/encoding.h"

namespace fw::metrics::tsdb {
namespace {

Error Corrupt(const std::string& path, const std::string& what) {
  return Error(ErrorCode::kIo, "block file " + path + " is corrupt: " + what +
                                   "; move the block directory aside to open the rest");
}

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// One chunk's header and payload at `offset` of the chunks file.
struct ChunkView {
  uint64_t num_samples = 0;
  uint64_t bit_count = 0;
  std::string_view payload;
  size_t end = 0;  // offset just past its CRC
};

bool ParseChunk(std::string_view file, uint64_t offset, ChunkView& c, bool check_crc) {
  if (offset >= file.size()) return false;
  Decoder d(file.substr(offset));
  if (!d.Varint(c.num_samples) || !d.Varint(c.bit_count) || c.num_samples == 0 ||
      c.num_samples > (1u << 20) || !d.Bytes((c.bit_count + 7) / 8, c.payload)) {
    return false;
  }
  const size_t body = d.pos();
  uint64_t crc = 0;
  if (!d.Fixed(crc, 4)) return false;
  c.end = offset + d.pos();
  return !check_crc || Crc32c(file.data() + offset, body) == crc;
}

}  // namespace

Block::~Block() = default;

Result<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  std::shared_ptr<Block> b(new Block());
  b->dir_ = dir;
  const std::string meta_path = dir + "/" + kMetaFile;
  auto meta_file = MappedFile::Open(meta_path);
  if (!meta_file) return Fail(Corrupt(meta_path, meta_file.error().message()));
  auto meta = ParseBlockMeta(meta_file->view(), meta_path);
  if (!meta) return Fail(meta.error());
  b->meta_ = std::move(*meta);
  const std::string chunks_path = dir + "/" + kChunksFile;
  auto chunks = MappedFile::Open(chunks_path);
  if (!chunks) return Fail(Corrupt(chunks_path, chunks.error().message()));
  b->chunks_ = std::move(*chunks);
  auto offsets = b->ScanChunks();
  if (!offsets) return Fail(offsets.error());
  const std::string index_path = dir + "/" + kIndexFile;
  if (auto r = b->LoadIndex(index_path); !r) return Fail(r.error());
  for (const ChunkRef& c : b->chunks_refs_) {
    if (!std::binary_search(offsets->begin(), offsets->end(), c.offset)) {
      return Fail(Corrupt(index_path, "a chunk reference points nowhere (offset " +
                                          std::to_string(c.offset) + ")"));
    }
  }
  if (b->chunks_refs_.size() != b->meta_.num_chunks ||
      b->index_.NumSeries() != b->meta_.num_series) {
    return Fail(Corrupt(index_path, "series or chunk counts differ from meta.json"));
  }
  b->size_bytes_ = FileSize(meta_path) + FileSize(chunks_path) + FileSize(index_path);
  return b;
}

// Walks the chunks file, checking every chunk's CRC; returns their offsets.
Result<std::vector<uint64_t>> Block::ScanChunks() const {
  const std::string path = dir_ + "/" + kChunksFile;
  const std::string_view file = chunks_.view();
  if (!file.starts_with(kChunksMagic)) return Fail(Corrupt(path, "bad magic number"));
  std::vector<uint64_t> offsets;
  size_t pos = kChunksMagic.size();
  while (pos < file.size()) {
    ChunkView c;
    if (!ParseChunk(file, pos, c, true)) {
      return Fail(Corrupt(
          path, "chunk at byte " + std::to_string(pos) + " is truncated or fails its checksum"));
    }
    offsets.push_back(pos);
    pos = c.end;
  }
  return offsets;
}

Result<void> Block::LoadIndex(const std::string& path) {
  auto mapped = MappedFile::Open(path);
  if (!mapped) return Fail(Corrupt(path, mapped.error().message()));
  const std::string_view file = mapped->view();
  if (file.size() < kIndexMagic.size() + kIndexTocBytes || !file.starts_with(kIndexMagic)) {
    return Fail(Corrupt(path, "bad magic number or too short"));
  }
  const size_t toc = file.size() - kIndexTocBytes;
  Decoder t(file.substr(toc));
  uint64_t symbols_off, series_off, postings_off, crc;
  t.Fixed(symbols_off);
  t.Fixed(series_off);
  t.Fixed(postings_off);
  t.Fixed(crc, 4);
  if (Crc32c(file.data(), file.size() - 4) != crc) return Fail(Corrupt(path, "checksum mismatch"));
  if (!(symbols_off <= series_off && series_off <= postings_off && postings_off <= toc)) {
    return Fail(Corrupt(path, "table of contents out of order"));
  }
  Decoder d(file.substr(symbols_off, toc - symbols_off));
  std::vector<std::string_view> symbols;
  uint64_t n;
  if (!d.Varint(n) || n > file.size()) return Fail(Corrupt(path, "bad symbol table"));
  symbols.resize(n);
  for (auto& s : symbols) {
    if (!d.String(s)) return Fail(Corrupt(path, "bad symbol table"));
  }
  if (auto r = LoadSeries(d, symbols, path); !r) return r;
  series_chunks_.push_back(static_cast<uint32_t>(chunks_refs_.size()));
  if (d.pos() + symbols_off != postings_off) return Fail(Corrupt(path, "bad section sizes"));
  return {};
}

// The series section: label sets (sorted) and chunk references.
Result<void> Block::LoadSeries(Decoder& d, const std::vector<std::string_view>& symbols,
                               const std::string& path) {
  auto sym = [&](uint64_t i, std::string_view& out) {
    if (i >= symbols.size()) return false;
    out = symbols[i];
    return true;
  };
  uint64_t num_series;
  if (!d.Varint(num_series) || num_series > d.remaining()) {
    return Fail(Corrupt(path, "bad series"));
  }
  series_chunks_.reserve(num_series + 1);
  LabelSet prev_labels;
  for (uint64_t i = 0; i < num_series; ++i) {
    uint64_t nl, nc;
    LabelSet labels;
    if (!d.Varint(nl) || nl == 0 || nl > 1000) return Fail(Corrupt(path, "bad series entry"));
    for (uint64_t l = 0; l < nl; ++l) {
      uint64_t a, b;
      std::string_view name, value;
      if (!d.Varint(a) || !d.Varint(b) || !sym(a, name) || !sym(b, value)) {
        return Fail(Corrupt(path, "bad label reference"));
      }
      labels.Set(name, value);
    }
    if (i > 0 && !(prev_labels < labels)) return Fail(Corrupt(path, "series out of order"));
    series_chunks_.push_back(static_cast<uint32_t>(chunks_refs_.size()));
    if (!d.Varint(nc) || nc == 0 || nc > d.remaining())
      return Fail(Corrupt(path, "bad chunk list"));
    Timestamp prev = meta_.mint;
    uint64_t prev_off = 0;
    for (uint64_t c = 0; c < nc; ++c) {
      uint64_t dmin, len, doff;
      if (!d.Varint(dmin) || !d.Varint(len) || !d.Varint(doff)) {
        return Fail(Corrupt(path, "bad chunk reference"));
      }
      ChunkRef r{prev + Unzigzag(dmin), 0, prev_off + doff};
      r.maxt = r.mint + static_cast<Timestamp>(len);
      chunks_refs_.push_back(r);
      max_sample_time_ = std::max(max_sample_time_, r.maxt);
      prev = r.maxt;
      prev_off = r.offset;
    }
    index_.GetOrCreate(labels);
    prev_labels = std::move(labels);
  }
  return {};
}

void Block::Decode(const ChunkRef& ref, Timestamp mint, Timestamp maxt,
                   std::vector<Sample>& out) const {
  ChunkView c;
  if (!ParseChunk(chunks_.view(), ref.offset, c, false)) return;  // validated on open
  XorIterator it(std::span(reinterpret_cast<const uint8_t*>(c.payload.data()), c.payload.size()),
                 c.bit_count, static_cast<int>(c.num_samples));
  if (!it.Seek(mint)) return;
  do {
    const Sample s = it.At();
    if (s.t > maxt) return;
    out.push_back(s);
  } while (it.Next());
}

Result<std::vector<SeriesSamples>> Block::Select(const std::vector<LabelMatcher>& matchers,
                                                 Timestamp mint, Timestamp maxt) const {
  std::vector<SeriesSamples> out;
  if (mint > maxt || maxt < meta_.mint || mint >= meta_.maxt) return out;
  auto refs = index_.Select(matchers);
  if (!refs) return Fail(refs.error());
  for (SeriesRef ref : *refs) {
    SeriesSamples s{index_.Labels(ref), {}};
    ReadSeries(ref, mint, maxt, s.samples);
    if (!s.samples.empty()) out.push_back(std::move(s));
  }
  return out;
}

void Block::ReadSeries(size_t i, Timestamp mint, Timestamp maxt, std::vector<Sample>& out) const {
  for (uint32_t c = series_chunks_[i]; c < series_chunks_[i + 1]; ++c) {
    const ChunkRef& r = chunks_refs_[c];
    if (r.maxt >= mint && r.mint <= maxt) Decode(r, mint, maxt, out);
  }
}

Result<std::vector<LabelSet>> Block::SeriesLabels(const std::vector<LabelMatcher>& matchers,
                                                  Timestamp mint, Timestamp maxt) const {
  std::vector<LabelSet> out;
  if (mint > maxt || maxt < meta_.mint || mint >= meta_.maxt) return out;
  auto refs = index_.Select(matchers);
  if (!refs) return Fail(refs.error());
  for (SeriesRef ref : *refs) {
    for (uint32_t c = series_chunks_[ref]; c < series_chunks_[ref + 1]; ++c) {
      if (chunks_refs_[c].maxt >= mint && chunks_refs_[c].mint <= maxt) {
        out.push_back(index_.Labels(ref));
        break;
      }
    }
  }
  return out;
}

std::vector<std::string> Block::LabelNames() const { return index_.LabelNames(); }

Result<std::vector<std::string>> Block::LabelValues(
    std::string_view name, const std::vector<LabelMatcher>& matchers) const {
  return index_.LabelValues(name, matchers);
}

}  // namespace fw::metrics::tsdb

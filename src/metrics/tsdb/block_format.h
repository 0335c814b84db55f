#pragma once
// File names and magic numbers of a block directory (docs/storage.md).

#include <string_view>

namespace fw::metrics::tsdb {

inline constexpr std::string_view kChunksMagic = "FWCHUNK1";
inline constexpr std::string_view kIndexMagic = "FWINDEX1";
inline constexpr const char* kChunksFile = "chunks";
inline constexpr const char* kIndexFile = "index";
inline constexpr const char* kMetaFile = "meta.json";
// A block being written; deleted on open if a crash left one.
inline constexpr const char* kTmpSuffix = ".tmp";
// A block being deleted (renamed first so a half-deleted one is never read).
inline constexpr const char* kDeletedSuffix = ".deleted";
// Table of contents at the end of the index: three u64 offsets and a u32 CRC.
inline constexpr size_t kIndexTocBytes = 8 * 3 + 4;

}  // namespace fw::metrics::tsdb

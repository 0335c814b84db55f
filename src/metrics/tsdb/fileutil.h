#pragma once
// The file-system steps that "durable means fsynced" is built from, and a
// read-only memory mapping for block files. Every function reports failures
// as kIo naming the path and the errno text.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/error.h"

namespace fw::metrics::tsdb {

// Creates `path` (mode 0644, truncating), writes `data` and fsyncs it.
Result<void> WriteFileSynced(const std::string& path, std::string_view data);
// fsyncs a directory, making renames and unlinks in it durable.
Result<void> SyncDir(const std::string& dir);
// mkdir that succeeds if the directory already exists.
Result<void> MakeDir(const std::string& dir);
// rename(2), then fsync of the destination's parent directory.
Result<void> RenameSynced(const std::string& from, const std::string& to,
                          const std::string& parent);
// Removes a directory tree; a missing one is not an error.
Result<void> RemoveTree(const std::string& path);

// A whole file mapped read-only. Unlinking the file while mapped is safe
// (Linux keeps the pages), which lets retention delete a block that a
// query is still reading.
class MappedFile {
 public:
  static Result<MappedFile> Open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace fw::metrics::tsdb

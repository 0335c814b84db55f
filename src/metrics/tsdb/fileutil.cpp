#include "metrics/tsdb/fileutil.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/file_io.h"

namespace fw::metrics::tsdb {
namespace {

Error IoError(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

}  // namespace

Result<void> WriteFileSynced(const std::string& path, std::string_view data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(IoError("cannot create " + path));
  if (auto r = fileio::WriteAll(fd, data, path); !r) {
    ::close(fd);
    return r;
  }
  if (fileio::Fsync(fd) != 0) {
    Error e = IoError("cannot sync " + path);
    ::close(fd);
    return Fail(e);
  }
  ::close(fd);
  return {};
}

Result<void> SyncDir(const std::string& dir) {
  const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return Fail(IoError("cannot open directory " + dir));
  if (fileio::Fsync(d) != 0) {
    Error e = IoError("cannot sync directory " + dir);
    ::close(d);
    return Fail(e);
  }
  ::close(d);
  return {};
}

Result<void> MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Fail(IoError("cannot create directory " + dir));
  }
  return {};
}

Result<void> RenameSynced(const std::string& from, const std::string& to,
                          const std::string& parent) {
  if (::rename(from.c_str(), to.c_str()) != 0) {
    return Fail(IoError("cannot rename " + from + " to " + to));
  }
  return SyncDir(parent);
}

Result<void> RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) return Fail(ErrorCode::kIo, "cannot remove " + path + ": " + ec.message());
  return {};
}

Result<MappedFile> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(IoError("cannot open " + path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error e = IoError("cannot stat " + path);
    ::close(fd);
    return Fail(e);
  }
  MappedFile f;
  f.size_ = static_cast<size_t>(st.st_size);
  if (f.size_ > 0) {
    void* p = ::mmap(nullptr, f.size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      Error e = IoError("cannot map " + path);
      ::close(fd);
      return Fail(e);
    }
    f.data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);  // the mapping keeps the file
  return f;
}

MappedFile::MappedFile(MappedFile&& o) noexcept : data_(o.data_), size_(o.size_) {
  o.data_ = nullptr;
  o.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
  if (this != &o) {
    if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
    data_ = o.data_;
    size_ = o.size_;
    o.data_ = nullptr;
    o.size_ = 0;
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace fw::metrics::tsdb

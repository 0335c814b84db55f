#include "sim/run_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "sim/openmetrics_recorder.h"

namespace fw::sim {
namespace {

// A file written under NAME.tmp and published by Commit().
class AtomicFile {
 public:
  static Result<AtomicFile> Open(const std::string& path) {
    AtomicFile f;
    f.path_ = path;
    f.file_ = std::fopen((path + ".tmp").c_str(), "wb");
    if (!f.file_) {
      return Fail(ErrorCode::kIo, "cannot create " + path + ".tmp: " + std::strerror(errno));
    }
    std::setvbuf(f.file_, nullptr, _IOFBF, 1 << 20);
    return f;
  }
  AtomicFile() = default;
  AtomicFile(AtomicFile&& o) noexcept : path_(std::move(o.path_)), file_(o.file_) {
    o.file_ = nullptr;
  }
  ~AtomicFile() {
    if (file_) std::fclose(file_);
  }
  std::FILE* get() { return file_; }
  void Write(std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }
  Result<void> Commit() {
    const bool ok = std::fflush(file_) == 0 && !std::ferror(file_) && ::fsync(fileno(file_)) == 0;
    std::fclose(file_);
    file_ = nullptr;
    if (!ok || std::rename((path_ + ".tmp").c_str(), path_.c_str()) != 0) {
      return Fail(ErrorCode::kIo, "cannot write " + path_ + ": " + std::strerror(errno));
    }
    return {};
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

class FileSink final : public SimSink {
 public:
  FileSink(AtomicFile& logs, AtomicFile& changes) : logs_(logs), changes_(changes) {}
  void OnLog(std::string_view line) override {
    logs_.Write(line);
    ++out.log_lines;
  }
  void OnChange(std::string_view line) override {
    changes_.Write(line);
    ++out.change_events;
  }
  void OnScrape(Timestamp t, const Simulator& sim) override {
    recorder.BeginScrape(t);
    sim.Collect(recorder);
  }
  OpenMetricsRecorder recorder;
  RunOutput out;

 private:
  AtomicFile& logs_;
  AtomicFile& changes_;
};

void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

Result<RunOutput> RunToDirectory(Simulator& sim, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return Fail(ErrorCode::kIo, "cannot create output directory " + dir + ": " + ec.message());
  auto logs = AtomicFile::Open(dir + "/logs.ndjson");
  if (!logs) return Fail(logs.error());
  auto changes = AtomicFile::Open(dir + "/changes.ndjson");
  if (!changes) return Fail(changes.error());
  auto metrics = AtomicFile::Open(dir + "/metrics.om");
  if (!metrics) return Fail(metrics.error());

  FileSink sink(*logs, *changes);
  sim.set_sink(&sink);
  while (!sim.done()) sim.Step();
  sim.set_sink(nullptr);

  auto samples = sink.recorder.Write(metrics->get());
  if (!samples) return Fail(samples.error());
  for (AtomicFile* f : {&*logs, &*changes, &*metrics}) {
    if (auto r = f->Commit(); !r) return Fail(r.error());
  }
  SyncDirectory(dir);
  RunOutput out = sink.out;
  out.metric_samples = *samples;
  out.metric_series = sink.recorder.series();
  return out;
}

}  // namespace fw::sim

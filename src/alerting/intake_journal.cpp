#include "alerting/intake_journal.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/file_io.h"
#include "metrics/tsdb/fileutil.h"

namespace fw::alerting {
namespace {

// A futex on the sync epoch. std::atomic::wait would do, but libstdc++ spins
// with sched_yield first, and with dozens of waiting request threads on two
// cores that spinning was a tenth of the server's time.
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) &&
              std::atomic<uint32_t>::is_always_lock_free);

void WaitWhileEqual(std::atomic<uint32_t>& word, uint32_t value) {
  while (word.load() == value) {
    ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAIT_PRIVATE, value, nullptr,
              nullptr, 0);
  }
}

void WakeAll(std::atomic<uint32_t>& word) {
  ::syscall(SYS_futex, reinterpret_cast<uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT32_MAX, nullptr,
            nullptr, 0);
}

using nlohmann::json;

std::string Line(const RoutedAlert& a) {
  json labels = json::object();
  for (const Label& l : a.labels.labels()) labels[l.name] = l.value;
  json annotations = json::array();
  for (const auto& [k, v] : a.annotations) annotations.push_back({k, v});
  return json({{"labels", labels},
               {"annotations", annotations},
               {"starts_at", a.starts_at},
               {"ends_at", a.ends_at},
               {"generator_url", a.generator_url}})
             .dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

// A line written by Line(); false for a torn or foreign one.
bool ParseLine(const std::string& line, RoutedAlert& a) {
  json j = json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("labels") || !j["labels"].is_object()) return false;
  std::vector<Label> labels;
  for (auto it = j["labels"].begin(); it != j["labels"].end(); ++it) {
    if (!it->is_string()) return false;
    labels.push_back({it.key(), it->get<std::string>()});
  }
  a.labels = LabelSet(std::move(labels));
  a.annotations.clear();
  for (const json& kv : j.value("annotations", json::array())) {
    if (kv.is_array() && kv.size() == 2 && kv[0].is_string() && kv[1].is_string()) {
      a.annotations.push_back({kv[0].get<std::string>(), kv[1].get<std::string>()});
    }
  }
  a.starts_at = j.value("starts_at", Timestamp{0});
  a.ends_at = j.value("ends_at", Timestamp{0});
  a.generator_url = j.value("generator_url", "");
  return true;
}

// A line that does not parse may be a torn record glued to an intact one (a
// version that appended after a failed write): the intact record is the
// first '{' from which the rest of the line parses as a record.
bool ParseLineOrTail(const std::string& line, RoutedAlert& a) {
  if (ParseLine(line, a)) return true;
  for (size_t at = line.find('{', 1); at != std::string::npos; at = line.find('{', at + 1)) {
    if (ParseLine(line.substr(at), a)) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<IntakeJournal>> IntakeJournal::Open(const std::string& path, Timestamp now,
                                                           std::vector<RoutedAlert>* replay,
                                                           IntakeJournalOptions options) {
  std::map<std::string, std::string> latest;
  uint64_t intact = 0;  // bytes up to the end of the last whole line
  {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    RoutedAlert a;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // no newline: torn by a crash mid-write
      intact += line.size() + 1;
      if (ParseLineOrTail(line, a)) latest[Fingerprint(a.labels)] = Line(a);
    }
  }
  for (auto it = latest.begin(); it != latest.end();) {
    RoutedAlert a;
    ParseLine(it->second, a);
    if (a.ends_at != 0 && a.ends_at + options.keep_resolved.count() < now) {
      it = latest.erase(it);
      continue;
    }
    if (replay) replay->push_back(std::move(a));
    ++it;
  }
  auto journal = std::unique_ptr<IntakeJournal>(new IntakeJournal(path, -1, options));
  journal->latest_ = std::move(latest);
  std::lock_guard lock(journal->mu_);
  if (journal->CompactLocked()) return journal;
  // No room to rewrite the journal (a full disk): start anyway on the file
  // as it is, its torn tail cut off; compaction is tried again later.
  journal->fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (journal->fd_ < 0) {
    return Fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  }
  if (auto r = fileio::CutBack(journal->fd_, intact, path); !r) return Fail(r.error());
  journal->bytes_ = intact;
  journal->next_compact_ = intact + options.compact_bytes / 4;
  return journal;
}

IntakeJournal::~IntakeJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> IntakeJournal::CompactLocked() {
  std::string data;
  for (const auto& [fp, line] : latest_) data += line;
  const std::string tmp = path_ + ".tmp";
  if (auto r = metrics::tsdb::WriteFileSynced(tmp, data); !r) return r;
  const size_t slash = path_.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash);
  if (auto r = metrics::tsdb::RenameSynced(tmp, path_, dir); !r) return r;
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Fail(ErrorCode::kIo, "cannot open " + path_ + ": " + std::strerror(errno));
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  bytes_ = data.size();
  broken_ = false;  // the new file holds only what was synced
  next_compact_ = 0;
  return {};
}

// Writes and syncs one batch at `base`, the journal's synced size. A batch
// that fails is cut back out of the file before the error is returned;
// when that fails too (`broken`), every later batch first retries the cut.
Result<void> IntakeJournal::WriteBatch(const std::string& batch, uint64_t base, bool& broken) {
  if (broken) {
    if (auto c = fileio::CutBack(fd_, base, path_); !c) {
      return Fail(ErrorCode::kIo,
                  "the intake journal is read-only until a failed write can be "
                  "cut back (free disk space): " +
                      c.error().message());
    }
    broken = false;
  }
  Result<void> r = fileio::WriteAll(fd_, batch, path_);
  if (r && fileio::Fdatasync(fd_) != 0) {
    r = Fail(ErrorCode::kIo, "cannot fdatasync " + path_ + ": " + std::strerror(errno));
  }
  if (!r && !fileio::CutBack(fd_, base, path_)) broken = true;
  return r;
}

Result<void> IntakeJournal::Append(const std::vector<RoutedAlert>& alerts) {
  if (alerts.empty()) return {};
  std::unique_lock lock(mu_);
  for (const RoutedAlert& a : alerts) {
    std::string line = Line(a);
    pending_ += line;
    pending_latest_.emplace_back(Fingerprint(a.labels), std::move(line));
  }
  const uint64_t ticket = ++next_ticket_;
  while (synced_ticket_.load() < ticket) {
    if (syncing_) {
      // Wait for the running sync without the mutex: a caller it covers
      // returns straight away instead of queueing on the lock behind the
      // others it woke.
      const uint32_t epoch = sync_epoch_.load();
      lock.unlock();
      WaitWhileEqual(sync_epoch_, epoch);
      if (synced_ticket_.load() >= ticket && failure_count_.load() == 0) return {};
      lock.lock();
      continue;
    }
    // This caller leads: it writes and syncs everything pending, its own
    // lines and those of the callers waiting behind it.
    syncing_ = true;
    // Under concurrent load (the last sync covered several callers), wait
    // until as many have joined as last time, for at most commit_delay:
    // fewer, larger syncs cost less CPU per alert. A lone sender is never
    // delayed, and a few senders only for as long as they take to arrive.
    if (last_batch_ > 1 && options_.commit_delay.count() > 0) {
      const auto deadline = std::chrono::steady_clock::now() + options_.commit_delay;
      while (next_ticket_ - synced_ticket_.load() < last_batch_ &&
             std::chrono::steady_clock::now() < deadline) {
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        lock.lock();
      }
    }
    std::string batch = std::move(pending_);
    pending_.clear();
    std::vector<std::pair<std::string, std::string>> entries = std::move(pending_latest_);
    pending_latest_.clear();
    const uint64_t first = synced_ticket_.load() + 1, covers = next_ticket_;
    last_batch_ = covers - first + 1;
    const uint64_t base = bytes_;
    bool broken = broken_;
    lock.unlock();
    Result<void> r = WriteBatch(batch, base, broken);
    lock.lock();
    syncing_ = false;
    broken_ = broken;
    if (r) {
      bytes_ += batch.size();
      // Only what is on disk is kept for compaction (and so for replay).
      for (auto& [fp, line] : entries) latest_[fp] = std::move(line);
    } else {
      failures_.emplace_back(first, covers, r.error().ToString());
      if (failures_.size() > 16) failures_.erase(failures_.begin());
      failure_count_.fetch_add(1);
    }
    synced_ticket_.store(covers);
    sync_epoch_.fetch_add(1);
    WakeAll(sync_epoch_);
    if (!r) return r;
    if (bytes_ > options_.compact_bytes && bytes_ >= next_compact_) {
      // A compaction that fails (a full disk) loses nothing: the journal as
      // it is holds every synced line. It is tried again a while later.
      if (!CompactLocked()) next_compact_ = bytes_ + options_.compact_bytes / 4;
    }
  }
  for (const auto& [from, to, error] : failures_) {
    if (ticket >= from && ticket <= to) return Fail(ErrorCode::kIo, error);
  }
  return {};
}

std::string EncodeAlert(const RoutedAlert& a) {
  std::string line = Line(a);
  line.pop_back();  // the newline
  return line;
}

bool DecodeAlert(const std::string& text, RoutedAlert& a) { return ParseLine(text, a); }

}  // namespace fw::alerting

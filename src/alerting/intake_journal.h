#pragma once
// IntakeJournal: alerts received from outside (Alertmanager webhooks and API,
// PagerDuty events) made durable before the sender gets its answer, so an
// acknowledged alert survives kill -9 even if the router had not notified it
// yet. Append writes one JSON line per alert and fdatasyncs; callers that
// arrive while a sync runs share the next one (group commit), so concurrent
// senders do not queue one fsync each; under load a sync waits up to
// commit_delay for more callers to join it.
//
// Open reads the journal back and returns, for replay into the router, the
// latest record of every alert (by fingerprint) that is still firing or was
// resolved less than `keep_resolved` ago; the file is then rewritten with just
// those (temporary file, fsync, rename). A torn last line from a crash is
// dropped. The file is compacted the same way whenever it passes
// `compact_bytes`. Thread-safe.
//
// A full or failing disk (ENOSPC, EIO, short writes): a batch whose write or
// fdatasync fails is cut back out of the file (ftruncate + fdatasync) before
// its callers get the error, so nothing that answered an error is replayed
// and no torn line sits in front of later ones; if the cut fails too, every
// later Append fails until it succeeds (fails closed). Alerts enter the
// compaction set only once synced. Open starts on a full disk: when the
// journal cannot be rewritten it is used as it is, its torn tail cut off.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "alerting/router.h"
#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"

namespace fw::alerting {

struct IntakeJournalOptions {
  Millis keep_resolved{3'600'000};
  uint64_t compact_bytes = 64 << 20;
  // How long a sync may wait for as many callers as the previous one
  // covered, when that was several (PostgreSQL's commit_delay): at 32
  // concurrent senders it cut the CPU per alert by a fifth. 0: never wait.
  std::chrono::microseconds commit_delay{500};
};

// Where alerts taken in from outside go before the sender gets its answer:
// the journal below (one server), or the intake table replicas share, which
// the leader routes from (then routed_elsewhere: the API does not route).
class IntakeSink {
 public:
  virtual ~IntakeSink() = default;
  // Returns once every alert is durable.
  virtual Result<void> Append(const std::vector<RoutedAlert>& alerts) = 0;
  virtual bool routed_elsewhere() const { return false; }
};

class IntakeJournal final : public IntakeSink {
 public:
  // `replay` receives the alerts to put back into the router.
  static Result<std::unique_ptr<IntakeJournal>> Open(const std::string& path, Timestamp now,
                                                     std::vector<RoutedAlert>* replay,
                                                     IntakeJournalOptions options = {});
  ~IntakeJournal() override;
  IntakeJournal(const IntakeJournal&) = delete;
  IntakeJournal& operator=(const IntakeJournal&) = delete;

  // Returns once every alert is on disk (fdatasync'ed).
  Result<void> Append(const std::vector<RoutedAlert>& alerts) override;

 private:
  IntakeJournal(std::string path, int fd, IntakeJournalOptions options)
      : path_(std::move(path)), fd_(fd), options_(options) {}
  Result<void> CompactLocked();  // REQUIRES: mu_ held, no sync running
  Result<void> WriteBatch(const std::string& batch, uint64_t base, bool& broken);

  std::string path_;
  int fd_;
  IntakeJournalOptions options_;
  std::mutex mu_;
  std::map<std::string, std::string> latest_;  // fingerprint -> its latest line
  std::string pending_;                        // lines not yet written
  // Their fingerprints and lines, for latest_ once synced.
  std::vector<std::pair<std::string, std::string>> pending_latest_;
  bool broken_ = false;                     // a failed batch could not be cut back yet
  uint64_t next_compact_ = 0;               // after a failed compaction, when to try again
  uint64_t next_ticket_ = 0;                // last ticket handed out
  std::atomic<uint64_t> synced_ticket_{0};  // every ticket up to this is durable
  // Bumped after each sync; waiters sleep on it (a futex) without mu_.
  std::atomic<uint32_t> sync_epoch_{0};
  std::atomic<uint64_t> failure_count_{0};  // syncs that ever failed
  bool syncing_ = false;
  uint64_t last_batch_ = 0;  // callers the last sync covered
  uint64_t bytes_ = 0;
  // Recent failed syncs: (first ticket, last ticket, error), so each caller
  // they covered fails too.
  std::vector<std::tuple<uint64_t, uint64_t, std::string>> failures_;
};

// One alert as the journal writes it (a JSON object), for other stores of
// intake (pg_alert_state.h); DecodeAlert is false for anything else.
std::string EncodeAlert(const RoutedAlert& a);
bool DecodeAlert(const std::string& text, RoutedAlert& a);

}  // namespace fw::alerting

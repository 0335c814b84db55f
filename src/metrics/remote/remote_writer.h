#pragma once
// RemoteWriter: forwards every sample firewatch's own store accepts to
// long-term storage (Prometheus remote write 1.0: a snappy-compressed
// protobuf WriteRequest per POST), one queue and sender thread per
// `remote_write:` endpoint, as Prometheus's own remote_write does.
//
// Each queue holds up to `capacity` samples; a send carries up to
// `max_samples_per_send`, or what waited `batch_send_deadline`. A send that
// fails on the network, a timeout, 429 or 5xx is retried with backoff
// (100 ms doubling to 5 s) and keeps its place; a 4xx answer drops it (the
// receiver refuses it; retrying cannot help). When an endpoint is down long
// enough to fill its queue the oldest samples are dropped and counted:
// the queue lives in memory, so what was queued when firewatch stops is
// not forwarded (the samples stay in firewatch's own store).
// Thread-safe; Enqueue never blocks on the network.

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/log.h"
#include "metrics/remote/remote_settings.h"
#include "metrics/tsdb/db.h"

namespace fw::metrics::remote {

struct RemoteWriteStats {
  uint64_t sent = 0;     // samples the endpoint accepted
  uint64_t dropped = 0;  // refused (4xx) or pushed out of a full queue
  uint64_t failed_sends = 0;
  size_t pending = 0;
};

class RemoteWriter {
 public:
  // REQUIRES: clock outlives the writer; log may be null.
  RemoteWriter(std::vector<RemoteWriteTarget> targets, Clock& clock, Logger* log);
  ~RemoteWriter();  // stops
  RemoteWriter(const RemoteWriter&) = delete;
  RemoteWriter& operator=(const RemoteWriter&) = delete;

  void Start();
  void Stop();
  void Enqueue(const std::vector<tsdb::LabeledSample>& batch);
  std::vector<std::pair<std::string, RemoteWriteStats>> Stats() const;

 private:
  struct Queue;
  void Run(Queue& q, std::stop_token stop);
  // HTTP status, or 0 with `error` set.
  int Send(const Queue& q, const std::vector<tsdb::LabeledSample>& batch, std::string& error);

  Clock& clock_;
  Logger* log_;
  std::vector<std::unique_ptr<Queue>> queues_;
  std::vector<std::jthread> threads_;
};

}  // namespace fw::metrics::remote

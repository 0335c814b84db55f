// RemoteWriter: queues, batching, retries; the wire format is
// ingest::EncodeRemoteWrite (the same as the remote-write intake decodes).

#include "metrics/remote/remote_writer.h"

#include <httplib.h>

#include <algorithm>
#include <map>

#include "metrics/ingest/remote_write.h"

namespace fw::metrics::remote {

struct RemoteWriter::Queue {
  RemoteWriteTarget target;
  std::string host, path;
  mutable std::mutex mu;
  std::deque<tsdb::LabeledSample> samples;
  std::stop_source wake;  // stopped when a full batch is waiting
  RemoteWriteStats stats;
  Timestamp oldest_at = 0;  // when the oldest queued sample was queued
};

RemoteWriter::RemoteWriter(std::vector<RemoteWriteTarget> targets, Clock& clock, Logger* log)
    : clock_(clock), log_(log) {
  for (RemoteWriteTarget& t : targets) {
    auto q = std::make_unique<Queue>();
    const size_t slash = t.url.find('/', t.url.find("://") + 3);
    q->host = slash == std::string::npos ? t.url : t.url.substr(0, slash);
    q->path = slash == std::string::npos ? "/" : t.url.substr(slash);
    if (t.name.empty()) t.name = t.url;
    q->target = std::move(t);
    queues_.push_back(std::move(q));
  }
}

RemoteWriter::~RemoteWriter() { Stop(); }

void RemoteWriter::Start() {
  if (!threads_.empty()) return;
  for (auto& q : queues_) {
    threads_.emplace_back([this, &q = *q](std::stop_token stop) { Run(q, stop); });
  }
}

void RemoteWriter::Stop() {
  for (auto& t : threads_) t.request_stop();
  for (auto& q : queues_) {
    std::lock_guard lock(q->mu);
    q->wake.request_stop();
  }
  threads_.clear();  // joins
}

void RemoteWriter::Enqueue(const std::vector<tsdb::LabeledSample>& batch) {
  for (auto& q : queues_) {
    std::lock_guard lock(q->mu);
    if (q->samples.empty()) q->oldest_at = clock_.Now();
    q->samples.insert(q->samples.end(), batch.begin(), batch.end());
    if (q->samples.size() > q->target.capacity) {
      const size_t over = q->samples.size() - q->target.capacity;
      q->samples.erase(q->samples.begin(), q->samples.begin() + static_cast<ptrdiff_t>(over));
      q->stats.dropped += over;
    }
    if (q->samples.size() >= q->target.max_samples_per_send) q->wake.request_stop();
  }
}

std::vector<std::pair<std::string, RemoteWriteStats>> RemoteWriter::Stats() const {
  std::vector<std::pair<std::string, RemoteWriteStats>> out;
  for (const auto& q : queues_) {
    std::lock_guard lock(q->mu);
    RemoteWriteStats s = q->stats;
    s.pending = q->samples.size();
    out.push_back({q->target.name, s});
  }
  return out;
}

int RemoteWriter::Send(const Queue& q, const std::vector<tsdb::LabeledSample>& batch,
                       std::string& error) {
  std::map<std::string, ingest::SeriesSamples> by_series;  // by the labels' text
  for (const auto& s : batch) {
    auto& entry = by_series[s.labels.ToString()];
    if (entry.samples.empty()) entry.labels = s.labels;
    entry.samples.push_back(s.sample);
  }
  std::vector<ingest::SeriesSamples> series;
  series.reserve(by_series.size());
  for (auto& [key, s] : by_series) series.push_back(std::move(s));
  const std::string body = ingest::EncodeRemoteWrite(series);
  httplib::Client client(q.host);
  const auto t = q.target.timeout.count();
  client.set_connection_timeout(t / 1000, (t % 1000) * 1000);
  client.set_read_timeout(t / 1000, (t % 1000) * 1000);
  client.set_write_timeout(t / 1000, (t % 1000) * 1000);
  httplib::Headers headers(q.target.headers.begin(), q.target.headers.end());
  headers.emplace("Content-Encoding", "snappy");
  headers.emplace("X-Prometheus-Remote-Write-Version", "0.1.0");
  headers.emplace("User-Agent", "firewatch");
  auto res = client.Post(q.path, headers, body, "application/x-protobuf");
  if (!res) {
    error = httplib::to_string(res.error());
    return 0;
  }
  if (res->status / 100 != 2) error = res->body.substr(0, 200);
  return res->status;
}

void RemoteWriter::Run(Queue& q, std::stop_token stop) {
  Millis backoff{0};
  while (!stop.stop_requested()) {
    std::vector<tsdb::LabeledSample> batch;
    std::stop_token sleep;
    Timestamp wake_at = 0;
    {
      std::lock_guard lock(q.mu);
      const Timestamp now = clock_.Now();
      const bool full = q.samples.size() >= q.target.max_samples_per_send;
      const bool waited =
          !q.samples.empty() && now - q.oldest_at >= q.target.batch_send_deadline.count();
      if (full || waited) {
        const size_t n = std::min(q.samples.size(), q.target.max_samples_per_send);
        batch.assign(q.samples.begin(), q.samples.begin() + static_cast<ptrdiff_t>(n));
      } else {
        if (q.wake.stop_requested()) q.wake = std::stop_source();
        sleep = q.wake.get_token();
        wake_at = q.samples.empty() ? now + q.target.batch_send_deadline.count()
                                    : q.oldest_at + q.target.batch_send_deadline.count();
      }
    }
    if (batch.empty()) {
      std::stop_callback forward(stop, [&q] {
        std::lock_guard lock(q.mu);
        q.wake.request_stop();
      });
      clock_.SleepUntil(wake_at, sleep);
      continue;
    }
    std::string error;
    const int status = Send(q, batch, error);
    const bool ok = status / 100 == 2;
    const bool retry = !ok && (status == 0 || status == 429 || status >= 500);
    {
      std::lock_guard lock(q.mu);
      if (!retry) {
        // The batch is the queue's front unless a full queue pushed some of
        // it out meanwhile; those were counted as dropped then.
        const size_t n = std::min(batch.size(), q.samples.size());
        q.samples.erase(q.samples.begin(), q.samples.begin() + static_cast<ptrdiff_t>(n));
        q.oldest_at = clock_.Now();
        (ok ? q.stats.sent : q.stats.dropped) += batch.size();
      } else {
        ++q.stats.failed_sends;
      }
    }
    if (!ok && log_) {
      log_->Warn("remote write failed", {{"endpoint", q.target.name},
                                         {"status", std::to_string(status)},
                                         {"error", error},
                                         {"retry", retry ? "true" : "false"}});
    }
    if (retry) {
      backoff = std::min(Millis(5'000), backoff.count() ? backoff * 2 : Millis(100));
      clock_.SleepUntil(clock_.Now() + backoff.count(), stop);
    } else {
      backoff = Millis(0);
    }
  }
}

}  // namespace fw::metrics::remote

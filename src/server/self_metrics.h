#pragma once
// SelfMetrics is the registry of firewatch's OWN metrics (requests served,
// rules evaluated, ...), rendered in the Prometheus text exposition format
// 0.0.4 at /metrics. It is deliberately tiny: counters, gauges and histograms
// keyed by (name, label set). It is not the tsdb; nothing here is stored.
//
// Thread-safe. counter()/gauge()/histogram() return a reference that stays
// valid for the registry's lifetime, so hot paths look a series up once and
// then update it lock-free (values are atomics).
//
// Names and label names are fixed by code, so misuse is a programming error
// and throws std::logic_error: an invalid metric or label name, a name reused
// with another type or other histogram buckets, a "le" label on a histogram.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/labels.h"

namespace fw::server {

// Monotonic count. Inc() with a negative value is ignored: counters only go up.
class Counter {
 public:
  void Inc(double v = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Cumulative histogram with fixed upper bounds (the +Inf bucket is implicit).
class Histogram {
 public:
  // REQUIRES: upper_bounds strictly increasing and finite.
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);

  const std::vector<double>& upper_bounds() const { return bounds_; }
  // Cumulative counts, one per upper bound plus the +Inf bucket last; that
  // last entry is the histogram's _count, so the two never disagree.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

// Prometheus' default buckets, in seconds: 5ms to 10s.
std::vector<double> DefaultLatencyBuckets();

class SelfMetrics {
 public:
  SelfMetrics() = default;
  SelfMetrics(const SelfMetrics&) = delete;
  SelfMetrics& operator=(const SelfMetrics&) = delete;

  // Returns the series (name, labels), creating it at 0 on first use. The
  // first call for a name fixes its help text.
  Counter& counter(std::string_view name, std::string_view help, LabelSet labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, LabelSet labels = {});
  Histogram& histogram(std::string_view name, std::string_view help,
                       std::vector<double> upper_bounds, LabelSet labels = {});

  // Text format 0.0.4: families sorted by name, HELP and TYPE once per
  // family, series sorted by label set. Runs the collectors first.
  std::string Render() const;

  // `refresh` runs at the start of every Render(), outside the registry's
  // lock, to set values computed elsewhere (incident counts from the store)
  // so that a scrape sees them current. It may call gauge() and friends.
  // REQUIRES: what it captures outlives every Render() call.
  void AddCollector(std::function<void()> refresh);

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;  // histograms only
    std::map<LabelSet, std::unique_ptr<Counter>> counters;
    std::map<LabelSet, std::unique_ptr<Gauge>> gauges;
    std::map<LabelSet, std::unique_ptr<Histogram>> histograms;
  };

  static const char* TypeName(Type type);
  Family& FamilyFor(std::string_view name, std::string_view help, Type type,
                    const LabelSet& labels);  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
  mutable std::mutex collectors_mu_;  // held while collectors run: one refresh at a time
  std::vector<std::function<void()>> collectors_;
};

// Formats a sample value as Prometheus does: shortest round-trip decimal,
// "+Inf", "-Inf", "NaN".
std::string FormatSampleValue(double v);

}  // namespace fw::server

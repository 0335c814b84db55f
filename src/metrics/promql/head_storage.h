#pragma once
// The engine's view of the TSDB head: a Queryable over tsdb::Head, so PromQL
// runs on the store that ingestion writes to.

#include <memory>

#include "metrics/promql/storage.h"
#include "metrics/tsdb/head.h"

namespace fw::metrics::promql {

// The series of `head` matching `matchers` with their samples in
// [mint, maxt]; series without samples there are left out.
std::vector<StoredSeries> SelectFromHead(const tsdb::Head& head,
                                         std::span<const LabelMatcher> matchers, Timestamp mint,
                                         Timestamp maxt);

// A read-only view of a head owned elsewhere (the server's store).
class HeadView final : public Queryable {
 public:
  // REQUIRES: head outlives the view.
  explicit HeadView(const tsdb::Head& head) : head_(head) {}
  std::vector<StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                   Timestamp maxt) const override {
    return SelectFromHead(head_, matchers, mint, maxt);
  }

 private:
  const tsdb::Head& head_;
};

class HeadStorage final : public LoadableStorage {
 public:
  HeadStorage() : head_(std::make_unique<tsdb::Head>()) {}
  tsdb::Head& head() { return *head_; }

  // Appends through the head's normal path (ordering rules included).
  Result<void> Add(LabelSet labels, std::vector<Sample> samples) override;
  void Clear() override { head_ = std::make_unique<tsdb::Head>(); }
  std::vector<StoredSeries> Select(std::span<const LabelMatcher> matchers, Timestamp mint,
                                   Timestamp maxt) const override;

 private:
  std::unique_ptr<tsdb::Head> head_;
};

}  // namespace fw::metrics::promql

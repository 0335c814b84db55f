#pragma once
// Groups rows for one stats command: one AggState per aggregate per group,
// groups keyed by how their `by` values print (a JSON 200 and a parsed "200"
// are one group; absent differs from ""). Finish() returns the rows in
// ascending order of the group values.
//
// A query over a large input runs one runner per chunk, each on its own
// thread, and merges them in input order (Merge), which gives the result of
// one runner that read every chunk in turn.
//
// Not thread-safe; one runner per thread.

#include <string>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "logs/insights/aggregate.h"
#include "logs/insights/ast.h"
#include "logs/insights/eval.h"
#include "logs/insights/executor.h"

namespace fw::logs::insights {

// The error of a query holding more than max_rows rows or values.
std::unexpected<Error> RowLimit(int64_t max_rows);

class StatsRunner {
 public:
  // REQUIRES: c and limits outlive the runner.
  StatsRunner(const Command& c, const QueryLimits& limits) : c_(c), limits_(limits) {}

  Result<void> Add(const Row& row);
  // Folds in a runner of the same command over later rows.
  Result<void> Merge(StatsRunner&& later);
  std::vector<Row> Finish();
  const Command* command() const { return &c_; }

 private:
  struct Group {
    std::vector<Value> keys;
    std::vector<AggState> aggs;
  };
  Result<size_t> GroupOf(const std::string& id, std::vector<Value>&& keys);
  void AppendPrinted(size_t key, const Value& v);  // v's display form, to id_

  const Command& c_;
  const QueryLimits& limits_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Group> groups_;
  std::vector<std::string> ids_;  // by group, for Merge
  int64_t held_ = 0;
  // Scratch, reused across rows.
  std::string id_;
  std::vector<Value> scratch_;
  std::vector<const Value*> refs_;
  std::vector<std::pair<double, std::string>> printed_times_;  // last time per key
};

}  // namespace fw::logs::insights

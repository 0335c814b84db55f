#pragma once
// The pattern command: clusters values (by default @message) into templates
// by replacing their variable tokens with <*>. Tokens end at spaces and at
// the punctuation of JSON and key=value text (, ; : = ( ) [ ] { } " '), which
// stays in the template; a token is variable when it holds a digit (ids,
// counts, durations, addresses, times), and variable parts joined by ':'
// (times, ports) show as one <*>. Runs of spaces become one. Each
// distinct template is one result row:
//
//   @pattern       the template, tokens joined by single spaces
//   @sampleCount   how many values had it
//   @ratio         @sampleCount / all values clustered
//   @sample        the first value that had it
//
// most frequent first, ties by template. CloudWatch's own clustering is
// undocumented machine learning; this is a deterministic approximation.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "logs/insights/ast.h"
#include "logs/insights/eval.h"

namespace fw::logs::insights {

// The template of one value.
std::string PatternOf(std::string_view text);

class PatternRunner {
 public:
  // REQUIRES: c.kind == CommandKind::kPattern; c outlives this runner.
  explicit PatternRunner(const Command& c, int64_t max_groups) : c_(c), max_groups_(max_groups) {}
  // Fails when there would be more than max_groups templates.
  Result<void> Add(const Row& row);
  std::vector<Row> Finish();

 private:
  struct Cluster {
    std::string pattern, sample;
    int64_t count = 0;
  };
  const Command& c_;
  int64_t max_groups_;
  int64_t total_ = 0;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Cluster> clusters_;
};

}  // namespace fw::logs::insights

#pragma once
// The series registry and inverted index of the head.
//
// Each distinct label set gets a dense SeriesRef (0, 1, 2, ... in creation
// order). Remove() retires a ref for good: its slot stays (empty labels) so
// later refs keep their numbers, and a re-created label set gets a new ref. Lookup is by label-set
// hash with full comparison, so colliding hashes still yield distinct series. For every label
// name=value the index keeps a postings list: the sorted refs of series carrying that pair. Since
// refs only grow, appending keeps each list sorted.
//
// Matcher semantics follow Prometheus: regexes are fully anchored and "."
// matches newline; a series lacking a label behaves as if its value were "",
// so a matcher that matches "" (a="", a!="x", a=~"x|", a!~".+") also selects
// series without the label.
//
// Not thread-safe: the Head guards it with its index lock.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/error.h"
#include "common/labels.h"
#include "metrics/model.h"

namespace fw::metrics::tsdb {

using SeriesRef = uint32_t;

class Index {
 public:
  using HashFn = std::function<uint64_t(const LabelSet&)>;

  // `hash` defaults to LabelSet::Hash; tests inject a weak one to force
  // collisions.
  explicit Index(HashFn hash = {});

  // Returns the ref of `labels`, creating the series if new (*created tells).
  // REQUIRES: !labels.empty().
  SeriesRef GetOrCreate(const LabelSet& labels, bool* created = nullptr);
  std::optional<SeriesRef> Find(const LabelSet& labels) const;
  // REQUIRES: ref < NumSeries(). Empty for a removed ref.
  const LabelSet& Labels(SeriesRef ref) const { return series_[ref]; }
  // Refs handed out so far, removed ones included.
  size_t NumSeries() const { return series_.size(); }
  // Forgets a series: lookups, postings and Select no longer see it.
  void Remove(SeriesRef ref);

  // Sorted refs of the series matching all matchers; every series when
  // `matchers` is empty. Fails with kInvalidArgument on a bad regex.
  Result<std::vector<SeriesRef>> Select(const std::vector<LabelMatcher>& matchers) const;

  // Sorted names that at least one series carries.
  std::vector<std::string> LabelNames() const;
  // Sorted values of `name`, over the series selected by `matchers` (all
  // series when empty).
  Result<std::vector<std::string>> LabelValues(
      std::string_view name, const std::vector<LabelMatcher>& matchers = {}) const;

  // Estimated heap bytes: label strings, postings, hash table, node overheads.
  size_t MemoryBytes() const;

 private:
  using Postings = std::vector<SeriesRef>;
  using ValueMap = std::map<std::string, Postings, std::less<>>;

  void AddPostings(const LabelSet& labels, SeriesRef ref);

  HashFn hash_;
  std::vector<LabelSet> series_;                                  // by ref
  std::unordered_map<uint64_t, SeriesRef> by_hash_;               // first series per hash
  std::unordered_map<uint64_t, std::vector<SeriesRef>> clashes_;  // later ones, rare
  std::map<std::string, ValueMap, std::less<>> postings_;         // name -> value -> refs
};

}  // namespace fw::metrics::tsdb

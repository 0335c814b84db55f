#pragma once
// A label set: name/value pairs kept sorted by name, names unique. This is the
// identity of a time series (with __name__ for the metric name), as in
// Prometheus. Rendered in exposition syntax.
//
// Copies are cheap: the pairs live in a shared, immutable representation
// and a copy takes a reference (the PromQL engine copies a series' labels
// into every step's result). Set() copies the pairs first when they are
// shared. The hash is computed once per representation and cached. Like a
// std::string, one LabelSet object must not be written by one thread while
// another reads it; distinct copies may be used freely across threads.

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fw {

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label&) const = default;
  auto operator<=>(const Label&) const = default;
};

class LabelSet {
 public:
  LabelSet() = default;
  // Later duplicates of a name override earlier ones.
  LabelSet(std::initializer_list<Label> labels);
  // From pairs in any order; pairs with empty values are left out, and of
  // two pairs with one name the later wins. One allocation for the set.
  explicit LabelSet(std::vector<Label> labels);

  // Sets name=value, replacing any existing value. An empty value removes the
  // label (Prometheus treats empty and absent alike).
  void Set(std::string_view name, std::string_view value);
  // Returns "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;

  const std::vector<Label>& labels() const { return rep_ ? rep_->labels : Empty(); }
  size_t size() const { return rep_ ? rep_->labels.size() : 0; }
  bool empty() const { return size() == 0; }
  uint64_t Hash() const;
  // Equal identities mean equal label sets (copies share one); unequal ones
  // mean nothing. Valid while any copy is alive. For memoizing per series.
  const void* identity() const { return rep_.get(); }

  // {a="1",b="x\"y"}; "{}" when empty. __name__ is rendered like any label.
  std::string ToString() const;

  bool operator==(const LabelSet& o) const {
    return rep_ == o.rep_ || (Hash() == o.Hash() && labels() == o.labels());
  }
  std::strong_ordering operator<=>(const LabelSet& o) const {
    if (rep_ == o.rep_) return std::strong_ordering::equal;
    return labels() <=> o.labels();
  }

 private:
  struct Rep {
    std::vector<Label> labels;
    mutable std::atomic<uint64_t> hash{0};  // 0: not computed yet
  };
  static const std::vector<Label>& Empty();
  // The pairs, unshared and with the cached hash cleared, for writing.
  std::vector<Label>& Mutable();

  std::shared_ptr<Rep> rep_;  // null: empty
};

// For hash containers keyed by label sets (std::map's ordered compares are
// the cost in per-step grouping).
struct LabelSetHash {
  size_t operator()(const LabelSet& l) const { return static_cast<size_t>(l.Hash()); }
};

// Escapes a label value for exposition: backslash, double quote, newline.
std::string EscapeLabelValue(std::string_view v);

}  // namespace fw

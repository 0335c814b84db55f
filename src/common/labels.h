#pragma once
// A label set: name/value pairs kept sorted by name, names unique. This is the
// identity of a time series (with __name__ for the metric name), as in
// Prometheus. Cheap to compare and hash; rendered in exposition syntax.

#include <cstdint>
#include <initializer_list>
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

  // Sets name=value, replacing any existing value. An empty value removes the
  // label (Prometheus treats empty and absent alike).
  void Set(std::string_view name, std::string_view value);
  // Returns "" when absent.
  std::string_view Get(std::string_view name) const;
  bool Has(std::string_view name) const;

  const std::vector<Label>& labels() const { return labels_; }
  size_t size() const { return labels_.size(); }
  bool empty() const { return labels_.empty(); }
  uint64_t Hash() const;

  // {a="1",b="x\"y"}; "{}" when empty. __name__ is rendered like any label.
  std::string ToString() const;

  bool operator==(const LabelSet&) const = default;
  auto operator<=>(const LabelSet&) const = default;

 private:
  std::vector<Label> labels_;
};

// For hash containers keyed by label sets (std::map's ordered compares are
// the cost in per-step grouping).
struct LabelSetHash {
  size_t operator()(const LabelSet& l) const { return static_cast<size_t>(l.Hash()); }
};

// Escapes a label value for exposition: backslash, double quote, newline.
std::string EscapeLabelValue(std::string_view v);

}  // namespace fw

#include "metrics/tsdb/index.h"

#include <re2/re2.h>

#include <algorithm>
#include <memory>
#include <set>

namespace fw::metrics::tsdb {
namespace {

// A LabelMatcher ready to test values: the regex compiled once per Select.
class CompiledMatcher {
 public:
  static Result<CompiledMatcher> Compile(const LabelMatcher& m) {
    CompiledMatcher c(m);
    const bool is_regex = m.type == MatchType::kRegexMatch || m.type == MatchType::kRegexNoMatch;
    if (is_regex && !IsLiteral(m.value)) {
      RE2::Options opts;
      opts.set_dot_nl(true);  // Prometheus compiles "^(?s:re)$"
      opts.set_log_errors(false);
      c.re_ = std::make_shared<RE2>(m.value, opts);
      if (!c.re_->ok()) {
        return Fail(ErrorCode::kInvalidArgument, "invalid regular expression in matcher " + m.name +
                                                     "=~\"" + m.value + "\": " + c.re_->error() +
                                                     "; RE2 syntax is expected");
      }
    }
    c.matches_empty_ = c.Matches("");
    return c;
  }

  bool Matches(std::string_view v) const {
    switch (m_.type) {
      case MatchType::kEqual:
        return v == m_.value;
      case MatchType::kNotEqual:
        return v != m_.value;
      case MatchType::kRegexMatch:
        return re_ ? RE2::FullMatch(v, *re_) : v == m_.value;
      case MatchType::kRegexNoMatch:
        return re_ ? !RE2::FullMatch(v, *re_) : v != m_.value;
    }
    return false;
  }

  // An equality test that the postings map can answer by lookup.
  bool IsEquality() const { return m_.type == MatchType::kEqual || (IsRegex() && !re_); }
  bool matches_empty() const { return matches_empty_; }
  const LabelMatcher& spec() const { return m_; }

 private:
  explicit CompiledMatcher(const LabelMatcher& m) : m_(m) {}
  bool IsRegex() const { return m_.type == MatchType::kRegexMatch; }

  // A regex without metacharacters matches exactly itself (anchored).
  static bool IsLiteral(std::string_view re) {
    return re.find_first_of("\\.+*?()|[]{}^$") == std::string_view::npos;
  }

  LabelMatcher m_;
  std::shared_ptr<RE2> re_;  // null for literals and non-regex matchers
  bool matches_empty_ = false;
};

std::vector<SeriesRef> Intersect(const std::vector<SeriesRef>& a, const std::vector<SeriesRef>& b) {
  std::vector<SeriesRef> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

std::vector<SeriesRef> Subtract(const std::vector<SeriesRef>& a, const std::vector<SeriesRef>& b) {
  std::vector<SeriesRef> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Heap bytes of a string beyond the object itself (libstdc++ SSO holds 15).
size_t StringHeap(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

// Approximate per-node overhead of std::map / std::unordered_map nodes.
constexpr size_t kMapNodeOverhead = 32;
constexpr size_t kHashNodeOverhead = 16;

}  // namespace

Index::Index(HashFn hash) : hash_(std::move(hash)) {
  if (!hash_) hash_ = [](const LabelSet& ls) { return ls.Hash(); };
}

std::optional<SeriesRef> Index::Find(const LabelSet& labels) const {
  const uint64_t h = hash_(labels);
  auto it = by_hash_.find(h);
  if (it == by_hash_.end()) return std::nullopt;
  if (series_[it->second] == labels) return it->second;
  auto clash = clashes_.find(h);
  if (clash == clashes_.end()) return std::nullopt;
  for (SeriesRef ref : clash->second) {
    if (series_[ref] == labels) return ref;
  }
  return std::nullopt;
}

SeriesRef Index::GetOrCreate(const LabelSet& labels, bool* created) {
  if (std::optional<SeriesRef> found = Find(labels)) {
    if (created) *created = false;
    return *found;
  }
  const SeriesRef ref = static_cast<SeriesRef>(series_.size());
  series_.push_back(labels);
  const uint64_t h = hash_(labels);
  if (!by_hash_.emplace(h, ref).second) clashes_[h].push_back(ref);
  AddPostings(labels, ref);
  if (created) *created = true;
  return ref;
}

void Index::Remove(SeriesRef ref) {
  if (ref >= series_.size() || series_[ref].empty()) return;
  const LabelSet& labels = series_[ref];
  const uint64_t h = hash_(labels);
  auto clash = clashes_.find(h);
  auto first = by_hash_.find(h);
  if (first != by_hash_.end() && first->second == ref) {
    if (clash == clashes_.end()) {
      by_hash_.erase(first);
    } else {  // promote the oldest colliding series
      first->second = clash->second.front();
      clash->second.erase(clash->second.begin());
      if (clash->second.empty()) clashes_.erase(clash);
    }
  } else if (clash != clashes_.end()) {
    std::erase(clash->second, ref);
    if (clash->second.empty()) clashes_.erase(clash);
  }
  for (const Label& l : labels.labels()) {
    auto name_it = postings_.find(l.name);
    if (name_it == postings_.end()) continue;
    auto value_it = name_it->second.find(l.value);
    if (value_it == name_it->second.end()) continue;
    Postings& p = value_it->second;
    auto pos = std::lower_bound(p.begin(), p.end(), ref);
    if (pos != p.end() && *pos == ref) p.erase(pos);
    if (p.empty()) name_it->second.erase(value_it);
    if (name_it->second.empty()) postings_.erase(name_it);
  }
  series_[ref] = LabelSet();
}

void Index::AddPostings(const LabelSet& labels, SeriesRef ref) {
  for (const Label& l : labels.labels()) {
    auto name_it = postings_.find(l.name);
    if (name_it == postings_.end()) name_it = postings_.emplace(l.name, ValueMap{}).first;
    ValueMap& values = name_it->second;
    auto value_it = values.find(l.value);
    if (value_it == values.end()) value_it = values.emplace(l.value, Postings{}).first;
    value_it->second.push_back(ref);  // refs grow, so the list stays sorted
  }
}

Result<std::vector<SeriesRef>> Index::Select(const std::vector<LabelMatcher>& matchers) const {
  std::vector<CompiledMatcher> compiled;
  compiled.reserve(matchers.size());
  for (const LabelMatcher& m : matchers) {
    Result<CompiledMatcher> c = CompiledMatcher::Compile(m);
    if (!c) return Fail(c.error());
    compiled.push_back(std::move(*c));
  }
  // Equality matchers first: their postings are usually the smallest.
  std::stable_partition(compiled.begin(), compiled.end(),
                        [](const CompiledMatcher& c) { return c.IsEquality(); });

  // Matchers that reject "" select only series that carry the label: the
  // union of the postings of matching values, intersected across matchers.
  std::optional<Postings> acc;
  for (const CompiledMatcher& m : compiled) {
    if (m.matches_empty()) continue;
    Postings selected;
    auto name_it = postings_.find(m.spec().name);
    if (name_it != postings_.end()) {
      const ValueMap& values = name_it->second;
      if (m.IsEquality()) {
        auto v = values.find(m.spec().value);
        if (v != values.end()) selected = v->second;
      } else {
        for (const auto& [value, refs] : values) {
          if (m.Matches(value)) selected.insert(selected.end(), refs.begin(), refs.end());
        }
        std::sort(selected.begin(), selected.end());
      }
    }
    acc = acc ? Intersect(*acc, selected) : std::move(selected);
    if (acc->empty()) return Postings{};
  }
  if (!acc) {
    acc.emplace();
    acc->reserve(series_.size());
    for (size_t i = 0; i < series_.size(); ++i) {
      if (!series_[i].empty()) acc->push_back(static_cast<SeriesRef>(i));  // skip removed
    }
  }
  // Matchers that accept "" also accept series lacking the label, so they
  // can only remove series whose (present) value does not match.
  for (const CompiledMatcher& m : compiled) {
    if (!m.matches_empty()) continue;
    auto name_it = postings_.find(m.spec().name);
    if (name_it == postings_.end()) continue;
    Postings rejected;
    for (const auto& [value, refs] : name_it->second) {
      if (!m.Matches(value)) rejected.insert(rejected.end(), refs.begin(), refs.end());
    }
    std::sort(rejected.begin(), rejected.end());
    *acc = Subtract(*acc, rejected);
  }
  return std::move(*acc);
}

std::vector<std::string> Index::LabelNames() const {
  std::vector<std::string> names;
  names.reserve(postings_.size());
  for (const auto& [name, values] : postings_) names.push_back(name);
  return names;
}

Result<std::vector<std::string>> Index::LabelValues(
    std::string_view name, const std::vector<LabelMatcher>& matchers) const {
  std::vector<std::string> out;
  if (matchers.empty()) {
    auto it = postings_.find(name);
    if (it == postings_.end()) return out;
    for (const auto& [value, refs] : it->second) out.push_back(value);
    return out;
  }
  Result<std::vector<SeriesRef>> refs = Select(matchers);
  if (!refs) return Fail(refs.error());
  std::set<std::string_view> values;
  for (SeriesRef ref : *refs) {
    std::string_view v = series_[ref].Get(name);
    if (!v.empty()) values.insert(v);
  }
  out.assign(values.begin(), values.end());
  return out;
}

size_t Index::MemoryBytes() const {
  size_t bytes = series_.capacity() * sizeof(LabelSet);
  for (const LabelSet& ls : series_) {
    bytes += ls.labels().capacity() * sizeof(Label);
    for (const Label& l : ls.labels()) bytes += StringHeap(l.name) + StringHeap(l.value);
  }
  bytes += by_hash_.bucket_count() * sizeof(void*) +
           by_hash_.size() * (kHashNodeOverhead + sizeof(std::pair<uint64_t, SeriesRef>));
  for (const auto& [h, refs] : clashes_) {
    bytes += kHashNodeOverhead + sizeof(h) + sizeof(refs) + refs.capacity() * sizeof(SeriesRef);
  }
  for (const auto& [name, values] : postings_) {
    bytes += kMapNodeOverhead + sizeof(name) + StringHeap(name) + sizeof(values);
    for (const auto& [value, refs] : values) {
      bytes += kMapNodeOverhead + sizeof(value) + StringHeap(value) + sizeof(refs) +
               refs.capacity() * sizeof(SeriesRef);
    }
  }
  return bytes;
}

}  // namespace fw::metrics::tsdb

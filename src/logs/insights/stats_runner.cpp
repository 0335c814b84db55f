#include "logs/insights/stats_runner.h"

#include <algorithm>

namespace fw::logs::insights {

std::unexpected<Error> RowLimit(int64_t max_rows) {
  return Fail(ErrorCode::kTooLarge,
              "query holds more than " + std::to_string(max_rows) +
                  " rows at once (memory limit); add a filter or a limit, narrow the time "
                  "range, or raise --max-rows");
}

Result<size_t> StatsRunner::GroupOf(const std::string& id, std::vector<Value>&& keys) {
  auto it = index_.find(id);
  if (it != index_.end()) return it->second;
  if (static_cast<int64_t>(groups_.size()) >= limits_.max_groups) {
    return Fail(ErrorCode::kTooLarge,
                "stats produced more than " + std::to_string(limits_.max_groups) +
                    " groups (memory limit); group by fewer or coarser values, or raise "
                    "--max-groups");
  }
  Group g;
  g.keys = std::move(keys);
  for (const Expr* a : c_.aggregates) g.aggs.emplace_back(*a);
  groups_.push_back(std::move(g));
  ids_.push_back(id);
  index_.emplace(id, groups_.size() - 1);
  return groups_.size() - 1;
}

Result<void> StatsRunner::Add(const Row& row) {
  // The group id is built from the printed `by` values without copying
  // them; the values are kept only for a new group.
  const size_t n = c_.by.size();
  scratch_.resize(n);
  refs_.resize(n);
  id_.clear();
  for (size_t i = 0; i < n; ++i) {
    const Expr& e = *c_.by[i].expr;
    if (e.kind == ExprKind::kField) {
      refs_[i] = row.Find(e.name);
    } else {
      scratch_[i] = Eval(e, row);
      refs_[i] = &scratch_[i];
    }
    const Value* v = refs_[i];
    if (!v || v->is_null()) {
      id_ += 'N';
    } else {
      id_ += 'V';
      AppendPrinted(i, *v);
    }
    id_ += '\x1f';
  }
  auto it = index_.find(id_);
  size_t g;
  if (it != index_.end()) {
    g = it->second;
  } else {
    std::vector<Value> keys;
    keys.reserve(n);
    for (const Value* v : refs_) keys.push_back(v ? *v : Value());
    auto made = GroupOf(id_, std::move(keys));
    if (!made) return Fail(made.error());
    g = *made;
  }
  for (AggState& s : groups_[g].aggs) held_ += s.Add(row);
  if (held_ > limits_.max_rows) return RowLimit(limits_.max_rows);
  return {};
}

void StatsRunner::AppendPrinted(size_t i, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kString:
      id_ += v.str();
      return;
    case Value::Kind::kTimestamp: {
      // bin() gives the same time for long runs of rows: print it once.
      if (printed_times_.size() <= i) printed_times_.resize(i + 1);
      auto& [t, text] = printed_times_[i];
      if (text.empty() || t != v.number()) {
        t = v.number();
        text = v.ToString();
      }
      id_ += text;
      return;
    }
    default:
      id_ += v.ToString();
  }
}

Result<void> StatsRunner::Merge(StatsRunner&& later) {
  for (size_t i = 0; i < later.groups_.size(); ++i) {
    Group& from = later.groups_[i];
    auto g = GroupOf(later.ids_[i], std::move(from.keys));
    if (!g) return Fail(g.error());
    std::vector<AggState>& into = groups_[*g].aggs;
    for (size_t k = 0; k < into.size(); ++k) held_ += into[k].Merge(std::move(from.aggs[k]));
  }
  if (held_ > limits_.max_rows) return RowLimit(limits_.max_rows);
  return {};
}

std::vector<Row> StatsRunner::Finish() {
  // stats over no rows and no groups still answers: count(*) is 0.
  if (groups_.empty() && c_.by.empty()) {
    Group g;
    for (const Expr* a : c_.aggregates) g.aggs.emplace_back(*a);
    groups_.push_back(std::move(g));
  }
  std::stable_sort(groups_.begin(), groups_.end(), [](const Group& a, const Group& b) {
    for (size_t i = 0; i < a.keys.size(); ++i) {
      if (int c = CompareForSort(a.keys[i], b.keys[i]); c != 0) return c < 0;
    }
    return false;
  });
  std::vector<Row> out;
  int64_t seq = 0;
  for (const Group& g : groups_) {
    Row r;
    r.from_stats = true;
    r.seq = seq++;
    for (size_t i = 0; i < c_.by.size(); ++i) r.Set(c_.by[i].name, g.keys[i]);
    std::vector<Value> results;
    for (const AggState& s : g.aggs) results.push_back(s.Result());
    std::vector<std::pair<std::string, Value>> outputs;
    for (const NamedExpr& item : c_.items) {
      outputs.emplace_back(item.name, Eval(*item.expr, r, results));
    }
    for (auto& [name, v] : outputs) r.Set(name, std::move(v));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fw::logs::insights

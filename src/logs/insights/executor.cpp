#include "logs/insights/executor.h"

#include <re2/re2.h>

#include <algorithm>
#include <optional>
#include <queue>
#include <unordered_map>

#include "logs/insights/aggregate.h"
#include "logs/insights/eval.h"
#include "logs/insights/pattern.h"

namespace fw::logs::insights {
namespace {

struct Keyed {
  std::vector<Value> keys;
  Row row;
};

// The order of a sort command, or the implicit one (most recent first) when
// keys is null. Ties keep reading order.
class RowOrder {
 public:
  explicit RowOrder(const std::vector<SortKey>* keys) : keys_(keys) {}

  Keyed Make(Row row) const {
    Keyed k;
    if (keys_) {
      for (const SortKey& s : *keys_) k.keys.push_back(Eval(*s.expr, row));
    }
    k.row = std::move(row);
    return k;
  }

  bool operator()(const Keyed& a, const Keyed& b) const {
    if (!keys_) {
      if (a.row.time != b.row.time) return a.row.time > b.row.time;
      return a.row.seq < b.row.seq;
    }
    for (size_t i = 0; i < keys_->size(); ++i) {
      int c = CompareForSort(a.keys[i], b.keys[i]);
      // Nulls stay last in both directions.
      if (c != 0 && (*keys_)[i].desc && !a.keys[i].is_null() && !b.keys[i].is_null()) c = -c;
      if (c != 0) return c < 0;
    }
    return a.row.seq < b.row.seq;
  }

 private:
  const std::vector<SortKey>* keys_;
};

std::unexpected<Error> TooLarge(const std::string& what) {
  return Fail(ErrorCode::kTooLarge, what);
}

std::unexpected<Error> RowLimit(int64_t max_rows) {
  return TooLarge("query holds more than " + std::to_string(max_rows) +
                  " rows at once (memory limit); add a filter or a limit, narrow the time "
                  "range, or raise --max-rows");
}

// Keeps the first k rows of an order in a heap whose top is the worst kept row.
class TopK {
 public:
  TopK(RowOrder order, int64_t k, int64_t max_rows)
      : order_(order), k_(k), max_rows_(max_rows), heap_(order) {}
  Result<void> Add(Row row) {
    Keyed item = order_.Make(std::move(row));
    if (static_cast<int64_t>(heap_.size()) < k_) {
      if (static_cast<int64_t>(heap_.size()) >= max_rows_) return RowLimit(max_rows_);
      heap_.push(std::move(item));
    } else if (order_(item, heap_.top())) {
      heap_.pop();
      heap_.push(std::move(item));
    }
    return {};
  }
  std::vector<Row> Finish() {
    std::vector<Keyed> items;
    while (!heap_.empty()) {
      items.push_back(std::move(const_cast<Keyed&>(heap_.top())));
      heap_.pop();
    }
    std::reverse(items.begin(), items.end());
    std::vector<Row> rows;
    for (Keyed& k : items) rows.push_back(std::move(k.row));
    return rows;
  }

 private:
  RowOrder order_;
  int64_t k_, max_rows_;
  std::priority_queue<Keyed, std::vector<Keyed>, RowOrder> heap_;
};

// Groups rows for one stats command.
class StatsRunner {
 public:
  StatsRunner(const Command& c, const QueryLimits& limits) : c_(c), limits_(limits) {}

  Result<void> Add(const Row& row) {
    std::vector<Value> keys;
    std::string id;
    for (const NamedExpr& b : c_.by) {
      keys.push_back(Eval(*b.expr, row));
      // Values group by how they print, so a JSON 200 and a parsed "200" are
      // one group; absent differs from "".
      id += keys.back().is_null() ? 'N' : 'V';
      id += keys.back().ToString();
      id += '\x1f';
    }
    auto [it, added] = index_.try_emplace(id, groups_.size());
    if (added) {
      if (static_cast<int64_t>(groups_.size()) >= limits_.max_groups) {
        return TooLarge("stats produced more than " + std::to_string(limits_.max_groups) +
                        " groups (memory limit); group by fewer or coarser values, or raise "
                        "--max-groups");
      }
      Group g;
      g.keys = std::move(keys);
      for (const Expr* a : c_.aggregates) g.aggs.emplace_back(*a);
      groups_.push_back(std::move(g));
    }
    for (AggState& s : groups_[it->second].aggs) held_ += s.Add(row);
    if (held_ > limits_.max_rows) return RowLimit(limits_.max_rows);
    return {};
  }

  std::vector<Row> Finish() {
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

 private:
  struct Group {
    std::vector<Value> keys;
    std::vector<AggState> aggs;
  };
  const Command& c_;
  const QueryLimits& limits_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Group> groups_;
  int64_t held_ = 0;
};

bool IsStreaming(CommandKind k) {
  return k == CommandKind::kFilter || k == CommandKind::kParse || k == CommandKind::kFields ||
         k == CommandKind::kDisplay;
}

void ApplyParse(const Command& c, Row& row) {
  const Value src = Eval(*c.source, row);
  if (src.is_null()) return;
  const std::string text = src.ToString();
  const int n = static_cast<int>(c.captures.size());
  std::vector<re2::StringPiece> sub(n + 1);
  if (!c.pattern->Match(text, 0, text.size(), RE2::UNANCHORED, sub.data(), n + 1)) return;
  for (int i = 0; i < n; ++i) {
    if (c.captures[i].empty() || sub[i + 1].data() == nullptr) continue;
    row.Set(c.captures[i], Value::String(std::string(sub[i + 1].data(), sub[i + 1].size())));
  }
}

// Applies a row-at-a-time command; false when the row is filtered out.
bool ApplyStreaming(const Command& c, Row& row) {
  switch (c.kind) {
    case CommandKind::kFilter:
      return Eval(*c.condition, row).Truthy();
    case CommandKind::kParse:
      ApplyParse(c, row);
      return true;
    default:
      for (const NamedExpr& item : c.items) {
        if (item.expr->kind == ExprKind::kField && item.expr->name == item.name) continue;
        row.Set(item.name, Eval(*item.expr, row));
      }
      return true;
  }
}

void SortRows(std::vector<Row>& rows, const std::vector<SortKey>* keys) {
  RowOrder order(keys);
  std::vector<Keyed> items;
  items.reserve(rows.size());
  for (Row& r : rows) items.push_back(order.Make(std::move(r)));
  std::stable_sort(items.begin(), items.end(), order);
  rows.clear();
  for (Keyed& k : items) rows.push_back(std::move(k.row));
}

void Dedup(std::vector<Row>& rows, const std::vector<std::string>& fields) {
  std::unordered_map<std::string, bool> seen;
  std::vector<Row> kept;
  for (Row& r : rows) {
    std::string id;
    bool has_null = false;
    for (const std::string& f : fields) {
      const Value* v = r.Find(f);
      if (!v || v->is_null()) has_null = true;
      if (v) id += v->ToString();
      id += '\x1f';
    }
    // Rows with a null in any dedup field are never duplicates.
    if (has_null || seen.try_emplace(id, true).second) kept.push_back(std::move(r));
  }
  rows = std::move(kept);
}

class Executor {
 public:
  Executor(const Query& q, Clock& clock, const QueryLimits& limits)
      : q_(q), clock_(clock), limits_(limits) {}

  Result<QueryResult> Run(EventSource& source, const TimeRange& range) {
    const auto& cmds = q_.commands;
    size_t b = 0;
    while (b < cmds.size() && IsStreaming(cmds[b].kind)) ++b;
    auto scanned = Scan(source, range, b);
    if (!scanned) return std::unexpected(scanned.error());
    for (size_t i = *scanned; i < cmds.size(); ++i) {
      if (auto ok = ApplyHeld(cmds[i]); !ok) return std::unexpected(ok.error());
    }
    if (!ordered_) SortRows(rows_, nullptr);
    if (!has_limit_ && static_cast<int64_t>(rows_.size()) > limits_.default_limit) {
      rows_.resize(limits_.default_limit);
    }
    result_.columns = ResultColumns(q_);
    for (const Row& r : rows_) {
      std::vector<Value> out;
      for (const std::string& c : result_.columns) {
        const Value* v = r.Find(c);
        out.push_back(v ? *v : Value());
      }
      result_.rows.push_back(std::move(out));
    }
    return std::move(result_);
  }

 private:
  // Streams events through commands [0, b) into the first holding command.
  // Returns the index of the first command still to apply to the held rows.
  // Chooses how the first holding command cmds[b] receives rows: a stats or
  // pattern runner, a top-k heap for (sort then) limit or the implicit limit,
  // or a plain vector. Returns the index of the first command left to apply.
  size_t PlanHolder(size_t b) {
    const auto& cmds = q_.commands;
    const size_t n = cmds.size();
    if (b < n && cmds[b].kind == CommandKind::kStats) {
      stats_.emplace(cmds[b], limits_);
      return b + 1;
    }
    if (b < n && cmds[b].kind == CommandKind::kPattern) {
      pattern_.emplace(cmds[b], limits_.max_groups);
      return b + 1;
    }
    if (b == n || cmds[b].kind == CommandKind::kLimit) {
      top_.emplace(RowOrder(nullptr), b == n ? limits_.default_limit : cmds[b].limit,
                   limits_.max_rows);
      return b == n ? b : b + 1;
    }
    if (cmds[b].kind == CommandKind::kSort &&
        (b + 1 == n || cmds[b + 1].kind == CommandKind::kLimit)) {
      top_.emplace(RowOrder(&cmds[b].keys), b + 1 == n ? limits_.default_limit : cmds[b + 1].limit,
                   limits_.max_rows);
      return b + 1 == n ? b + 1 : b + 2;
    }
    return b;
  }

  Result<size_t> Scan(EventSource& source, const TimeRange& range, size_t b) {
    const auto& cmds = q_.commands;
    for (const Command& c : cmds) has_limit_ = has_limit_ || c.kind == CommandKind::kLimit;
    const size_t next = PlanHolder(b);
    auto& stats = stats_;
    auto& pattern = pattern_;
    auto& top = top_;
    const Timestamp start = clock_.Now();
    std::optional<Error> failure;
    int64_t seq = 0;
    auto ok = source.Scan(range, [&](const LogEvent& e) {
      if ((result_.records_scanned++ & 1023) == 0 && clock_.Now() - start > limits_.timeout_ms) {
        failure = Error(ErrorCode::kTooLarge,
                        "query exceeded its time limit of " + std::to_string(limits_.timeout_ms) +
                            " ms after reading " + std::to_string(result_.records_scanned - 1) +
                            " events; narrow the time range or raise --timeout");
        return false;
      }
      Row row = RowFromEvent(e, seq++);
      for (size_t i = 0; i < b; ++i) {
        if (!ApplyStreaming(cmds[i], row)) return true;
      }
      ++result_.records_matched;
      Result<void> added;
      if (stats) {
        added = stats->Add(row);
      } else if (pattern) {
        added = pattern->Add(row);
      } else if (top) {
        added = top->Add(std::move(row));
      } else if (static_cast<int64_t>(rows_.size()) >= limits_.max_rows) {
        added = RowLimit(limits_.max_rows);
      } else {
        rows_.push_back(std::move(row));
      }
      if (!added) failure = added.error();
      return added.has_value();
    });
    if (!ok) return std::unexpected(ok.error());
    if (failure) return std::unexpected(*failure);
    if (stats || pattern) {
      rows_ = stats ? stats->Finish() : pattern->Finish();
      ordered_ = true;
    } else if (top) {
      rows_ = top->Finish();
      ordered_ = true;
    }
    return next;
  }

  Result<void> ApplyHeld(const Command& c) {
    switch (c.kind) {
      case CommandKind::kStats: {
        StatsRunner stats(c, limits_);
        for (const Row& r : rows_) {
          if (auto ok = stats.Add(r); !ok) return ok;
        }
        rows_ = stats.Finish();
        ordered_ = true;
        return {};
      }
      case CommandKind::kPattern: {
        PatternRunner pattern(c, limits_.max_groups);
        for (const Row& r : rows_) {
          if (auto ok = pattern.Add(r); !ok) return ok;
        }
        rows_ = pattern.Finish();
        ordered_ = true;
        return {};
      }
      case CommandKind::kSort:
        SortRows(rows_, &c.keys);
        ordered_ = true;
        return {};
      case CommandKind::kLimit:
        if (!ordered_) SortRows(rows_, nullptr);
        ordered_ = true;
        if (static_cast<int64_t>(rows_.size()) > c.limit) rows_.resize(c.limit);
        return {};
      case CommandKind::kDedup:
        if (!ordered_) SortRows(rows_, nullptr);
        ordered_ = true;
        Dedup(rows_, c.dedup_fields);
        return {};
      default: {
        std::vector<Row> kept;
        for (Row& r : rows_) {
          if (ApplyStreaming(c, r)) kept.push_back(std::move(r));
        }
        rows_ = std::move(kept);
        return {};
      }
    }
  }

  const Query& q_;
  Clock& clock_;
  const QueryLimits& limits_;
  QueryResult result_;
  std::vector<Row> rows_;
  std::optional<StatsRunner> stats_;
  std::optional<PatternRunner> pattern_;
  std::optional<TopK> top_;
  bool ordered_ = false;
  bool has_limit_ = false;
};

}  // namespace

std::vector<std::string> ResultColumns(const Query& query) {
  std::vector<std::string> cols, parsed;
  bool set = false;
  bool fresh = true;  // the next fields command starts a new column list
  auto add = [](std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  for (const Command& c : query.commands) {
    switch (c.kind) {
      case CommandKind::kFields:
        if (fresh) cols.clear();
        set = true;
        fresh = false;
        for (const NamedExpr& item : c.items) add(cols, item.name);
        break;
      case CommandKind::kDisplay:
      case CommandKind::kStats:
        cols.clear();
        set = true;
        fresh = c.kind == CommandKind::kStats;
        for (const NamedExpr& g : c.by) add(cols, g.name);
        for (const NamedExpr& item : c.items) add(cols, item.name);
        break;
      case CommandKind::kPattern:
        cols = {"@pattern", "@sampleCount", "@ratio", "@sample"};
        set = true;
        fresh = true;
        break;
      case CommandKind::kParse:
        for (const std::string& n : c.captures) {
          if (!n.empty()) add(parsed, n);
        }
        break;
      default:
        break;
    }
  }
  if (!set) {
    cols = {"@timestamp", "@message"};
    for (const std::string& p : parsed) add(cols, p);
  }
  return cols;
}

Result<QueryResult> Execute(const Query& query, EventSource& source, const TimeRange& range,
                            Clock& clock, const QueryLimits& limits) {
  return Executor(query, clock, limits).Run(source, range);
}

}  // namespace fw::logs::insights

#include "logs/insights/executor.h"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <queue>
#include <thread>
#include <unordered_map>

#include "logs/civil_time.h"
#include "logs/insights/aggregate.h"
#include "logs/insights/eval.h"
#include "logs/insights/needs.h"
#include "logs/insights/pattern.h"
#include "logs/insights/stats_runner.h"

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

// The same UTC wall time a calendar month earlier; the day is clamped to the
// month's length (March 31 -> February 28).
Timestamp MonthEarlier(Timestamp t) {
  constexpr Timestamp kDay = 86'400'000;
  const Timestamp days = t >= 0 ? t / kDay : (t - kDay + 1) / kDay;
  const Timestamp in_day = t - days * kDay;
  int64_t y;
  int m, d;
  CivilFromDays(days, y, m, d);
  if (--m == 0) {
    m = 12;
    --y;
  }
  const int64_t next_month_first =
      m == 12 ? DaysFromCivil(y + 1, 1, 1) : DaysFromCivil(y, m + 1, 1);
  const int length = static_cast<int>(next_month_first - DaysFromCivil(y, m, 1));
  return DaysFromCivil(y, m, std::min(d, length)) * kDay + in_day;
}

// Joins pattern rows of the query's range (now) and of the baseline
// (before) by @pattern into diff rows, most grown first.
std::vector<Row> DiffPatterns(std::vector<Row> now, std::vector<Row> before) {
  struct Counts {
    double now = 0, before = 0;
    Value sample;
  };
  std::map<std::string, Counts> by_pattern;
  auto add = [&](std::vector<Row>& rows, bool is_now) {
    for (Row& r : rows) {
      const Value* pattern = r.Find("@pattern");
      const Value* count = r.Find("@sampleCount");
      if (!pattern || !count) continue;
      Counts& c = by_pattern[pattern->ToString()];
      (is_now ? c.now : c.before) = count->AsNumber().value_or(0);
      if (const Value* sample = r.Find("@sample"); sample && (is_now || c.sample.is_null())) {
        c.sample = *sample;
      }
    }
  };
  add(now, true);
  add(before, false);
  std::vector<Row> out;
  for (auto& [pattern, c] : by_pattern) {
    Row r;
    r.from_stats = true;
    r.Set("@pattern", Value::String(pattern));
    r.Set("@sampleCount", Value::Number(c.now));
    r.Set("@previousSampleCount", Value::Number(c.before));
    r.Set("@change", Value::Number(c.now - c.before));
    // A pattern the baseline never had has no percentage: it is new.
    r.Set("@changePercent",
          c.before > 0 ? Value::Number(std::round((c.now - c.before) / c.before * 1000) / 10)
                       : Value());
    r.Set("@sample", std::move(c.sample));
    out.push_back(std::move(r));
  }
  std::stable_sort(out.begin(), out.end(), [](const Row& a, const Row& b) {
    return a.Find("@change")->number() > b.Find("@change")->number();
  });
  for (size_t i = 0; i < out.size(); ++i) out[i].seq = static_cast<int64_t>(i);
  return out;
}

class Executor {
 public:
  // Runs commands [0, end) of q.
  Executor(const Query& q, Clock& clock, const QueryLimits& limits, size_t end)
      : q_(q), clock_(clock), limits_(limits), end_(end) {}

  Result<QueryResult> Run(EventSource& source, const TimeRange& range) {
    if (auto ok = Rows(source, range); !ok) return std::unexpected(ok.error());
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
  // Runs the commands into rows_ (ordered_ says whether they are in order).
  Result<void> Rows(EventSource& source, const TimeRange& range) {
    const auto& cmds = q_.commands;
    needs_ = AnalyzeNeeds(q_, range);
    ScanHints hints;
    hints.fields = &needs_.fields;
    if (needs_.line_filter) hints.line_filter = &needs_.line_filter;
    // The source applies the leading filter itself: skip it, and read only
    // what the commands after it need.
    if (needs_.line_filter && needs_.filter_exact && source.AppliesLineFilter()) {
      first_ = 1;
      hints.fields = &needs_.fields_after;
    }
    source.SetHints(hints);
    size_t b = 0;
    while (b < end_ && IsStreaming(cmds[b].kind)) ++b;
    auto scanned = Scan(source, range, b);
    if (!scanned) return std::unexpected(scanned.error());
    for (size_t i = *scanned; i < end_; ++i) {
      auto ok =
          cmds[i].kind == CommandKind::kDiff ? ApplyDiff(source, range, i) : ApplyHeld(cmds[i]);
      if (!ok) return std::unexpected(ok.error());
    }
    return {};
  }

  // The rows of the pattern before cmds[i] over the baseline range, joined
  // by template with those of the query's range.
  Result<void> ApplyDiff(EventSource& source, const TimeRange& range, size_t i) {
    auto base = BaselineRange(range, q_.commands[i].baseline);
    if (!base) return std::unexpected(base.error());
    Executor before(q_, clock_, limits_, i);
    if (auto ok = before.Rows(source, *base); !ok) return ok;
    result_.records_scanned += before.result_.records_scanned;
    result_.records_matched += before.result_.records_matched;
    rows_ = DiffPatterns(std::move(rows_), std::move(before.rows_));
    ordered_ = true;
    return {};
  }

  Result<TimeRange> BaselineRange(const TimeRange& range, DiffBaseline baseline) const {
    if (!range.start) {
      return Fail(ErrorCode::kInvalidArgument,
                  "diff needs the query's time range to compare with an earlier one: give "
                  "--start (and --end) or --since");
    }
    const Timestamp start = *range.start;
    const Timestamp end = range.end ? *range.end : clock_.Now();
    constexpr Timestamp kDay = 86'400'000;
    switch (baseline) {
      case DiffBaseline::kPrecedingRange:
        return TimeRange{start - (end - start), start};
      case DiffBaseline::kPreviousDay:
        return TimeRange{start - kDay, end - kDay};
      case DiffBaseline::kPreviousWeek:
        return TimeRange{start - 7 * kDay, end - 7 * kDay};
      case DiffBaseline::kPreviousMonth:
        return TimeRange{MonthEarlier(start), MonthEarlier(end)};
    }
    return TimeRange{};
  }

  // Streams events through commands [0, b) into the first holding command.
  // Returns the index of the first command still to apply to the held rows.
  // Chooses how the first holding command cmds[b] receives rows: a stats or
  // pattern runner, a top-k heap for (sort then) limit or the implicit limit,
  // or a plain vector. Returns the index of the first command left to apply.
  size_t PlanHolder(size_t b) {
    const auto& cmds = q_.commands;
    const size_t n = end_;
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

  // Per-thread scan state.
  struct Lane {
    int64_t scanned = 0, matched = 0, seq = 0;
    std::optional<Error> failure;
  };

  // Runs the streaming commands [0, b) on one event; nullopt when it is
  // filtered out or the time limit is hit (lane.failure set).
  std::optional<Row> Stream(Lane& lane, size_t b, Timestamp start, const LogEvent& e) const {
    if ((lane.scanned & 1023) == 0 && limits_.stop.stop_requested()) {
      lane.failure = Error(ErrorCode::kTimeout, "query was canceled after reading " +
                                                    std::to_string(lane.scanned) + " events");
      return std::nullopt;
    }
    if ((lane.scanned++ & 1023) == 0 && clock_.Now() - start > limits_.timeout_ms) {
      lane.failure =
          Error(ErrorCode::kTooLarge, "query exceeded its time limit of " +
                                          std::to_string(limits_.timeout_ms) +
                                          " ms after reading " + std::to_string(lane.scanned - 1) +
                                          " events; narrow the time range or raise --timeout");
      return std::nullopt;
    }
    Row row = RowFromEvent(e, lane.seq++);
    for (size_t i = first_; i < b; ++i) {
      if (!ApplyStreaming(q_.commands[i], row)) return std::nullopt;
    }
    ++lane.matched;
    return row;
  }

  Result<size_t> Scan(EventSource& source, const TimeRange& range, size_t b) {
    for (const Command& c : q_.commands) has_limit_ = has_limit_ || c.kind == CommandKind::kLimit;
    const size_t next = PlanHolder(b);
    const Timestamp start = clock_.Now();
    if (stats_ && limits_.threads > 1) {
      auto parts = source.Split(static_cast<size_t>(limits_.threads));
      if (!parts.empty()) return ScanParts(parts, range, b, start, next);
    }
    Lane lane;
    auto ok = source.Scan(range, [&](const LogEvent& e) {
      std::optional<Row> row = Stream(lane, b, start, e);
      if (!row) return !lane.failure;
      Result<void> added;
      if (stats_) {
        added = stats_->Add(*row);
      } else if (pattern_) {
        added = pattern_->Add(*row);
      } else if (top_) {
        row->Own();
        added = top_->Add(std::move(*row));
      } else if (static_cast<int64_t>(rows_.size()) >= limits_.max_rows) {
        added = RowLimit(limits_.max_rows);
      } else {
        row->Own();
        rows_.push_back(std::move(*row));
      }
      if (!added) lane.failure = added.error();
      return added.has_value();
    });
    result_.records_scanned += lane.scanned;
    result_.records_matched += lane.matched;
    if (!ok) return std::unexpected(ok.error());
    if (lane.failure) return std::unexpected(*lane.failure);
    if (stats_ || pattern_) {
      rows_ = stats_ ? stats_->Finish() : pattern_->Finish();
      ordered_ = true;
    } else if (top_) {
      rows_ = top_->Finish();
      ordered_ = true;
    }
    return next;
  }

  // Stats over the parts of a split source, one thread each, merged in order.
  Result<size_t> ScanParts(std::vector<std::unique_ptr<EventSource>>& parts, const TimeRange& range,
                           size_t b, Timestamp start, size_t next) {
    const Command& c = *stats_->command();
    std::vector<Lane> lanes(parts.size());
    std::vector<StatsRunner> runners;
    for (size_t i = 0; i < parts.size(); ++i) runners.emplace_back(c, limits_);
    std::vector<Result<void>> scanned(parts.size());
    {
      std::vector<std::jthread> threads;
      for (size_t i = 0; i < parts.size(); ++i) {
        threads.emplace_back([&, i] {
          Lane& lane = lanes[i];
          scanned[i] = parts[i]->Scan(range, [&](const LogEvent& e) {
            std::optional<Row> row = Stream(lane, b, start, e);
            if (!row) return !lane.failure;
            auto added = runners[i].Add(*row);
            if (!added) lane.failure = added.error();
            return added.has_value();
          });
        });
      }
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      result_.records_scanned += lanes[i].scanned;
      result_.records_matched += lanes[i].matched;
      if (!scanned[i]) return std::unexpected(scanned[i].error());
      if (lanes[i].failure) return std::unexpected(*lanes[i].failure);
    }
    for (size_t i = 1; i < runners.size(); ++i) {
      if (auto ok = runners[0].Merge(std::move(runners[i])); !ok)
        return std::unexpected(ok.error());
    }
    rows_ = runners[0].Finish();
    ordered_ = true;
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
  size_t end_;
  QueryResult result_;
  std::vector<Row> rows_;
  std::optional<StatsRunner> stats_;
  std::optional<PatternRunner> pattern_;
  std::optional<TopK> top_;
  bool ordered_ = false;
  bool has_limit_ = false;
  QueryNeeds needs_;
  size_t first_ = 0;  // the first streaming command to apply per event
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
      case CommandKind::kDiff:
        cols = {"@pattern", "@sampleCount",   "@previousSampleCount",
                "@change",  "@changePercent", "@sample"};
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
  return Executor(query, clock, limits, query.commands.size()).Run(source, range);
}

}  // namespace fw::logs::insights

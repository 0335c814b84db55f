#include "logs/insights/aggregate.h"

#include <algorithm>
#include <cmath>

namespace fw::logs::insights {

AggState::AggState(const Expr& agg) : agg_(&agg) {}

int AggState::Add(const Row& row) {
  const AggKind kind = agg_->agg;
  if (kind == AggKind::kCount && (agg_->args.empty() || agg_->args[0]->kind == ExprKind::kStar)) {
    ++count_;
    return 0;
  }
  const Value v = Eval(*agg_->args[0], row);
  if (v.is_null()) return 0;
  switch (kind) {
    case AggKind::kCount:
      ++count_;
      return 0;
    case AggKind::kCountDistinct:
      return distinct_.insert(v.ToString()).second ? 1 : 0;
    case AggKind::kEarliest:
    case AggKind::kLatest: {
      const bool better = count_ == 0 || (kind == AggKind::kEarliest ? row.time < best_time_
                                                                     : row.time > best_time_);
      if (better) {
        best_ = v;
        best_time_ = row.time;
      }
      ++count_;
      return 0;
    }
    case AggKind::kSortsFirst:
    case AggKind::kSortsLast: {
      const int c = count_ == 0 ? 0 : CompareForSort(v, best_);
      if (count_ == 0 || (kind == AggKind::kSortsFirst ? c < 0 : c > 0)) best_ = v;
      ++count_;
      return 0;
    }
    default:
      break;
  }
  const auto x = v.AsNumber();
  if (!x || std::isnan(*x)) return 0;
  if (count_ == 0) min_ = max_ = *x;
  min_ = std::min(min_, *x);
  max_ = std::max(max_, *x);
  all_times_ = all_times_ && v.kind() == Value::Kind::kTimestamp;
  ++count_;
  sum_ += *x;
  const double delta = *x - mean_;
  mean_ += delta / static_cast<double>(count_);
  m2_ += delta * (*x - mean_);
  if (kind == AggKind::kPct) {
    values_.push_back(*x);
    return 1;
  }
  return 0;
}

int AggState::Merge(AggState&& later) {
  if (later.count_ == 0 && later.distinct_.empty()) return 0;
  const AggKind kind = agg_->agg;
  switch (kind) {
    case AggKind::kCountDistinct: {
      int added = 0;
      for (auto& v : later.distinct_) added += distinct_.insert(v).second ? 1 : 0;
      return added;
    }
    case AggKind::kEarliest:
    case AggKind::kLatest: {
      // Ties go to the row read first: this state's.
      const bool better =
          count_ == 0 || (kind == AggKind::kEarliest ? later.best_time_ < best_time_
                                                     : later.best_time_ > best_time_);
      if (better) {
        best_ = std::move(later.best_);
        best_time_ = later.best_time_;
      }
      count_ += later.count_;
      return 0;
    }
    case AggKind::kSortsFirst:
    case AggKind::kSortsLast: {
      const int c = count_ == 0 ? 0 : CompareForSort(later.best_, best_);
      if (count_ == 0 || (kind == AggKind::kSortsFirst ? c < 0 : c > 0)) {
        best_ = std::move(later.best_);
      }
      count_ += later.count_;
      return 0;
    }
    default:
      break;
  }
  if (count_ == 0) {
    min_ = later.min_;
    max_ = later.max_;
  } else {
    min_ = std::min(min_, later.min_);
    max_ = std::max(max_, later.max_);
  }
  all_times_ = all_times_ && later.all_times_;
  // Chan et al.'s pairwise combination of running means and squares.
  const double n = static_cast<double>(count_), m = static_cast<double>(later.count_);
  const double delta = later.mean_ - mean_;
  mean_ += delta * m / (n + m);
  m2_ += later.m2_ + delta * delta * n * m / (n + m);
  sum_ += later.sum_;
  count_ += later.count_;
  const int added = static_cast<int>(later.values_.size());
  values_.insert(values_.end(), later.values_.begin(), later.values_.end());
  return added;
}

Value AggState::Result() const {
  const AggKind kind = agg_->agg;
  switch (kind) {
    case AggKind::kCount:
      return Value::Number(static_cast<double>(count_));
    case AggKind::kCountDistinct:
      return Value::Number(static_cast<double>(distinct_.size()));
    case AggKind::kEarliest:
    case AggKind::kLatest:
    case AggKind::kSortsFirst:
    case AggKind::kSortsLast:
      return best_;
    default:
      break;
  }
  if (count_ == 0) return {};  // no numeric values: null, not 0
  switch (kind) {
    case AggKind::kSum:
      return Value::Number(sum_);
    case AggKind::kAvg:
      return Value::Number(sum_ / static_cast<double>(count_));
    case AggKind::kMin:
      return all_times_ ? Value::Time(static_cast<Timestamp>(min_)) : Value::Number(min_);
    case AggKind::kMax:
      return all_times_ ? Value::Time(static_cast<Timestamp>(max_)) : Value::Number(max_);
    case AggKind::kStddev:
      return Value::Number(count_ < 2 ? 0 : std::sqrt(m2_ / static_cast<double>(count_ - 1)));
    case AggKind::kPct: {
      std::vector<double> v = values_;
      const double p = *agg_->args[1]->literal.AsNumber();
      const size_t n = v.size();
      size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(n)));
      rank = std::clamp<size_t>(rank, 1, n);
      std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(rank - 1), v.end());
      return Value::Number(v[rank - 1]);
    }
    default:
      return {};
  }
}

}  // namespace fw::logs::insights

#include "metrics/promql/histogram.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>

#include "metrics/promql/ast.h"
#include "metrics/promql/lexer.h"

namespace fw::metrics::promql {
namespace {

using Buckets = FloatHistogram::Buckets;

std::unexpected<Error> Bad(std::string msg) {
  return Fail(ErrorCode::kInvalidArgument, std::move(msg));
}

// Merges `b` into `a` (sign +1 adds, -1 subtracts), both sorted.
Buckets Merge(const Buckets& a, const Buckets& b, double sign) {
  std::map<int32_t, double> m(a.begin(), a.end());
  for (const auto& [i, c] : b) m[i] += sign * c;
  return Buckets(m.begin(), m.end());
}

// Re-indexes buckets of schema `from` into the coarser schema `to`.
Buckets Reduce(const Buckets& b, int32_t from, int32_t to) {
  if (from == to) return b;
  std::map<int32_t, double> m;
  for (const auto& [i, c] : b) m[((i - 1) >> (from - to)) + 1] += c;
  return Buckets(m.begin(), m.end());
}

// Re-buckets a custom-bucket histogram onto `bounds`, a subset of its own.
void ToCustomBounds(FloatHistogram& h, const std::vector<double>& bounds) {
  std::map<int32_t, double> m;
  for (const auto& [i, c] : h.positive) {
    const double upper = static_cast<size_t>(i) < h.custom_values.size()
                             ? h.custom_values[static_cast<size_t>(i)]
                             : INFINITY;
    const auto at = std::lower_bound(bounds.begin(), bounds.end(), upper);
    m[static_cast<int32_t>(at - bounds.begin())] += c;
  }
  h.positive.assign(m.begin(), m.end());
  h.custom_values = bounds;
}

double UpperBound(int32_t schema, int32_t index) {
  return std::exp2(std::ldexp(static_cast<double>(index), -schema));
}

// Moves buckets that lie within [-threshold, threshold] into the zero bucket.
void WidenZero(FloatHistogram& h, double threshold) {
  if (threshold <= h.zero_threshold) return;
  for (Buckets* side : {&h.positive, &h.negative}) {
    Buckets keep;
    for (const auto& [i, c] : *side) {
      if (UpperBound(h.schema, i) <= threshold)
        h.zero_count += c;
      else
        keep.emplace_back(i, c);
    }
    *side = std::move(keep);
  }
  h.zero_threshold = threshold;
}

Result<std::vector<double>> ParseList(std::string_view s) {
  std::vector<double> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) break;
    auto v = ParseNumberLiteral(s.substr(start, i - start));
    if (!v)
      return Bad("invalid histogram bucket \"" + std::string(s.substr(start, i - start)) + "\"");
    out.push_back(*v);
  }
  return out;
}

Buckets FromList(const std::vector<double>& counts, double offset) {
  Buckets out;
  for (size_t k = 0; k < counts.size(); ++k)
    out.emplace_back(static_cast<int32_t>(offset) + static_cast<int32_t>(k), counts[k]);
  return out;
}

Result<FloatHistogram::Hint> ParseHint(std::string_view v) {
  using Hint = FloatHistogram::Hint;
  if (v == "unknown") return Hint::kUnknown;
  if (v == "reset") return Hint::kReset;
  if (v == "not_reset") return Hint::kNotReset;
  if (v == "gauge") return Hint::kGauge;
  return Bad("invalid counter_reset_hint \"" + std::string(v) + "\"");
}

std::string ShowBuckets(const Buckets& b) {
  std::string s = "[";
  for (const auto& [i, c] : b)
    s += (s.size() > 1 ? " " : "") + std::to_string(i) + ":" + FormatFloat(c);
  return s + "]";
}

// Go's %g: the shortest digits that read back the same, in exponent form
// only for exponents below -4 or from 6 up.
std::string GoG(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  const int exp = v == 0 ? 0 : std::atoi(std::strchr(buf, 'e') + 1);
  if (exp < -4 || exp >= 6) return buf;
  std::snprintf(buf, sizeof buf, "%.*f", std::max(0, digits - 1 - exp), v);
  return buf;
}

}  // namespace

std::string FloatHistogram::GoString() const {
  std::string s = "{count:" + GoG(count) + ", sum:" + GoG(sum);
  auto bucket = [&](double lo, double hi, double c, char open, char close) {
    s += std::string(", ") + open + GoG(lo) + "," + GoG(hi) + close + ":" + GoG(c);
  };
  for (auto it = negative.rbegin(); it != negative.rend(); ++it) {
    if (it->second == 0) continue;
    auto [lo, hi] = Bounds(it->first, true);
    bucket(lo, hi, it->second, '[', ')');
  }
  if (zero_count != 0) bucket(-zero_threshold, zero_threshold, zero_count, '[', ']');
  for (const auto& [i, c] : positive) {
    if (c == 0) continue;
    auto [lo, hi] = Bounds(i, false);
    bucket(lo, hi, c, '(', ']');
  }
  return s + "}";
}

bool FloatHistogram::Add(const FloatHistogram& o, double sign, bool* reconciled) {
  if (UsesCustomBuckets() != o.UsesCustomBuckets()) return false;
  FloatHistogram other = o;
  if (UsesCustomBuckets() && custom_values != o.custom_values) {
    std::vector<double> shared;
    std::set_intersection(custom_values.begin(), custom_values.end(), o.custom_values.begin(),
                          o.custom_values.end(), std::back_inserter(shared));
    ToCustomBounds(*this, shared);
    ToCustomBounds(other, shared);
    if (reconciled) *reconciled = true;
  }
  if (!UsesCustomBuckets()) {
    const int32_t s = std::min(schema, o.schema);
    positive = Reduce(positive, schema, s), negative = Reduce(negative, schema, s);
    other.positive = Reduce(o.positive, o.schema, s);
    other.negative = Reduce(o.negative, o.schema, s);
    schema = other.schema = s;
    const double z = std::max(zero_threshold, o.zero_threshold);
    WidenZero(*this, z);
    WidenZero(other, z);
  }
  zero_count += sign * other.zero_count;
  count += sign * other.count;
  sum += sign * other.sum;
  positive = Merge(positive, other.positive, sign);
  negative = Merge(negative, other.negative, sign);
  return true;
}

void FloatHistogram::Scale(double f) {
  zero_count *= f, count *= f, sum *= f;
  for (auto& b : positive) b.second *= f;
  for (auto& b : negative) b.second *= f;
}

bool FloatHistogram::DetectReset(const FloatHistogram& prev) const {
  if (hint == Hint::kReset) return true;
  if (hint == Hint::kNotReset || hint == Hint::kGauge) return false;
  if (count < prev.count) return true;
  if (UsesCustomBuckets() != prev.UsesCustomBuckets()) return true;
  if (!UsesCustomBuckets() && schema > prev.schema) return true;
  if (zero_threshold < prev.zero_threshold) return true;
  FloatHistogram diff = *this;
  if (!diff.Add(prev, -1)) return true;
  if (diff.zero_count < 0) return true;
  for (const Buckets* side : {&diff.positive, &diff.negative}) {
    for (const auto& b : *side) {
      if (b.second < 0) return true;
    }
  }
  return false;
}

void FloatHistogram::Compact() {
  for (Buckets* side : {&positive, &negative}) {
    std::erase_if(*side, [](const auto& b) { return b.second == 0; });
  }
}

std::pair<double, double> FloatHistogram::Bounds(int32_t index, bool neg) const {
  if (UsesCustomBuckets()) {
    const double lo = index == 0 ? -INFINITY : custom_values[static_cast<size_t>(index) - 1];
    const double hi = static_cast<size_t>(index) < custom_values.size()
                          ? custom_values[static_cast<size_t>(index)]
                          : INFINITY;
    return {lo, hi};
  }
  const double lo = UpperBound(schema, index - 1), hi = UpperBound(schema, index);
  if (neg) return {-hi, -lo};
  return {lo, hi};
}

std::string FloatHistogram::ToString() const {
  std::string s = "{{schema:" + std::to_string(schema) + " count:" + FormatFloat(count) +
                  " sum:" + FormatFloat(sum);
  if (zero_count != 0 || zero_threshold != 0)
    s += " z_bucket:" + FormatFloat(zero_count) + " z_bucket_w:" + FormatFloat(zero_threshold);
  if (!positive.empty()) s += " buckets:" + ShowBuckets(positive);
  if (!negative.empty()) s += " n_buckets:" + ShowBuckets(negative);
  if (!custom_values.empty()) {
    s += " custom_values:[";
    for (size_t i = 0; i < custom_values.size(); ++i)
      s += (i ? " " : "") + FormatFloat(custom_values[i]);
    s += "]";
  }
  if (hint == Hint::kGauge) s += " counter_reset_hint:gauge";
  if (hint == Hint::kReset) s += " counter_reset_hint:reset";
  return s + "}}";
}

namespace {

// The fields of `{{...}}` before buckets are placed at their offsets.
struct Fields {
  FloatHistogram h;
  std::vector<double> pos, neg;
  double offset = 0, n_offset = 0;
};

Result<bool> SetField(Fields& f, std::string_view key, std::string_view value) {
  if (key == "buckets" || key == "n_buckets" || key == "custom_values") {
    auto list = ParseList(value);
    if (!list) return std::unexpected(list.error());
    (key == "buckets" ? f.pos : key == "n_buckets" ? f.neg : f.h.custom_values) = std::move(*list);
    return true;
  }
  if (key == "counter_reset_hint") {
    auto hint = ParseHint(value);
    if (!hint) return std::unexpected(hint.error());
    f.h.hint = *hint;
    return true;
  }
  auto v = ParseNumberLiteral(value);
  if (!v) return Bad("invalid histogram value \"" + std::string(value) + "\"");
  if (key == "schema")
    f.h.schema = static_cast<int32_t>(*v);
  else if (key == "sum")
    f.h.sum = *v;
  else if (key == "count")
    f.h.count = *v;
  else if (key == "z_bucket")
    f.h.zero_count = *v;
  else if (key == "z_bucket_w")
    f.h.zero_threshold = *v;
  else if (key == "offset")
    f.offset = *v;
  else if (key == "n_offset")
    f.n_offset = *v;
  else
    return Bad("unknown histogram field \"" + std::string(key) + "\"");
  return true;
}

}  // namespace

Result<FloatHistogram> ParseHistogram(std::string_view text) {
  if (!text.starts_with("{{") || !text.ends_with("}}"))
    return Bad("invalid histogram \"" + std::string(text) + "\"");
  std::string_view body = text.substr(2, text.size() - 4);
  Fields f;
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    if (i >= body.size()) break;
    const size_t colon = body.find(':', i);
    if (colon == std::string_view::npos) return Bad("expected key:value in histogram");
    std::string_view key = body.substr(i, colon - i);
    size_t end = colon + 1;
    std::string_view value;
    if (end < body.size() && body[end] == '[') {
      const size_t close = body.find(']', end);
      if (close == std::string_view::npos) return Bad("unterminated list in histogram");
      value = body.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      while (end < body.size() && !std::isspace(static_cast<unsigned char>(body[end]))) ++end;
      value = body.substr(colon + 1, end - colon - 1);
    }
    i = end;
    if (auto ok = SetField(f, key, value); !ok) return std::unexpected(ok.error());
  }
  f.h.positive = FromList(f.pos, f.offset);
  f.h.negative = FromList(f.neg, f.n_offset);
  return f.h;
}

bool HistogramsAlmostEqual(const FloatHistogram& a, const FloatHistogram& b, double epsilon) {
  auto same = [epsilon](double x, double y) {
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) && std::isnan(y);
    if (x == y) return true;
    const double diff = std::fabs(x - y);
    if (x == 0 || y == 0) return diff < 1e-12;
    return diff / std::max(std::fabs(x), std::fabs(y)) <= epsilon;
  };
  if (a.schema != b.schema || a.custom_values != b.custom_values) return false;
  if (!same(a.zero_threshold, b.zero_threshold) || !same(a.zero_count, b.zero_count)) return false;
  if (!same(a.count, b.count) || !same(a.sum, b.sum)) return false;
  FloatHistogram x = a, y = b;
  x.Compact(), y.Compact();
  for (auto [p, q] : {std::pair{&x.positive, &y.positive}, std::pair{&x.negative, &y.negative}}) {
    if (p->size() != q->size()) return false;
    for (size_t i = 0; i < p->size(); ++i) {
      if ((*p)[i].first != (*q)[i].first || !same((*p)[i].second, (*q)[i].second)) return false;
    }
  }
  return true;
}

}  // namespace fw::metrics::promql

// Canonical printing of the AST, matching Prometheus's String() methods so
// that Format(Parse(q)) agrees with what Prometheus shows for q.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/duration.h"
#include "metrics/promql/ast.h"

namespace fw::metrics::promql {
namespace {

bool IsLegacyName(std::string_view s, bool allow_colon) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string Dur(int64_t ms) { return FormatDuration(Millis(ms)); }

std::string OffsetText(int64_t ms) {
  if (ms > 0) return " offset " + Dur(ms);
  if (ms < 0) return " offset -" + Dur(-ms);
  return "";
}

// A duration written as an expression. After `offset` only an atom binds,
// so anything else is parenthesized to re-parse the same way.
std::string DurationExprText(const Expr& e, bool atom) {
  const bool is_atom =
      e.kind == NodeKind::kNumber || e.kind == NodeKind::kCall || e.kind == NodeKind::kParen ||
      (e.kind == NodeKind::kUnary && e.As<UnaryExpr>().expr->kind == NodeKind::kCall);
  return !atom || is_atom ? Format(e) : "(" + Format(e) + ")";
}

std::string OffsetText(int64_t ms, const ExprPtr& expr) {
  return expr ? " offset " + DurationExprText(*expr, true) : OffsetText(ms);
}

std::string RangeText(int64_t ms, const ExprPtr& expr) {
  return expr ? DurationExprText(*expr, false) : Dur(ms);
}

std::string ExtendedText(const VectorSelector& v) {
  if (v.anchored) return " anchored";
  if (v.smoothed) return " smoothed";
  return "";
}

std::string AtText(const AtModifier& at) {
  switch (at.kind) {
    case AtKind::kNone:
      return "";
    case AtKind::kStart:
      return " @ start()";
    case AtKind::kEnd:
      return " @ end()";
    case AtKind::kTimestamp: {
      char buf[64];
      std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(at.timestamp_ms) / 1000.0);
      return buf;
    }
  }
  return "";
}

std::string MatcherText(const LabelMatcher& m) {
  static constexpr std::string_view kOps[] = {"=", "!=", "=~", "!~"};
  std::string name = IsLegacyName(m.name, false) ? m.name : QuoteString(m.name);
  return name + std::string(kOps[static_cast<int>(m.type)]) + QuoteString(m.value);
}

// The selector without its offset and @ (a matrix selector puts them after
// the range).
std::string SelectorBody(const VectorSelector& v) {
  std::vector<std::string> parts;
  for (const auto& m : v.matchers) {
    if (m.name == kMetricNameLabel && m.type == MatchType::kEqual && m.value == v.name &&
        !m.value.empty()) {
      continue;
    }
    parts.push_back(MatcherText(m));
  }
  std::string name = v.name;
  if (!name.empty() && !IsLegacyName(name, true)) {
    parts.insert(parts.begin(), QuoteString(name));
    name.clear();
  } else {
    std::sort(parts.begin(), parts.end());
  }
  if (parts.empty()) return name;
  std::string out = name + "{";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out + "}";
}

std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    out += (i ? ", " : "") + (IsLegacyName(labels[i], false) ? labels[i] : QuoteString(labels[i]));
  }
  return out;
}

std::string FillText(const VectorMatching& m) {
  auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  if (m.fill_left && m.fill_right && same(*m.fill_left, *m.fill_right)) {
    return " fill(" + FormatFloat(*m.fill_left) + ")";
  }
  std::string out;
  if (m.fill_left) out += " fill_left(" + FormatFloat(*m.fill_left) + ")";
  if (m.fill_right) out += " fill_right(" + FormatFloat(*m.fill_right) + ")";
  return out;
}

std::string FormatBinary(const BinaryExpr& b) {
  std::string out = Format(*b.lhs) + " " + std::string(ToString(b.op));
  if (b.return_bool) out += " bool";
  if (b.matching && (b.matching->on || !b.matching->labels.empty())) {
    const auto& m = *b.matching;
    out += std::string(m.on ? " on" : " ignoring") + " (" + JoinLabels(m.labels) + ")";
    if (m.card == Cardinality::kManyToOne || m.card == Cardinality::kOneToMany) {
      out += std::string(m.card == Cardinality::kManyToOne ? " group_left" : " group_right") +
             " (" + JoinLabels(m.include) + ")";
    }
  }
  if (b.matching) out += FillText(*b.matching);
  return out + " " + Format(*b.rhs);
}

std::string FormatAggregate(const AggregateExpr& a) {
  std::string out(ToString(a.op));
  if (a.without) {
    out += " without (" + JoinLabels(a.grouping) + ") ";
  } else if (!a.grouping.empty()) {
    out += " by (" + JoinLabels(a.grouping) + ") ";
  }
  out += "(";
  if (a.param) out += Format(*a.param) + ", ";
  return out + Format(*a.expr) + ")";
}

}  // namespace

std::string FormatFloatFixed(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];  // DBL_MAX has 309 digits before the point
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

std::string FormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest round-trip digits, then Go's %v layout: exponent form when the
  // decimal exponent is < -4 or >= 6 (Go uses precision 6 for that test).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string mant = sci.substr(0, e);
  bool neg = mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits += c;
  }
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof eb, "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + eb;
  }
  if (exp < 0) return out + "0." + std::string(-exp - 1, '0') + digits;
  if (static_cast<int>(digits.size()) <= exp + 1) {
    return out + digits + std::string(exp + 1 - digits.size(), '0');
  }
  return out + digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
}

std::string QuoteString(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\v':
        out += "\\v";
        continue;
      default:
        break;
    }
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool valid = len > 0 && i + len <= s.size();
    for (int k = 1; valid && k < len; ++k) valid = (s[i + k] & 0xC0) == 0x80;
    if (valid && len > 1) {
      out.append(s.substr(i, len));
      i += len - 1;
    } else if (valid && c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + "\"";
}

std::string Format(const Expr& e) {
  switch (e.kind) {
    case NodeKind::kNumber: {
      const auto& n = e.As<NumberLiteral>();
      if (n.written_as_duration && std::isfinite(n.value)) {
        int64_t ms = std::llround(n.value * 1000);
        return ms < 0 ? "-" + Dur(-ms) : Dur(ms);
      }
      return FormatFloat(n.value);
    }
    case NodeKind::kString:
      return QuoteString(e.As<StringLiteral>().value);
    case NodeKind::kVectorSelector: {
      const auto& v = e.As<VectorSelector>();
      return SelectorBody(v) + AtText(v.at) + OffsetText(v.offset_ms, v.offset_expr) +
             ExtendedText(v);
    }
    case NodeKind::kMatrixSelector: {
      const auto& m = e.As<MatrixSelector>();
      return SelectorBody(*m.selector) + "[" + RangeText(m.range_ms, m.range_expr) + "]" +
             AtText(m.selector->at) + OffsetText(m.selector->offset_ms, m.selector->offset_expr) +
             ExtendedText(*m.selector);
    }
    case NodeKind::kSubquery: {
      const auto& s = e.As<SubqueryExpr>();
      const bool has_step = s.step_ms != 0 || s.step_expr;
      return Format(*s.expr) + "[" + RangeText(s.range_ms, s.range_expr) + ":" +
             (has_step ? RangeText(s.step_ms, s.step_expr) : "") + "]" + AtText(s.at) +
             OffsetText(s.offset_ms, s.offset_expr);
    }
    case NodeKind::kParen:
      return "(" + Format(*e.As<ParenExpr>().expr) + ")";
    case NodeKind::kUnary:
      return std::string(ToString(e.As<UnaryExpr>().op)) + Format(*e.As<UnaryExpr>().expr);
    case NodeKind::kBinary:
      return FormatBinary(e.As<BinaryExpr>());
    case NodeKind::kAggregate:
      return FormatAggregate(e.As<AggregateExpr>());
    case NodeKind::kCall: {
      const auto& c = e.As<Call>();
      std::string out = std::string(c.func->name) + "(";
      for (size_t i = 0; i < c.args.size(); ++i) out += (i ? ", " : "") + Format(*c.args[i]);
      return out + ")";
    }
  }
  return "";
}

}  // namespace fw::metrics::promql

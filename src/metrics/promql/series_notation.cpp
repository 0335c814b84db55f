// promtool series notation: the labels-and-values lines of promqltest
// scripts and rule unit tests.
#include <cctype>
#include <charconv>

#include "metrics/promql/lexer.h"
#include "metrics/promql/test_script.h"

namespace fw::metrics::promql {
namespace {

std::unexpected<Error> Bad(std::string msg) {
  return Fail(ErrorCode::kInvalidArgument, std::move(msg));
}

Result<uint64_t> ParseCount(std::string_view s) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || p != s.data() + s.size())
    return Bad("invalid repeat count \"" + std::string(s) + "\"");
  if (n > 1'000'000) return Bad("repeat count " + std::string(s) + " is too large");
  return n;
}

// "a", "a+b" or "a-b": the start value and the per-step delta.
Result<std::pair<double, double>> ParseStartAndDelta(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i) {
    if ((s[i] == '+' || s[i] == '-') && s[i - 1] != 'e' && s[i - 1] != 'E') {
      auto a = ParseNumberLiteral(s.substr(0, i));
      auto b = ParseNumberLiteral(s.substr(i + 1));
      if (!a || !b) break;
      return std::pair{*a, s[i] == '+' ? *b : -*b};
    }
  }
  auto a = ParseNumberLiteral(s);
  if (!a) return Bad("invalid series value \"" + std::string(s) + "\"");
  return std::pair{*a, 0.0};
}

Result<HistogramPtr> OneHistogram(std::string_view text) {
  auto h = ParseHistogram(text);
  if (!h) return std::unexpected(h.error());
  return std::make_shared<const FloatHistogram>(std::move(*h));
}

// `{{...}}`, `{{...}}xN`, or `{{a}}+{{d}}xN` (also `-`): a start histogram
// and N more, each adding d to the one before.
Result<bool> ExpandHistogramItem(std::string_view item, std::vector<SeriesValue>& out) {
  const size_t close = item.rfind("}}");
  if (close == std::string_view::npos)
    return Bad("unterminated histogram \"" + std::string(item) + "\"");
  std::string_view tail = item.substr(close + 2);
  uint64_t n = 0;
  if (!tail.empty()) {
    if (tail[0] != 'x') return Bad("invalid text after histogram: \"" + std::string(tail) + "\"");
    auto count = ParseCount(tail.substr(1));
    if (!count) return std::unexpected(count.error());
    n = *count;
  }
  std::string_view body = item.substr(0, close + 2);
  const size_t first_end = body.find("}}");
  double sign = 0;
  if (first_end + 2 < body.size()) sign = body[first_end + 2] == '-' ? -1 : 1;
  auto start = OneHistogram(body.substr(0, first_end + 2));
  if (!start) return std::unexpected(start.error());
  HistogramPtr delta;
  if (sign != 0) {
    auto d = OneHistogram(body.substr(first_end + 3));
    if (!d) return std::unexpected(d.error());
    delta = *d;
  }
  HistogramPtr cur = *start;
  out.push_back({SeriesValue::Kind::kHistogram, 0, cur});
  for (uint64_t i = 1; i <= n; ++i) {
    if (delta) {
      auto next = std::make_shared<FloatHistogram>(*cur);
      next->Add(*delta, sign);
      next->hint = cur->hint;
      cur = next;
    }
    out.push_back({SeriesValue::Kind::kHistogram, 0, cur});
  }
  return true;
}

Result<bool> ExpandItem(std::string_view item, std::vector<SeriesValue>& out) {
  using Kind = SeriesValue::Kind;
  if (item.starts_with("{{")) return ExpandHistogramItem(item, out);
  if (item == "_") return out.push_back({Kind::kOmitted, 0, nullptr}), true;
  if (item == "stale") return out.push_back({Kind::kStale, 0, nullptr}), true;
  const size_t x = item.rfind('x');
  // No hex in series notation: "0x5" is five repeats of 0.
  const bool repeated = x != std::string_view::npos && x + 1 < item.size() &&
                        std::isdigit(static_cast<unsigned char>(item[x + 1]));
  if (!repeated) {
    auto v = ParseNumberLiteral(item);
    if (!v) return Bad("invalid series value \"" + std::string(item) + "\"");
    out.push_back({Kind::kFloat, *v, nullptr});
    return true;
  }
  auto n = ParseCount(item.substr(x + 1));
  if (!n) return std::unexpected(n.error());
  std::string_view head = item.substr(0, x);
  if (head == "_") {  // _xN is N gaps, unlike axN which is N+1 values
    out.insert(out.end(), *n, SeriesValue{Kind::kOmitted, 0, nullptr});
    return true;
  }
  auto sd = ParseStartAndDelta(head);
  if (!sd) return std::unexpected(sd.error());
  double v = sd->first;
  out.push_back({Kind::kFloat, v, nullptr});
  for (uint64_t i = 1; i <= *n; ++i) {
    v += sd->second;  // accumulate like Prometheus, so float results agree
    out.push_back({Kind::kFloat, v, nullptr});
  }
  return true;
}

// Splits on whitespace, keeping `{{ ... }}` (and a suffix such as x3) whole.
std::vector<std::string_view> SplitItems(std::string_view text) {
  std::vector<std::string_view> items;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    size_t start = i;
    int depth = 0;
    while (i < text.size() && (depth > 0 || !std::isspace(static_cast<unsigned char>(text[i])))) {
      if (text[i] == '{') ++depth;
      if (text[i] == '}') --depth;
      ++i;
    }
    items.push_back(text.substr(start, i - start));
  }
  return items;
}

// Length of the labels half: `name`, `name{...}` or `{...}`.
size_t LabelsLength(std::string_view line) {
  size_t i = 0;
  while (i < line.size() &&
         (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_' || line[i] == ':')) {
    ++i;
  }
  if (i >= line.size() || line[i] != '{') return i;
  char quote = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '}') {
      return i + 1;
    }
  }
  return line.size();
}

Result<LabelSet> ParseLabels(std::string_view text) {
  auto toks = Lex(text);
  if (!toks) return std::unexpected(toks.error());
  LabelSet labels;
  size_t i = 0;
  const auto& t = *toks;
  if (t[i].kind == TokenKind::kIdentifier) labels.Set(kMetricNameLabel, t[i++].text);
  if (t[i].kind == TokenKind::kEof) return labels;
  if (t[i++].kind != TokenKind::kLeftBrace) return Bad("expected \"{\" in series labels");
  while (t[i].kind != TokenKind::kRightBrace) {
    const Token& name = t[i++];
    if (name.kind != TokenKind::kIdentifier && name.kind != TokenKind::kString) {
      return Bad("expected label name, got " + Describe(name));
    }
    if (name.kind == TokenKind::kString &&
        (t[i].kind == TokenKind::kComma || t[i].kind == TokenKind::kRightBrace)) {
      labels.Set(kMetricNameLabel, name.text);
    } else {
      if (t[i++].kind != TokenKind::kAssign) return Bad("expected \"=\" after label " + name.text);
      if (t[i].kind != TokenKind::kString)
        return Bad("expected string value for label " + name.text);
      labels.Set(name.text, t[i++].text);
    }
    if (t[i].kind == TokenKind::kComma)
      ++i;
    else if (t[i].kind != TokenKind::kRightBrace)
      return Bad("expected \",\" or \"}\" in labels");
  }
  if (t[i + 1].kind != TokenKind::kEof) return Bad("unexpected text after series labels");
  return labels;
}

}  // namespace

Result<std::vector<SeriesValue>> ExpandSeriesValues(std::string_view text) {
  std::vector<SeriesValue> out;
  for (std::string_view item : SplitItems(text)) {
    auto ok = ExpandItem(item, out);
    if (!ok) return std::unexpected(ok.error());
  }
  return out;
}

Result<SeriesLine> ParseSeriesLine(std::string_view line) {
  const size_t n = LabelsLength(line);
  if (n == 0) return Bad("expected series labels (metric{...} or {...}) at start of line");
  SeriesLine out;
  auto labels = ParseLabels(line.substr(0, n));
  if (!labels) return std::unexpected(labels.error());
  out.labels = std::move(*labels);
  if (line.substr(n).starts_with("@st")) {
    out.start_timestamps = true;
    return out;
  }
  auto values = ExpandSeriesValues(line.substr(n));
  if (!values) return std::unexpected(values.error());
  out.values = std::move(*values);
  for (const auto& v : out.values) out.has_histogram |= v.kind == SeriesValue::Kind::kHistogram;
  return out;
}

}  // namespace fw::metrics::promql

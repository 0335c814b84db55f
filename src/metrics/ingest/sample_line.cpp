// Sample lines: name, label set, value, timestamp and (OpenMetrics) exemplar.
// The hot path of the parser: no allocation unless a label value contains an
// escape, and then only until the reused buffer has grown to the line length.

#include <string>

#include "metrics/ingest/lex.h"
#include "metrics/ingest/parse_run.h"

namespace fw::metrics::ingest {

namespace {

// OpenMetrics caps an exemplar's label names plus values at 128 characters.
constexpr size_t kMaxExemplarChars = 128;

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool SuffixFits(MetricType type, std::string_view suffix, bool om) {
  switch (type) {
    case MetricType::kCounter:
      // Prometheus text names counters in full ("# TYPE x_total counter").
      return suffix == "_total" || suffix == "_created" || (!om && suffix.empty());
    case MetricType::kHistogram:
      return suffix == "_bucket" || suffix == "_count" || suffix == "_sum" || suffix == "_created";
    case MetricType::kGaugeHistogram:
      return suffix == "_bucket" || suffix == "_gcount" || suffix == "_gsum";
    case MetricType::kSummary:
      return suffix.empty() || suffix == "_count" || suffix == "_sum" || suffix == "_created";
    case MetricType::kInfo:
      return suffix == "_info";
    default:
      return suffix.empty();
  }
}

}  // namespace

size_t ParseRun::SkipBlanks(std::string_view line, size_t pos) const {
  while (pos < line.size() && lex::IsBlank(line[pos])) ++pos;
  return pos;
}

// The token at `pos`: up to the next separator (a space in OpenMetrics, a
// blank or tab in Prometheus text) or the end of the line.
std::string_view ParseRun::Token(std::string_view line, size_t pos) const {
  size_t end = pos;
  if (om_) {
    while (end < line.size() && line[end] != ' ') ++end;
  } else {
    while (end < line.size() && !lex::IsBlank(line[end])) ++end;
  }
  return line.substr(pos, end - pos);
}

// Moves past the separator before `what`: exactly one space in OpenMetrics,
// any run of blanks in Prometheus text. Fails if `what` is missing.
bool ParseRun::ExpectSeparator(std::string_view line, size_t* pos, std::string_view what) {
  size_t p = *pos;
  if (p < line.size() && (om_ ? line[p] == ' ' : lex::IsBlank(line[p]))) {
    p = om_ ? p + 1 : SkipBlanks(line, p);
    if (p < line.size() && line[p] != ' ') {
      *pos = p;
      return true;
    }
    if (p < line.size()) return Fail(p, "expected a single space before the " + std::string(what));
  }
  if (p >= line.size()) return Fail(p, "missing " + std::string(what));
  return Fail(p, "unexpected " + DescribeChar(line[p]) + " before the " + std::string(what));
}

bool ParseRun::ParseSample(std::string_view line, size_t pos) {
  const size_t name_len = lex::MetricNameLength(line.substr(pos));
  if (name_len == 0) {
    if (line[pos] == '{') return Fail(pos, "expected a metric name before '{'");
    return Fail(pos, "expected a metric name, found " + DescribeChar(line[pos]));
  }
  SampleView s;
  s.line = line_no_;
  s.name = line.substr(pos, name_len);
  const size_t series_begin = pos;
  size_t series_end = pos + name_len;
  pos = series_end;
  std::vector<LabelView>& labels = parser_.labels_;
  labels.clear();
  // Unescaped values (sample and exemplar together) never outgrow the line,
  // so this reservation keeps views into the buffer stable for the line.
  parser_.unescaped_.clear();
  if (parser_.unescaped_.capacity() < line.size()) parser_.unescaped_.reserve(line.size());
  const size_t brace = om_ ? pos : SkipBlanks(line, pos);
  if (brace < line.size() && line[brace] == '{') {
    pos = brace;
    if (!ParseLabels(line, &pos, &labels)) return false;
    series_end = pos;
  }
  s.series = line.substr(series_begin, series_end - series_begin);
  s.labels = labels;
  if (!ParseValueAndTimestamp(line, pos, &s)) return false;
  if (!ResolveFamily(&s)) return false;
  ++parser_.stats_.samples;
  out_.OnSample(s);
  return true;
}

bool ParseRun::ParseValueAndTimestamp(std::string_view line, size_t pos, SampleView* s) {
  if (!ExpectSeparator(line, &pos, "value")) return false;
  const std::string_view value = Token(line, pos);
  if (!lex::ParseValue(value, &s->value)) {
    return Fail(pos, "invalid value " + Quote(value) + " (expected a number, +Inf, -Inf or NaN)");
  }
  pos += value.size();
  if (!om_) pos = SkipBlanks(line, pos);
  if (pos == line.size()) return true;
  if (om_) {
    if (!ExpectSeparator(line, &pos, "timestamp or exemplar")) return false;
    if (line[pos] == '#') return ParseExemplar(line, pos);
  }
  const std::string_view ts = Token(line, pos);
  int64_t ms = 0;
  if (!(om_ ? lex::ParseSecondsAsMillis(ts, &ms) : lex::ParseMillis(ts, &ms))) {
    return Fail(pos, "invalid timestamp " + Quote(ts) +
                         (om_ ? " (expected seconds since the epoch, e.g. 1700000000.123)"
                              : " (expected integer milliseconds since the epoch)"));
  }
  s->timestamp_ms = ms;
  pos += ts.size();
  if (!om_) pos = SkipBlanks(line, pos);
  if (pos == line.size()) return true;
  if (om_) {
    if (!ExpectSeparator(line, &pos, "exemplar")) return false;
    if (line[pos] == '#') return ParseExemplar(line, pos);
  }
  return Fail(pos, "unexpected text after the timestamp");
}

// `*pos` is at '{'; on success it is just past the matching '}'.
bool ParseRun::ParseLabels(std::string_view line, size_t* pos, std::vector<LabelView>* out) {
  size_t p = *pos + 1;
  bool after_comma = false;
  for (;;) {
    if (!om_) p = SkipBlanks(line, p);
    if (p >= line.size()) return Fail(p, "missing '}' at the end of the label set");
    if (line[p] == '}') {
      if (om_ && after_comma) return Fail(p, "expected a label name after ','");
      break;
    }
    const size_t name_at = p;
    const size_t name_len = lex::LabelNameLength(line.substr(p));
    if (name_len == 0) {
      return Fail(p, line[p] == '"' ? "quoted label names are not supported"
                                    : "expected a label name, found " + DescribeChar(line[p]));
    }
    const std::string_view name = line.substr(p, name_len);
    p += name_len;
    if (!om_) p = SkipBlanks(line, p);
    if (p >= line.size() || line[p] != '=') {
      return Fail(p, "expected '=' after label name " + Quote(name));
    }
    p = om_ ? p + 1 : SkipBlanks(line, p + 1);
    std::string_view value;
    if (!ParseLabelValue(line, &p, name, &value)) return false;
    if (!CheckLabelName(*out, name, name_at)) return false;
    out->push_back(LabelView{name, value});
    if (!om_) p = SkipBlanks(line, p);
    if (p < line.size() && line[p] == ',') {
      ++p;
      after_comma = true;
      continue;
    }
    if (p < line.size() && line[p] == '}') break;
    if (p >= line.size()) return Fail(p, "missing '}' at the end of the label set");
    return Fail(p, "expected ',' or '}' after the value of label " + Quote(name) + ", found " +
                       DescribeChar(line[p]));
  }
  *pos = p + 1;
  return true;
}

bool ParseRun::CheckLabelName(const std::vector<LabelView>& labels, std::string_view name,
                              size_t offset) {
  if (name == "__name__") {
    return Fail(offset, "label name \"__name__\" is reserved for the metric name");
  }
  for (const LabelView& l : labels) {
    if (l.name == name) return Fail(offset, "duplicate label name " + Quote(name));
  }
  return true;
}

// `*pos` is at the opening quote; on success it is just past the closing
// one. Values without escapes are views into the line; others are unescaped
// into parser_.unescaped_ (reserved by the caller).
bool ParseRun::ParseLabelValue(std::string_view line, size_t* pos, std::string_view label,
                               std::string_view* value) {
  const size_t open = *pos;
  if (open >= line.size() || line[open] != '"') {
    return Fail(open, "expected '\"' to start the value of label " + Quote(label));
  }
  const size_t begin = open + 1;
  size_t i = begin;
  unsigned char high = 0;
  while (i < line.size() && line[i] != '"' && line[i] != '\\') {
    high |= static_cast<unsigned char>(line[i]);
    ++i;
  }
  if (i < line.size() && line[i] == '"') {
    *value = line.substr(begin, i - begin);
  } else {
    std::string& buf = parser_.unescaped_;
    const size_t out_begin = buf.size();
    buf.append(line.substr(begin, i - begin));
    while (i < line.size() && line[i] != '"') {
      const char c = line[i];
      if (c != '\\') {
        high |= static_cast<unsigned char>(c);
        buf.push_back(c);
        ++i;
        continue;
      }
      if (i + 1 >= line.size()) break;
      const char e = line[i + 1];
      if (e == '\\' || e == '"') {
        buf.push_back(e);
      } else if (e == 'n') {
        buf.push_back('\n');
      } else if (om_) {
        return Fail(i, "invalid escape sequence in the value of label " + Quote(label) +
                           " (use \\\\, \\\" or \\n)");
      } else {
        // Prometheus keeps unknown escapes as written.
        buf.push_back('\\');
        buf.push_back(e);
        high |= static_cast<unsigned char>(e);
      }
      i += 2;
    }
    if (i >= line.size()) {
      return Fail(open, "the value of label " + Quote(label) + " has no closing '\"'");
    }
    *value = std::string_view(buf.data() + out_begin, buf.size() - out_begin);
  }
  if ((high & 0x80) && !lex::IsValidUtf8(*value)) {
    return Fail(begin, "the value of label " + Quote(label) + " is not valid UTF-8");
  }
  *pos = i + 1;
  return true;
}

// " # {labels} value [timestamp]" after an OpenMetrics sample; `pos` is at
// '#'. Checked and counted, not delivered.
bool ParseRun::ParseExemplar(std::string_view line, size_t pos) {
  if (pos + 2 >= line.size() || line[pos + 1] != ' ' || line[pos + 2] != '{') {
    return Fail(pos, "expected \"# {\" to start an exemplar");
  }
  pos += 2;
  std::vector<LabelView>& labels = parser_.exemplar_;
  labels.clear();
  const size_t labels_at = pos;
  if (!ParseLabels(line, &pos, &labels)) return false;
  size_t chars = 0;
  for (const LabelView& l : labels) chars += lex::CodePoints(l.name) + lex::CodePoints(l.value);
  if (chars > kMaxExemplarChars) {
    return Fail(labels_at, "exemplar labels have " + std::to_string(chars) +
                               " characters; at most 128 are allowed");
  }
  if (!ExpectSeparator(line, &pos, "exemplar value")) return false;
  const std::string_view value = Token(line, pos);
  double v = 0;
  if (!lex::ParseValue(value, &v)) return Fail(pos, "invalid exemplar value " + Quote(value));
  pos += value.size();
  if (pos < line.size()) {
    if (!ExpectSeparator(line, &pos, "exemplar timestamp")) return false;
    const std::string_view ts = Token(line, pos);
    int64_t ms = 0;
    if (!lex::ParseSecondsAsMillis(ts, &ms)) {
      return Fail(pos, "invalid exemplar timestamp " + Quote(ts));
    }
    pos += ts.size();
    if (pos < line.size()) return Fail(pos, "unexpected text after the exemplar");
  }
  ++parser_.stats_.exemplars;
  return true;
}

// Finds the sample's family and type. OpenMetrics also enforces that
// families are contiguous and that sample names fit their family's type.
bool ParseRun::ResolveFamily(SampleView* s) {
  if (!family_.name.empty() && s->name.starts_with(family_.name)) {
    const std::string_view suffix = s->name.substr(family_.name.size());
    if (SuffixFits(family_.type, suffix, om_)) {
      s->family = family_.name;
      s->type = family_.type;
      family_.has_samples = true;
      return true;
    }
    if (om_ && suffix.empty()) {
      return Fail(0, "sample name " + Quote(s->name) + " does not fit the " +
                         std::string(MetricTypeName(family_.type)) + " family " +
                         Quote(family_.name) + " (check the suffix: _total, _bucket, ...)");
    }
  }
  s->family = s->name;
  s->type = MetricType::kUnknown;
  if (!om_) return true;
  // A sample outside the current family starts a family of its own, named
  // like the sample and without metadata.
  if (!parser_.seen_families_.insert(s->name).second) {
    return Fail(0, "metric family " + Quote(s->name) +
                       " appears again after other families (a family's lines must be "
                       "contiguous)");
  }
  family_ = Family{s->name, MetricType::kUnknown, false, false, false, true};
  return true;
}

}  // namespace fw::metrics::ingest

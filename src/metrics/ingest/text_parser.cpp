#include "metrics/ingest/text_parser.h"

#include <cstdio>
#include <cstring>

#include "metrics/ingest/lex.h"
#include "metrics/ingest/parse_run.h"

namespace fw::metrics::ingest {

namespace {

struct TypeName {
  std::string_view name;
  MetricType type;
};

// Prometheus text 0.0.4 knows five types; "untyped" is OpenMetrics' unknown.
constexpr TypeName kPromTypes[] = {
    {"counter", MetricType::kCounter},     {"gauge", MetricType::kGauge},
    {"histogram", MetricType::kHistogram}, {"summary", MetricType::kSummary},
    {"untyped", MetricType::kUnknown},
};
constexpr TypeName kOmTypes[] = {
    {"counter", MetricType::kCounter},     {"gauge", MetricType::kGauge},
    {"histogram", MetricType::kHistogram}, {"gaugehistogram", MetricType::kGaugeHistogram},
    {"summary", MetricType::kSummary},     {"info", MetricType::kInfo},
    {"stateset", MetricType::kStateSet},   {"unknown", MetricType::kUnknown},
};

template <size_t N>
bool LookupType(const TypeName (&table)[N], std::string_view name, MetricType* out) {
  for (const TypeName& t : table) {
    if (t.name == name) {
      *out = t.type;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string DescribeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  if (c == ' ') return "' '";
  if (c == '\t') return "'\\t'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", u);
  return buf;
}

Format FormatFromContentType(std::string_view content_type) {
  while (!content_type.empty() && content_type.front() == ' ') content_type.remove_prefix(1);
  constexpr std::string_view kOm = "application/openmetrics-text";
  if (content_type.size() < kOm.size()) return Format::kPrometheusText;
  for (size_t i = 0; i < kOm.size(); ++i) {
    char c = content_type[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kOm[i]) return Format::kPrometheusText;
  }
  return Format::kOpenMetrics;
}

std::string_view MetricTypeName(MetricType t) {
  for (const TypeName& n : kOmTypes) {
    if (n.type == t) return n.name;
  }
  return "unknown";
}

ParseRun::ParseRun(TextParser& parser, std::string_view text, SampleHandler& out,
                   std::string_view source_name)
    : parser_(parser),
      text_(text),
      out_(out),
      source_name_(source_name),
      om_(parser.format() == Format::kOpenMetrics) {}

bool ParseRun::Fail(size_t offset, std::string message) {
  error_offset_ = offset;
  error_message_ = std::move(message);
  return false;
}

Result<ParseStats> ParseRun::Run() {
  parser_.stats_ = {};
  parser_.seen_families_.clear();
  auto error = [&](int line, size_t offset) {
    return fw::Fail(ErrorCode::kInvalidArgument, error_message_,
                    SourceLocation{std::string(source_name_), line, static_cast<int>(offset + 1)});
  };
  size_t pos = 0;
  while (pos < text_.size()) {
    const char* begin = text_.data() + pos;
    const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', text_.size() - pos));
    const size_t len = nl ? static_cast<size_t>(nl - begin) : text_.size() - pos;
    const std::string_view line(begin, len);
    ++line_no_;
    ++parser_.stats_.lines;
    if (eof_) {
      Fail(0, "unexpected content after \"# EOF\", which must be the last line");
      return error(line_no_, error_offset_);
    }
    if (!ParseLine(line)) return error(line_no_, error_offset_);
    pos += len + 1;
  }
  if (om_ && !eof_) {
    // Point at the line where "# EOF" was expected.
    const bool ends_with_newline = !text_.empty() && text_.back() == '\n';
    Fail(0, "missing \"# EOF\" at the end of the OpenMetrics exposition (truncated?)");
    return error(line_no_ + (ends_with_newline || text_.empty() ? 1 : 0), 0);
  }
  return parser_.stats_;
}

bool ParseRun::ParseLine(std::string_view line) {
  if (om_) {
    if (line.empty()) return Fail(0, "empty line (OpenMetrics does not allow blank lines)");
    if (line[0] == '#') return ParseOmComment(line);
    return ParseSample(line, 0);
  }
  const size_t pos = SkipBlanks(line, 0);
  if (pos == line.size()) return true;  // blank line
  if (line[pos] == '#') return ParsePromComment(line, pos);
  return ParseSample(line, pos);
}

void ParseRun::Deliver(MetadataKind kind, std::string_view family, MetricType type,
                       std::string_view text) {
  MetadataView m;
  m.kind = kind;
  m.family = family;
  m.type = type;
  m.text = text;
  m.line = line_no_;
  ++parser_.stats_.metadata;
  out_.OnMetadata(m);
}

// Help text escapes: \\ and \n in both formats, \" too in OpenMetrics. The
// Prometheus text format keeps any other backslash literally (as Prometheus
// does); OpenMetrics rejects it.
bool ParseRun::UnescapeHelp(std::string_view line, size_t pos, std::string_view* help) {
  const std::string_view raw = line.substr(pos);
  if (raw.find('\\') == std::string_view::npos) {
    *help = raw;
    return true;
  }
  std::string& out = parser_.help_;
  out.clear();
  for (size_t i = pos; i < line.size(); ++i) {
    if (line[i] != '\\') {
      out += line[i];
      continue;
    }
    const char e = i + 1 < line.size() ? line[i + 1] : '\0';
    if (e == '\\' || (om_ && e == '"')) {
      out += e;
    } else if (e == 'n') {
      out += '\n';
    } else if (om_) {
      return Fail(i, "invalid escape sequence in help text (use \\\\, \\\" or \\n)");
    } else {
      out += '\\';
      continue;
    }
    ++i;
  }
  *help = out;
  return true;
}

// Prometheus text: "# HELP name text", "# TYPE name type"; any other line
// starting with '#' is a comment.
bool ParseRun::ParsePromComment(std::string_view line, size_t pos) {
  const size_t after_hash = pos + 1;
  pos = SkipBlanks(line, after_hash);
  if (pos == after_hash) return true;  // "#HELP" is a comment, as in Prometheus
  const std::string_view keyword = line.substr(pos, 4);
  const size_t kw_end = pos + 4;
  const bool is_help = keyword == "HELP", is_type = keyword == "TYPE";
  if ((!is_help && !is_type) || kw_end >= line.size() || !lex::IsBlank(line[kw_end])) {
    return true;
  }
  pos = SkipBlanks(line, kw_end);
  const size_t name_len = lex::MetricNameLength(line.substr(pos));
  if (name_len == 0) return Fail(pos, "expected a metric name after " + std::string(keyword));
  const std::string_view name = line.substr(pos, name_len);
  pos += name_len;
  if (pos < line.size() && !lex::IsBlank(line[pos])) {
    return Fail(pos, "unexpected " + DescribeChar(line[pos]) + " in metric name \"" +
                         std::string(name) + "\"");
  }
  pos = SkipBlanks(line, pos);
  if (is_help) {
    std::string_view help;
    if (!UnescapeHelp(line, pos, &help)) return false;
    Deliver(MetadataKind::kHelp, name, MetricType::kUnknown, help);
    return true;
  }
  const std::string_view type_name = Token(line, pos);
  MetricType type;
  if (type_name.empty())
    return Fail(pos, "expected a metric type after \"" + std::string(name) + "\"");
  if (!LookupType(kPromTypes, type_name, &type)) {
    return Fail(pos, "unknown metric type \"" + std::string(type_name) +
                         "\" (expected counter, gauge, histogram, summary or untyped)");
  }
  pos = SkipBlanks(line, pos + type_name.size());
  if (pos < line.size()) return Fail(pos, "unexpected text after the metric type");
  family_ = Family{name, type, true, false, false, false};
  Deliver(MetadataKind::kType, name, type, {});
  return true;
}

bool ParseRun::ParseOmComment(std::string_view line) {
  if (line == "# EOF") {
    eof_ = true;
    return true;
  }
  constexpr std::string_view kExpected =
      "expected \"# TYPE\", \"# HELP\", \"# UNIT\" or \"# EOF\" (OpenMetrics has no comments)";
  if (line.size() < 7 || line[1] != ' ' || line[6] != ' ') {
    if (line.starts_with("# EOF")) return Fail(5, "unexpected text after \"# EOF\"");
    return Fail(0, std::string(kExpected));
  }
  const std::string_view keyword = line.substr(2, 4);
  if (keyword == "TYPE") return ParseOmMetadata(line, MetadataKind::kType);
  if (keyword == "HELP") return ParseOmMetadata(line, MetadataKind::kHelp);
  if (keyword == "UNIT") return ParseOmMetadata(line, MetadataKind::kUnit);
  return Fail(2, std::string(kExpected));
}

// "# TYPE name type", "# HELP name text", "# UNIT name unit" with single
// spaces; `line` starts with "# XXXX ".
bool ParseRun::ParseOmMetadata(std::string_view line, MetadataKind kind) {
  constexpr size_t kNameAt = 7;
  const size_t name_len = lex::MetricNameLength(line.substr(kNameAt));
  if (name_len == 0) return Fail(kNameAt, "expected a metric name");
  const std::string_view name = line.substr(kNameAt, name_len);
  size_t pos = kNameAt + name_len;
  if (pos < line.size() && line[pos] != ' ') {
    return Fail(pos, "unexpected " + DescribeChar(line[pos]) + " after metric name \"" +
                         std::string(name) + "\"");
  }
  const bool has_text = pos < line.size();
  pos += has_text ? 1 : 0;
  if (!BeginOmMetadata(name, kind, kNameAt)) return false;
  const std::string_view rest = line.substr(pos);
  if (kind == MetadataKind::kType) {
    MetricType type;
    if (!has_text) return Fail(pos, "expected a metric type after \"" + std::string(name) + "\"");
    if (!LookupType(kOmTypes, rest, &type)) {
      return Fail(pos, "unknown metric type \"" + std::string(rest) +
                           "\" (expected counter, gauge, histogram, gaugehistogram, summary, "
                           "info, stateset or unknown)");
    }
    family_.type = type;
    Deliver(kind, name, type, {});
    return true;
  }
  if (kind == MetadataKind::kHelp) {
    std::string_view help;
    if (!UnescapeHelp(line, pos, &help)) return false;
    Deliver(kind, name, family_.type, help);
    return true;
  }
  for (size_t i = 0; i < rest.size(); ++i) {
    if (!lex::Chars().metric_char[static_cast<unsigned char>(rest[i])]) {
      return Fail(pos + i, "unexpected " + DescribeChar(rest[i]) + " in unit");
    }
  }
  if (!rest.empty() && !(name.size() > rest.size() && name.ends_with(rest) &&
                         name[name.size() - rest.size() - 1] == '_')) {
    return Fail(kNameAt, "metric name \"" + std::string(name) + "\" must end with \"_" +
                             std::string(rest) + "\" to have unit \"" + std::string(rest) + "\"");
  }
  Deliver(kind, name, family_.type, rest);
  return true;
}

// Starts or continues the family `name` for a metadata line: families must
// be contiguous, each kind of metadata appears once and before any sample.
bool ParseRun::BeginOmMetadata(std::string_view name, MetadataKind kind, size_t offset) {
  if (name != family_.name) {
    if (!parser_.seen_families_.insert(name).second) {
      return Fail(offset, "metric family \"" + std::string(name) +
                              "\" appears again after other families (a family's lines must "
                              "be contiguous)");
    }
    family_ = Family{name, MetricType::kUnknown, false, false, false, false};
  }
  static constexpr std::string_view kNames[] = {"TYPE", "HELP", "UNIT"};
  const std::string what = "# " + std::string(kNames[static_cast<int>(kind)]);
  if (family_.has_samples) {
    return Fail(0, what + " for \"" + std::string(name) + "\" must come before its samples");
  }
  bool& seen = kind == MetadataKind::kType   ? family_.has_type
               : kind == MetadataKind::kHelp ? family_.has_help
                                             : family_.has_unit;
  if (seen) return Fail(0, "duplicate " + what + " for \"" + std::string(name) + "\"");
  seen = true;
  return true;
}

Result<ParseStats> TextParser::Parse(std::string_view text, SampleHandler& out,
                                     std::string_view source_name) {
  ParseRun run(*this, text, out, source_name);
  return run.Run();
}

Result<ParseStats> ParseExposition(std::string_view text, Format format, SampleHandler& out,
                                   std::string_view source_name) {
  TextParser parser(format);
  return parser.Parse(text, out, source_name);
}

}  // namespace fw::metrics::ingest

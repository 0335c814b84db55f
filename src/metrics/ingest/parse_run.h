#pragma once
// ParseRun: the state of one TextParser::Parse call. Internal to fw_ingest.
//
// Line handling lives in text_parser.cpp (the loop, comments and metadata,
// family tracking); sample lines, label sets and exemplars in sample_line.cpp.
// Every Parse* member returns false after recording the first error with
// Fail(); the caller stops at once, so only one error is ever recorded.
// Offsets are 0-based byte positions in the current line; the error column is
// offset + 1.

#include <string>
#include <string_view>
#include <vector>

#include "metrics/ingest/text_parser.h"

namespace fw::metrics::ingest {

class ParseRun {
 public:
  ParseRun(TextParser& parser, std::string_view text, SampleHandler& out,
           std::string_view source_name);

  Result<ParseStats> Run();

 private:
  // The family the parser is inside: for OpenMetrics the current family
  // (metadata or samples); for Prometheus text the last # TYPE line.
  struct Family {
    std::string_view name;
    MetricType type = MetricType::kUnknown;
    bool has_type = false;
    bool has_help = false;
    bool has_unit = false;
    bool has_samples = false;
  };

  bool ParseLine(std::string_view line);
  bool ParsePromComment(std::string_view line, size_t pos);
  bool ParseOmComment(std::string_view line);
  bool ParseOmMetadata(std::string_view line, MetadataKind kind);
  bool BeginOmMetadata(std::string_view family, MetadataKind kind, size_t offset);
  bool UnescapeHelp(std::string_view line, size_t pos, std::string_view* help);
  void Deliver(MetadataKind kind, std::string_view family, MetricType type, std::string_view text);

  // sample_line.cpp
  bool ParseSample(std::string_view line, size_t pos);
  bool ParseValueAndTimestamp(std::string_view line, size_t pos, SampleView* s);
  bool ParseLabels(std::string_view line, size_t* pos, std::vector<LabelView>* out);
  bool ParseLabelValue(std::string_view line, size_t* pos, std::string_view label,
                       std::string_view* value);
  bool CheckLabelName(const std::vector<LabelView>& labels, std::string_view name, size_t offset);
  bool ParseExemplar(std::string_view line, size_t pos);
  bool ResolveFamily(SampleView* s);
  size_t SkipBlanks(std::string_view line, size_t pos) const;
  bool ExpectSeparator(std::string_view line, size_t* pos, std::string_view what);
  std::string_view Token(std::string_view line, size_t pos) const;

  bool Fail(size_t offset, std::string message);

  TextParser& parser_;
  std::string_view text_;
  SampleHandler& out_;
  std::string_view source_name_;
  const bool om_;
  int line_no_ = 0;
  bool eof_ = false;
  Family family_;
  size_t error_offset_ = 0;
  std::string error_message_;
};

// For error messages: `c` quoted, or as \xNN when not printable.
std::string DescribeChar(char c);

}  // namespace fw::metrics::ingest

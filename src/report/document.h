#pragma once
// The report as a small document of blocks (headings, paragraphs, fields,
// lists, checklists, tables, code), written once from the model and printed
// as Markdown or HTML, so both formats always say the same thing. Text in
// blocks is plain: each printer escapes it for its format. Internal to
// src/report.

#include <string>
#include <vector>

#include "report/model.h"

namespace fw::report {

struct Block {
  enum class Kind { kHeading, kParagraph, kFields, kList, kChecklist, kTable, kCode };
  Kind kind = Kind::kParagraph;
  int level = 2;                               // headings
  std::string text;                            // heading, paragraph, code
  std::vector<std::string> items;              // list, checklist; field labels
  std::vector<std::string> values;             // field values
  std::vector<bool> checked;                   // checklist
  std::vector<std::vector<std::string>> rows;  // table; rows[0] is the header
};

struct Document {
  std::string title;
  std::vector<Block> blocks;
};

Document BuildDocument(const ReportModel& m);

std::string PrintMarkdown(const Document& doc);
std::string PrintHtml(const Document& doc);

}  // namespace fw::report

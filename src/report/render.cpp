// Printing a report Document as Markdown or as a self-contained HTML page,
// and RenderReport, which picks the format.

#include <string>

#include "report/document.h"
#include "report/render_json.h"

namespace fw::report {
namespace {

// Markdown viewers render raw HTML, so a '<' in user text (notes, log
// messages) is escaped: without it no tag can start. Table cells also lose
// pipes and line breaks.
std::string MdText(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') {
      out += "&lt;";
    } else {
      out += c;
    }
  }
  return out;
}

std::string MdCell(const std::string& s) {
  std::string out;
  for (char c : MdText(s)) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out.empty() ? " " : out;
}

// A fence longer than any run of backticks inside, so code cannot end it.
std::string Fence(const std::string& code) {
  size_t longest = 0, run = 0;
  for (char c : code) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

void MdBlock(const Block& b, std::string& out) {
  switch (b.kind) {
    case Block::Kind::kHeading:
      out += std::string(b.level, '#') + " " + MdText(b.text) + "\n\n";
      break;
    case Block::Kind::kParagraph:
      out += MdText(b.text) + "\n\n";
      break;
    case Block::Kind::kFields:
      for (size_t i = 0; i < b.items.size(); ++i) {
        out += "- **" + MdText(b.items[i]) + ":** " + MdText(b.values[i]) + "\n";
      }
      out += "\n";
      break;
    case Block::Kind::kList:
      for (const std::string& item : b.items) out += "- " + MdText(item) + "\n";
      out += "\n";
      break;
    case Block::Kind::kChecklist:
      for (size_t i = 0; i < b.items.size(); ++i) {
        out += std::string(b.checked[i] ? "- [x] " : "- [ ] ") + MdText(b.items[i]) + "\n";
      }
      out += "\n";
      break;
    case Block::Kind::kTable:
      for (size_t r = 0; r < b.rows.size(); ++r) {
        out += "|";
        for (const std::string& cell : b.rows[r]) out += " " + MdCell(cell) + " |";
        out += "\n";
        if (r == 0) {
          out += "|";
          for (size_t c = 0; c < b.rows[0].size(); ++c) out += "---|";
          out += "\n";
        }
      }
      out += "\n";
      break;
    case Block::Kind::kCode: {
      const std::string fence = Fence(b.text);
      out += fence + "\n" + b.text + "\n" + fence + "\n\n";
      break;
    }
  }
}

std::string Html(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

constexpr const char* kStyle =
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;"
    "color:#1f2328;line-height:1.45}"
    "h1{border-bottom:2px solid #d0d7de;padding-bottom:.3rem}"
    "h2{border-bottom:1px solid #d0d7de;padding-bottom:.2rem;margin-top:2rem}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem;width:100%}"
    "th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}"
    "dt{font-weight:600}dd{margin:0}pre{background:#f6f8fa;padding:.75rem;overflow-x:auto}"
    "ul.checklist{list-style:none;padding-left:0}";

void HtmlBlock(const Block& b, std::string& out) {
  switch (b.kind) {
    case Block::Kind::kHeading: {
      const std::string tag = "h" + std::to_string(b.level);
      out += "<" + tag + ">" + Html(b.text) + "</" + tag + ">\n";
      break;
    }
    case Block::Kind::kParagraph:
      out += "<p>" + Html(b.text) + "</p>\n";
      break;
    case Block::Kind::kFields:
      out += "<dl>\n";
      for (size_t i = 0; i < b.items.size(); ++i) {
        out += "<dt>" + Html(b.items[i]) + "</dt><dd>" + Html(b.values[i]) + "</dd>\n";
      }
      out += "</dl>\n";
      break;
    case Block::Kind::kList:
      out += "<ul>\n";
      for (const std::string& item : b.items) out += "<li>" + Html(item) + "</li>\n";
      out += "</ul>\n";
      break;
    case Block::Kind::kChecklist:
      out += "<ul class=\"checklist\">\n";
      for (size_t i = 0; i < b.items.size(); ++i) {
        out += std::string("<li><input type=\"checkbox\" disabled") +
               (b.checked[i] ? " checked" : "") + "> " + Html(b.items[i]) + "</li>\n";
      }
      out += "</ul>\n";
      break;
    case Block::Kind::kTable:
      out += "<table>\n";
      for (size_t r = 0; r < b.rows.size(); ++r) {
        const char* cell = r == 0 ? "th" : "td";
        out += "<tr>";
        for (const std::string& c : b.rows[r]) {
          out += std::string("<") + cell + ">" + Html(c) + "</" + cell + ">";
        }
        out += "</tr>\n";
      }
      out += "</table>\n";
      break;
    case Block::Kind::kCode:
      out += "<pre><code>" + Html(b.text) + "</code></pre>\n";
      break;
  }
}

}  // namespace

std::string PrintMarkdown(const Document& doc) {
  std::string out = "# " + MdText(doc.title) + "\n\n";
  for (const Block& b : doc.blocks) MdBlock(b, out);
  while (out.ends_with("\n\n")) out.pop_back();
  return out;
}

std::string PrintHtml(const Document& doc) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<title>" + Html(doc.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>" + Html(doc.title) + "</h1>\n";
  for (const Block& b : doc.blocks) HtmlBlock(b, out);
  return out + "</body>\n</html>\n";
}

Result<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "markdown" || name == "md") return ReportFormat::kMarkdown;
  if (name == "json") return ReportFormat::kJson;
  if (name == "html") return ReportFormat::kHtml;
  return Fail(ErrorCode::kInvalidArgument, "unknown report format \"" + std::string(name) +
                                               "\" (accepted: markdown, md, json, html)");
}

std::string RenderReport(const ReportInput& in, ReportFormat format) {
  const ReportModel model = BuildModel(in);
  switch (format) {
    case ReportFormat::kJson:
      return RenderJson(model);
    case ReportFormat::kHtml:
      return PrintHtml(BuildDocument(model));
    case ReportFormat::kMarkdown:
      break;
  }
  return PrintMarkdown(BuildDocument(model));
}

}  // namespace fw::report

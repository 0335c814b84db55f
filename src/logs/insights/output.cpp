#include "logs/insights/output.h"

#include <algorithm>
#include <cmath>

#include "common/log.h"

namespace fw::logs::insights {
namespace {

void AppendJsonValue(std::string& out, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      out += "null";
      return;
    case Value::Kind::kNumber:
      out += std::isfinite(v.number()) ? FormatNumber(v.number()) : "null";
      return;
    case Value::Kind::kBool:
      out += v.Truthy() ? "true" : "false";
      return;
    default:
      AppendJsonString(out, v.ToString());
  }
}

std::string RenderJson(const QueryResult& r) {
  std::string out = "[";
  for (size_t i = 0; i < r.rows.size(); ++i) {
    out += i ? ",\n  {" : "\n  {";
    for (size_t c = 0; c < r.columns.size(); ++c) {
      if (c) out += ", ";
      AppendJsonString(out, r.columns[c]);
      out += ": ";
      AppendJsonValue(out, r.rows[i][c]);
    }
    out += "}";
  }
  out += r.rows.empty() ? "]\n" : "\n]\n";
  return out;
}

void AppendCsvField(std::string& out, const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) {
    out += s;
    return;
  }
  out += '"';
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string RenderCsv(const QueryResult& r) {
  std::string out;
  for (size_t c = 0; c < r.columns.size(); ++c) {
    if (c) out += ',';
    AppendCsvField(out, r.columns[c]);
  }
  out += "\r\n";
  for (const auto& row : r.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += ',';
      AppendCsvField(out, row[c].ToString());
    }
    out += "\r\n";
  }
  return out;
}

std::string RenderTable(const QueryResult& r) {
  std::vector<size_t> width(r.columns.size());
  std::vector<std::vector<std::string>> cells;
  for (size_t c = 0; c < r.columns.size(); ++c) width[c] = r.columns[c].size();
  for (const auto& row : r.rows) {
    std::vector<std::string> line;
    for (size_t c = 0; c < row.size(); ++c) {
      std::string s = row[c].ToString();
      std::replace(s.begin(), s.end(), '\n', ' ');
      width[c] = std::max(width[c], s.size());
      line.push_back(std::move(s));
    }
    cells.push_back(std::move(line));
  }
  auto emit = [&](std::string& out, const std::vector<std::string>& line) {
    for (size_t c = 0; c < line.size(); ++c) {
      if (c) out += " | ";
      out += line[c];
      if (c + 1 < line.size()) out.append(width[c] - line[c].size(), ' ');
    }
    out += '\n';
  };
  std::string out;
  emit(out, r.columns);
  for (size_t c = 0; c < width.size(); ++c) {
    if (c) out += "-+-";
    out.append(width[c], '-');
  }
  out += '\n';
  for (const auto& line : cells) emit(out, line);
  return out;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return Fail(ErrorCode::kInvalidArgument,
              "--format: unknown format \"" + std::string(name) + "\" (use table, json or csv)");
}

std::string Render(const QueryResult& result, OutputFormat format) {
  switch (format) {
    case OutputFormat::kJson:
      return RenderJson(result);
    case OutputFormat::kCsv:
      return RenderCsv(result);
    default:
      return RenderTable(result);
  }
}

}  // namespace fw::logs::insights

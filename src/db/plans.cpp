// Reading the engines' own words: EXPLAIN output and InnoDB's status text.

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "db/diagnose.h"

namespace fw::db {

bool Explainable(const std::string& sql) {
  size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  std::string head;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])) && head.size() < 8) {
    head += static_cast<char>(std::tolower(static_cast<unsigned char>(sql[i++])));
  }
  if (head != "select" && head != "with") return false;
  // One statement only: EXPLAIN must not carry a second one along.
  std::string body = sql;
  while (!body.empty() &&
         (std::isspace(static_cast<unsigned char>(body.back())) || body.back() == ';')) {
    body.pop_back();
  }
  return body.find(';') == std::string::npos && body.size() < 64 * 1024;
}

std::vector<rca::DbDigest> DigestsFromRows(const Rows& rows, const std::string& source) {
  std::vector<rca::DbDigest> out;
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    rca::DbDigest d;
    d.text = rows.Text(i, "text");
    d.calls = rows.Int(i, "calls", 0);
    d.mean_ms = rows.Num(i, "mean_ms");
    d.total_s = rows.Num(i, "total_s");
    d.rows_examined = rows.Int(i, "rows_examined", 0);
    d.rows_sent = rows.Int(i, "rows_sent", 0);
    d.source = source;
    out.push_back(std::move(d));
  }
  return out;
}

std::string BusiestStatement(const std::vector<rca::DbProcess>& processes, std::string* db) {
  std::map<std::string, std::pair<int, const rca::DbProcess*>> seen;
  for (const rca::DbProcess& p : processes) {
    const bool locked = p.wait.find("ock") != std::string::npos;  // Lock:..., "... lock"
    if (p.command != "Query" || p.time_s < 1 || locked || !Explainable(p.info)) continue;
    auto& [n, proc] = seen[p.info];
    ++n;
    proc = &p;
  }
  const std::pair<int, const rca::DbProcess*>* best = nullptr;
  std::string text;
  for (const auto& [t, v] : seen) {
    if (!best || v.first > best->first) {
      best = &v;
      text = t;
    }
  }
  if (best && db) *db = best->second->db;
  return text;
}

rca::DbPlan PlanFromMysqlExplain(const Rows& rows, const std::string& statement) {
  rca::DbPlan plan;
  plan.statement = statement;
  int64_t most = -1;
  for (size_t i = 0; i < rows.rows.size(); ++i) {
    const int64_t n = rows.Int(i, "rows", 0);
    std::string line;
    for (size_t c = 0; c < rows.columns.size(); ++c) {
      line += (c ? " " : "") + rows.columns[c] + "=" + rows.Text(i, c);
    }
    plan.text += line + "\n";
    if (n <= most) continue;
    most = n;
    plan.table = rows.Text(i, "table");
    plan.access = rows.Text(i, "type");
    plan.key = rows.Text(i, "key");
    plan.rows = n;
  }
  plan.full_scan = plan.access == "ALL" && plan.key.empty() && plan.rows >= 1000;
  return plan;
}

rca::DbPlan PlanFromPostgresExplain(const std::vector<std::string>& lines,
                                    const std::string& statement) {
  rca::DbPlan plan;
  plan.statement = statement;
  static const RE2 kScan(
      R"((Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan)(?: using (\S+))? on (\S+).*rows=(\d+))");
  int64_t most = -1;
  for (const std::string& line : lines) {
    plan.text += line + "\n";
    std::string access, key, table;
    int64_t rows = 0;
    if (!RE2::PartialMatch(line, kScan, &access, &key, &table, &rows)) continue;
    const bool seq = access == "Seq Scan";
    // A sequential scan outranks index scans: it is what a missing index looks like.
    if (plan.full_scan && !seq) continue;
    if (seq == plan.full_scan && rows <= most) continue;
    most = rows;
    plan.access = access;
    plan.table = table;
    plan.rows = rows;
    plan.key = seq ? "" : key;
    plan.full_scan = seq;
  }
  return plan;
}

std::string LatestDeadlock(const std::string& status) {
  const std::string head = "LATEST DETECTED DEADLOCK";
  const size_t at = status.find(head);
  if (at == std::string::npos) return "";
  size_t begin = status.find('\n', at);
  if (begin == std::string::npos) return "";
  begin = status.find('\n', begin + 1);  // the dashes under the heading
  if (begin == std::string::npos) return "";
  size_t end = status.find("\nTRANSACTIONS\n", begin);
  if (end == std::string::npos) end = status.size();
  // The section ends with the next heading's dashes.
  const size_t dashes = status.rfind("\n------------", end);
  if (dashes != std::string::npos && dashes > begin) end = dashes;
  std::string out = status.substr(begin + 1, end - begin - 1);
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out;
}

}  // namespace fw::db

// Scrape config parsing: the data-driven cases in testdata/scrape_config.test
// plus what a table cannot say well.

#include "metrics/ingest/scrape_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace fw::metrics::ingest {
namespace {

struct Case {
  std::string name, yaml, expect;
  int line = 0;  // of "=== name" in the test file
};

std::vector<Case> LoadCases(const std::string& path) {
  std::ifstream in(path);
  std::vector<Case> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.starts_with("=== ")) {
      out.push_back({line.substr(4), "", "", n});
    } else if (line.starts_with("--- ") && !out.empty()) {
      out.back().expect = line.substr(4);
    } else if (!out.empty() && out.back().expect.empty()) {
      out.back().yaml += line + "\n";
    }
  }
  return out;
}

// The facts an "--- ok key=value" line may check, for the first job.
std::map<std::string, std::string> Facts(const ScrapeSettings& s) {
  std::map<std::string, std::string> f;
  f["jobs"] = std::to_string(s.scrape_configs.size());
  f["targets"] = std::to_string(s.StaticTargetCount());
  if (s.scrape_configs.empty()) return f;
  const ScrapeConfig& c = s.scrape_configs[0];
  f["interval"] = FormatDuration(c.scrape_interval);
  f["timeout"] = FormatDuration(c.scrape_timeout);
  f["path"] = c.metrics_path;
  f["honor_labels"] = c.honor_labels ? "true" : "false";
  f["honor_timestamps"] = c.honor_timestamps ? "true" : "false";
  f["sample_limit"] = std::to_string(c.sample_limit);
  f["label_limit"] = std::to_string(c.label_limit);
  f["label_name_length_limit"] = std::to_string(c.label_name_length_limit);
  f["label_value_length_limit"] = std::to_string(c.label_value_length_limit);
  f["body_size_limit"] = std::to_string(c.body_size_limit);
  f["sd"] = std::to_string(c.http_sd_configs.size());
  if (!c.http_sd_configs.empty()) {
    f["sd_refresh"] = FormatDuration(c.http_sd_configs[0].refresh_interval);
  }
  for (const auto& [k, v] : c.params) f["params"] += k + "=" + v;
  f["bearer"] = c.bearer_token;
  if (c.basic_auth) f["basic"] = c.basic_auth->username + ":" + c.basic_auth->password;
  return f;
}

TEST(ScrapeConfigTest, DataDrivenCases) {
  const std::string file =
      std::string(FW_SOURCE_DIR) + "/tests/metrics/ingest/testdata/scrape_config.test";
  const std::vector<Case> cases = LoadCases(file);
  ASSERT_GT(cases.size(), 20u);
  for (const Case& c : cases) {
    SCOPED_TRACE(file + ":" + std::to_string(c.line) + ": " + c.name);
    auto parsed = ParseScrapeSettings(c.yaml, "case.yml");
    std::istringstream expect(c.expect);
    std::string kind;
    expect >> kind;
    if (kind == "ok") {
      ASSERT_TRUE(parsed) << parsed.error().ToString();
      const auto facts = Facts(*parsed);
      std::string kv;
      while (expect >> kv) {
        const size_t eq = kv.find('=');
        ASSERT_NE(eq, std::string::npos) << kv;
        const auto it = facts.find(kv.substr(0, eq));
        ASSERT_NE(it, facts.end()) << "unknown fact " << kv;
        EXPECT_EQ(it->second, kv.substr(eq + 1)) << kv;
      }
      continue;
    }
    ASSERT_EQ(kind, "error") << "bad expectation: " << c.expect;
    std::string where, text;
    expect >> where;
    std::getline(expect >> std::ws, text);
    ASSERT_FALSE(parsed) << "expected an error containing: " << text;
    const Error& e = parsed.error();
    EXPECT_EQ(e.where().file, "case.yml");
    EXPECT_EQ(std::to_string(e.where().line) + ":" + std::to_string(e.where().column), where)
        << e.ToString();
    EXPECT_NE(e.message().find(text), std::string::npos) << e.ToString();
  }
}

TEST(ScrapeConfigTest, ReportsEveryError) {
  std::vector<Error> all;
  auto r = ParseScrapeSettings(
      "scrape_configs:\n"
      "  - job_name: a\n"
      "    scheme: https\n"
      "  - job_name: b\n"
      "    metrics_path: x\n"
      "    bogus: 1\n",
      "f.yml", &all);
  ASSERT_FALSE(r);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].ToString().rfind("f.yml:3:13: scrape_configs[0].scheme", 0), 0u)
      << all[0].ToString();
  EXPECT_NE(all[1].ToString().find("f.yml:6:5: scrape_configs[1].bogus"), std::string::npos)
      << all[1].ToString();
  EXPECT_NE(all[2].ToString().find("metrics_path"), std::string::npos);
}

TEST(ScrapeConfigTest, StaticLabelsAndParamsAreKept) {
  auto r = ParseScrapeSettings(
      "scrape_configs:\n"
      "  - job_name: a\n"
      "    params: {module: [x, y]}\n"
      "    static_configs:\n"
      "      - targets: ['h:1']\n"
      "        labels: {env: prod, team: sre}\n",
      "f.yml");
  ASSERT_TRUE(r) << r.error().ToString();
  const ScrapeConfig& c = r->scrape_configs[0];
  ASSERT_EQ(c.params.size(), 2u);
  EXPECT_EQ(c.params[1].second, "y");
  EXPECT_EQ(c.static_configs[0].labels.ToString(), "{env=\"prod\",team=\"sre\"}");
}

TEST(ScrapeConfigTest, OddDocumentsAreErrorsNotCrashes) {
  for (const char* doc :
       {"- a\n", "42\n", "scrape_configs: [1, 2]\n", "scrape_configs: [{job_name: {a: b}}]\n",
        "global: [1]\n", "scrape_configs: [{job_name: a, static_configs: [{targets: [[1]]}]}]\n",
        "scrape_configs: [{job_name: a, params: {x: 1}}]\n",
        "scrape_configs: [{job_name: a, params: [1]}]\n",
        "scrape_configs: [{job_name: a, static_configs: [{labels: [1]}]}]\n",
        "scrape_configs: [{job_name: a, http_sd_configs: {url: x}}]\n",
        "scrape_configs: [{job_name: a, authorization: yes}]\n",
        "scrape_configs: [{job_name: a, sample_limit: 99999999999999999999}]\n", "{? [a]: b}\n"}) {
    std::vector<Error> all;
    auto r = ParseScrapeSettings(doc, "odd.yml", &all);
    ASSERT_FALSE(r) << doc;
    EXPECT_EQ(r.error().where().file, "odd.yml") << doc;
    EXPECT_GE(r.error().where().line, 1) << doc;
    EXPECT_FALSE(all.empty()) << doc;
  }
}

}  // namespace
}  // namespace fw::metrics::ingest

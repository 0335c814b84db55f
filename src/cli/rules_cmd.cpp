// `firewatch check rules FILE...` validates Prometheus rule files;
// `firewatch test rules FILE...` runs promtool-format rule unit tests.

#include <CLI/CLI.hpp>
#include <iostream>

#include "alerting/rule_file.h"
#include "alerting/rule_test.h"
#include "cli/commands.h"
#include "common/error.h"

namespace fw::cli {
namespace {

void CheckRules(const std::vector<std::string>& files, ExitStatus& status) {
  for (const std::string& f : files) {
    std::cout << "Checking " << f << "\n";
    const alerting::ParsedRules parsed = alerting::LoadRuleFile(f);
    if (!parsed.errors.empty()) {
      std::cout << "  FAILED:\n";
      for (const Error& e : parsed.errors) std::cout << "    " << e.ToString() << "\n";
      status.code = 2;
      continue;
    }
    std::cout << "  SUCCESS: " << parsed.rule_count() << " rules found\n";
  }
}

void TestRules(const std::vector<std::string>& files, ExitStatus& status) {
  for (const std::string& f : files) {
    std::cout << "Unit Testing: " << f << "\n";
    auto report = alerting::RunRuleTestFile(f);
    if (!report) {
      std::cout << "  FAILED:\n    " << report.error().ToString() << "\n";
      status.code = 2;
      continue;
    }
    if (report->messages.empty()) {
      std::cout << "  SUCCESS (" << report->tests << " tests, " << report->checks << " checks)\n";
      continue;
    }
    std::cout << "  FAILED:\n";
    for (const std::string& m : report->messages) std::cout << "    " << m << "\n";
    if (status.code == 0) status.code = 1;
  }
}

}  // namespace

void AddCheckRules(CLI::App& check, ExitStatus& status) {
  auto* rules = check.add_subcommand(
      "rules", "Validate Prometheus rule files: PromQL, templates, names (exit 2 when invalid)");
  static std::vector<std::string> files;
  rules->add_option("files", files, "Rule files")->required();
  rules->callback([&status] { CheckRules(files, status); });
}

void RegisterTest(CLI::App& app, ExitStatus& status) {
  auto* test = app.add_subcommand("test", "Run unit tests");
  test->require_subcommand(1);
  auto* rules = test->add_subcommand(
      "rules",
      "Run rule unit tests in promtool's format (exit 1 when a test fails, 2 when a file is bad)");
  static std::vector<std::string> files;
  rules->add_option("files", files, "Test files (YAML: rule_files, tests)")->required();
  rules->callback([&status] { TestRules(files, status); });
}

}  // namespace fw::cli

// Runs tests/sim/testdata/scenarios.test: each block runs a built-in scenario
// (with any operator actions) and checks window statistics against bounds.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "common/duration.h"
#include "sim/builtin_scenarios.h"
#include "sim/summary.h"
#include "sim/world.h"

namespace fw::sim {
namespace {

struct Check {
  int line;
  std::string stat, route, op;
  double a = 0, b = 0;
};

struct WindowCheck {
  int64_t from, to;
  std::vector<Check> checks;
};

struct Case {
  int line;
  std::string scenario;
  std::vector<std::pair<int64_t, ActionSpec>> actions;
  std::vector<WindowCheck> windows;
};

int64_t Offset(const std::string& s) {
  auto d = ParseDuration(s);
  EXPECT_TRUE(d.has_value()) << s;
  return d ? d->count() : 0;
}

std::vector<Case> ParseFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<Case> cases;
  std::string text;
  int line = 0;
  while (std::getline(in, text)) {
    ++line;
    std::istringstream ss(text);
    std::string word;
    if (!(ss >> word) || word[0] == '#') continue;
    if (word == "run") {
      cases.push_back(Case{line, "", {}, {}});
      ss >> cases.back().scenario;
    } else if (cases.empty()) {
      ADD_FAILURE() << path << ":" << line << ": '" << word << "' before any 'run'";
      return cases;
    } else if (word == "at") {
      std::string at, kw, type, arg;
      ss >> at >> kw >> type >> arg;
      ActionSpec a;
      auto t = ParseActionType(type);
      EXPECT_TRUE(t.has_value()) << path << ":" << line;
      a.type = t.value_or(ActionType::kRollback);
      a.actor = "test";
      if (a.type == ActionType::kKillDbConnections || a.type == ActionType::kScale) {
        a.value = arg.empty() ? 0 : std::stod(arg);
      } else {
        a.target = arg;
      }
      cases.back().actions.push_back({Offset(at), a});
    } else if (word == "window") {
      std::string from, to;
      ss >> from >> to;
      cases.back().windows.push_back(WindowCheck{Offset(from), Offset(to), {}});
    } else if (cases.back().windows.empty()) {
      ADD_FAILURE() << path << ":" << line << ": an expectation before any 'window'";
      return cases;
    } else {
      Check c{line, word, "", "", 0, 0};
      if (word.starts_with("route_")) ss >> c.route;
      if (!(ss >> c.op >> c.a) || (c.op == "between" && !(ss >> c.b))) {
        ADD_FAILURE() << path << ":" << line << ": expected 'STAT op VALUE'";
        continue;
      }
      cases.back().windows.back().checks.push_back(c);
    }
  }
  return cases;
}

double Stat(const WindowStats& w, const Check& c) {
  static const std::map<std::string, double WindowStats::*> kFields = {
      {"error_rate", &WindowStats::error_rate},
      {"mean_latency", &WindowStats::mean_latency},
      {"p95", &WindowStats::p95},
      {"cpu", &WindowStats::cpu},
      {"cpu_max", &WindowStats::cpu_max},
      {"db_share", &WindowStats::db_share},
      {"db_share_max", &WindowStats::db_share_max},
      {"pool_pending", &WindowStats::pool_pending},
      {"heap_max", &WindowStats::heap_max},
      {"in_service", &WindowStats::in_service},
      {"healthy", &WindowStats::healthy},
  };
  if (auto it = kFields.find(c.stat); it != kFields.end()) return w.*(it->second);
  if (c.stat == "oom_kills") return static_cast<double>(w.oom_kills);
  if (c.stat == "slow_queries") return static_cast<double>(w.slow_queries);
  if (c.stat == "lock_waits") return static_cast<double>(w.lock_waits);
  const int r = RouteFromPath(c.route);
  EXPECT_GE(r, 0) << "line " << c.line << ": unknown route " << c.route;
  if (r < 0) return 0;
  if (c.stat == "route_error_rate") return w.route_error_rate[r];
  if (c.stat == "route_latency") return w.route_latency[r];
  ADD_FAILURE() << "line " << c.line << ": unknown stat " << c.stat;
  return 0;
}

TEST(ScenarioBehaviourTest, BuiltinScenariosShowTheirSignatures) {
  const auto cases = ParseFile(std::string(FW_SOURCE_DIR) + "/tests/sim/testdata/scenarios.test");
  ASSERT_GE(cases.size(), 9u);
  for (const Case& tc : cases) {
    SCOPED_TRACE("scenarios.test:" + std::to_string(tc.line) + " run " + tc.scenario);
    auto sc = LoadBuiltinScenario(tc.scenario);
    ASSERT_TRUE(sc.has_value()) << sc.error().ToString();
    Simulator sim(std::move(*sc));
    for (const auto& [at, action] : tc.actions) {
      sim.RunUntil(sim.scenario().start + at);
      const ActionResult r = sim.Apply(action);
      EXPECT_TRUE(r.accepted) << r.message;
    }
    sim.RunUntil(sim.end());
    for (const WindowCheck& win : tc.windows) {
      const WindowStats ws = Window(sim, win.from, win.to);
      for (const Check& c : win.checks) {
        const double v = Stat(ws, c);
        const std::string where = "line " + std::to_string(c.line) + ": " + c.stat + " " + c.route +
                                  " = " + std::to_string(v);
        if (c.op == "<")
          EXPECT_LT(v, c.a) << where;
        else if (c.op == ">")
          EXPECT_GT(v, c.a) << where;
        else if (c.op == "between") {
          EXPECT_GE(v, c.a) << where;
          EXPECT_LE(v, c.b) << where;
        } else {
          ADD_FAILURE() << "line " << c.line << ": unknown operator " << c.op;
        }
      }
    }
  }
}

}  // namespace
}  // namespace fw::sim

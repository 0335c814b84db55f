// Data-driven router tests: each testdata/router/*.test file holds a routing
// config and a script of alerts put into the router, flushes with the
// notifications they must produce, and explanations they must contain.
//
//   config                         the YAML up to a line "end"
//   base 2026-03-29T00:00:00Z      times may then be written as offsets (+90s)
//   T fire NAME [label=value ...]  alertname="Test", instance=NAME
//   T resolve NAME                 the same alert, ended at T
//   T flush                        followed by every notification expected,
//   > RECEIVER firing: a b(flapping)   one per "> " line (none: no lines)
//   T explain NAME ~ TEXT          Explain(...).ToString() contains TEXT
//   T explain NAME !~ TEXT         ... does not contain it
//
// T is an RFC 3339 time or +DURATION from base. "#" starts a comment line.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "alerting/router.h"

namespace fw::alerting {
namespace {

struct Script {
  std::string yaml;
  std::vector<std::pair<int, std::string>> lines;  // line number, text
};

Script Read(const std::string& path) {
  std::ifstream in(path);
  Script s;
  std::string line;
  bool in_config = false;
  for (int no = 1; std::getline(in, line); ++no) {
    if (in_config) {
      if (line == "end") {
        in_config = false;
      } else {
        s.yaml += line + "\n";
      }
    } else if (line == "config") {
      in_config = true;
    } else if (!line.empty() && line[0] != '#') {
      s.lines.push_back({no, line});
    }
  }
  return s;
}

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string Summary(const Notification& n) {
  std::string s = "> " + n.receiver + (n.firing ? " firing:" : " resolved:");
  for (const RoutedAlert& a : n.alerts) {
    s += " " + std::string(a.labels.Get("instance"));
    for (const auto& [k, v] : a.annotations) s += k == "flapping" ? "(flapping)" : "";
  }
  return s;
}

class RouterScenario : public ::testing::TestWithParam<std::string> {
 protected:
  Timestamp Time(const std::string& text, int line) {
    if (text.starts_with("+")) {
      auto d = ParseDuration(text.substr(1));
      EXPECT_TRUE(d) << "line " << line << ": " << text;
      return base_ + (d ? d->count() : 0);
    }
    auto t = ParseTimestamp(text);
    EXPECT_TRUE(t) << "line " << line << ": " << text;
    return t ? *t : 0;
  }

  // An alert named before keeps its labels (resolve and explain name it only).
  LabelSet Labels(const std::vector<std::string>& w) {
    if (w.size() == 3 && named_.contains(w[2])) return named_.at(w[2]);
    LabelSet l{{"alertname", "Test"}, {"instance", w[2]}};
    for (size_t i = 3; i < w.size(); ++i) {
      const size_t eq = w[i].find('=');
      l.Set(w[i].substr(0, eq), w[i].substr(eq + 1));
    }
    named_[w[2]] = l;
    return l;
  }

  Timestamp base_ = 0;
  std::map<std::string, LabelSet> named_;
};

TEST_P(RouterScenario, Runs) {
  const Script script = Read(GetParam());
  YamlReader r(GetParam());
  auto doc = LoadYaml(script.yaml, GetParam());
  ASSERT_TRUE(doc) << doc.error().ToString();
  RoutingConfig cfg = ParseRouting(r, *doc);
  for (const Error& e : r.errors()) ADD_FAILURE() << e.ToString();
  Router router(std::move(cfg));
  for (size_t i = 0; i < script.lines.size(); ++i) {
    const auto& [no, line] = script.lines[i];
    const std::vector<std::string> w = Words(line);
    SCOPED_TRACE(GetParam() + ":" + std::to_string(no) + ": " + line);
    if (w[0] == "base") {
      base_ = Time(w[1], no);
      continue;
    }
    if (w[0].starts_with(">")) {
      ADD_FAILURE() << "a \"> \" line must follow a flush";
      continue;
    }
    ASSERT_GE(w.size(), 2u);
    const Timestamp t = Time(w[0], no);
    if (w[1] == "fire" || w[1] == "resolve") {
      ASSERT_GE(w.size(), 3u);
      const LabelSet labels = w[1] == "resolve" ? Labels({w[0], w[1], w[2]}) : Labels(w);
      router.Put({labels, {}, base_, w[1] == "resolve" ? t : 0, ""}, t);
    } else if (w[1] == "flush") {
      std::vector<std::string> want, got;
      while (i + 1 < script.lines.size() && script.lines[i + 1].second.starts_with(">")) {
        want.push_back(script.lines[++i].second);
      }
      for (const Notification& n : router.Flush(t)) got.push_back(Summary(n));
      EXPECT_EQ(got, want);
    } else if (w[1] == "explain") {
      ASSERT_GE(w.size(), 5u);
      const std::string text = router.Explain(Labels({w[0], w[1], w[2]}), t).ToString();
      const std::string needle = line.substr(line.find(w[3]) + w[3].size() + 1);
      if (w[3] == "~") {
        EXPECT_NE(text.find(needle), std::string::npos) << text;
      } else {
        EXPECT_EQ(text.find(needle), std::string::npos) << text;
      }
    } else {
      ADD_FAILURE() << "unknown command " << w[1];
    }
  }
}

std::vector<std::string> Files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(FW_ALERTING_TESTDATA "/router")) {
    if (e.path().extension() == ".test") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Files, RouterScenario, ::testing::ValuesIn(Files()), [](const auto& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
});

}  // namespace
}  // namespace fw::alerting

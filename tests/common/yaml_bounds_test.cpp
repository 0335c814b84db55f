// YAML documents are bounded before they are loaded: nesting, and nodes
// counted with aliases expanded (the "billion laughs" of YAML).
#include <gtest/gtest.h>

#include <string>

#include "common/yaml_reader.h"

namespace fw {
namespace {

// Nine levels of nine aliases each: 811 bytes, 9^9 (387 million) nodes.
std::string AliasBomb() {
  std::string y =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char p = static_cast<char>(c - 1);
    y += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) y += std::string(i ? "," : "") + "*" + p;
    y += "]\n";
  }
  return y;
}

TEST(YamlBoundsTest, AliasBombIsRefusedWithItsPosition) {
  const std::string bomb = AliasBomb();
  EXPECT_LT(bomb.size(), 1000u);
  auto r = LoadYaml(bomb, "bomb.yml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("expands to more than 1000000 nodes"), std::string::npos)
      << r.error().ToString();
  EXPECT_EQ(r.error().where().file, "bomb.yml");
  EXPECT_GT(r.error().where().line, 1);
}

TEST(YamlBoundsTest, DeepNestingIsRefused) {
  for (int n : {kMaxYamlDepth + 1, 1000, 100'000}) {
    for (const auto& [open, close] : {std::pair{"[", "]"}, std::pair{"{a: ", "}"}}) {
      std::string y;
      for (int i = 0; i < n; ++i) y += open;
      y += "1";
      for (int i = 0; i < n; ++i) y += close;
      auto r = LoadYaml(y, "deep.yml");
      ASSERT_FALSE(r) << open << " x " << n;
      EXPECT_NE(r.error().message().find("nested deeper than 128 levels"), std::string::npos)
          << r.error().ToString();
    }
  }
}

TEST(YamlBoundsTest, OrdinaryAliasesAndNestingLoad) {
  std::string y = "base: &b {scrape_interval: 15s, labels: {env: prod}}\njobs:\n";
  for (int i = 0; i < 100; ++i) y += "  - {<<: *b, job_name: j" + std::to_string(i) + "}\n";
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "[";
  deep += "1";
  for (int i = 0; i < 100; ++i) deep += "]";
  y += "deep: " + deep + "\n";
  auto r = LoadYaml(y, "ok.yml");
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ((*r)["jobs"].size(), 100u);
}

}  // namespace
}  // namespace fw

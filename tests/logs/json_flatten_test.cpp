// The fast JSON flattener against nlohmann-json as the reference: the same
// fields for valid objects, the same verdict for corrupted ones.
#include "logs/json_flatten.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

namespace fw::logs {
namespace {

using Json = nlohmann::json;
using Fields = std::vector<std::pair<std::string, Value>>;

// The reference: nlohmann's tree, flattened the way record.h describes.
void Reference(const Json& j, const std::string& path, Fields& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      Reference(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      Reference(j[i], path.empty() ? std::to_string(i) : path + "." + std::to_string(i), out);
    }
  } else if (j.is_string()) {
    out.emplace_back(path, Value::String(j.get<std::string>()));
  } else if (j.is_boolean()) {
    out.emplace_back(path, Value::Bool(j.get<bool>()));
  } else if (j.is_number()) {
    out.emplace_back(path, Value::Number(j.get<double>()));
  }
}

Fields Sorted(Fields f) {
  std::sort(f.begin(), f.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return f;
}

// ascii: no multi-byte characters, so that byte edits cannot make invalid
// UTF-8, which nlohmann rejects and the flattener passes through.
Json RandomJson(std::mt19937& rng, int depth, bool ascii = false) {
  static const char* kStrings[] = {
      "", "a", "GET /cart", "q\"uote", "back\\slash", "tab\there", "line\nbreak", "/slash",
      // Longer than the 16 bytes the string scanner takes at once.
      "HikariPool-1 - Connection is not available, request timed out after 15000ms.",
      "twenty bytes and then a \"quote\" and a \\ and more", "ünï", "\xF0\x9F\x98\x80"};
  const int kind = depth > 3 ? static_cast<int>(rng() % 5) : static_cast<int>(rng() % 7);
  switch (kind) {
    case 0:
      return kStrings[rng() % (std::size(kStrings) - (ascii ? 2 : 0))];
    case 1:
      return static_cast<int64_t>(rng() % 100000) - 50000;
    case 2:
      return std::ldexp(static_cast<double>(rng() % 1000000), static_cast<int>(rng() % 40) - 20);
    case 3:
      return rng() % 2 == 0;
    case 4:
      return nullptr;
    case 5: {
      Json a = Json::array();
      for (int i = static_cast<int>(rng() % 4); i > 0; --i)
        a.push_back(RandomJson(rng, depth + 1, ascii));
      return a;
    }
    default: {
      Json o = Json::object();
      for (int i = static_cast<int>(rng() % 5); i > 0; --i) {
        o[std::string(1, static_cast<char>('a' + rng() % 6))] = RandomJson(rng, depth + 1, ascii);
      }
      return o;
    }
  }
}

TEST(JsonFlattenTest, MatchesTheReferenceOnRandomObjects) {
  std::mt19937 rng(5);
  for (int n = 0; n < 3000; ++n) {
    Json doc = Json::object();
    for (int i = static_cast<int>(rng() % 8); i > 0; --i) {
      doc["k" + std::to_string(rng() % 10)] = RandomJson(rng, 1);
    }
    const std::string text = doc.dump(rng() % 2 ? -1 : 2, ' ', rng() % 2 == 0);
    Fields mine, want;
    ASSERT_TRUE(FlattenJsonObject(text, mine)) << text;
    Reference(doc, "", want);
    ASSERT_EQ(Sorted(mine), Sorted(want)) << text;
  }
}

TEST(JsonFlattenTest, RejectsWhatTheReferenceRejects) {
  std::mt19937 rng(11);
  const std::string alphabet = "{}[],:\"\\ 0123456789.eE+-truefalsn/u";
  int rejected = 0;
  for (int n = 0; n < 20000; ++n) {
    Json doc = Json::object();
    for (int i = static_cast<int>(rng() % 4) + 1; i > 0; --i) {
      doc[std::string(1, static_cast<char>('a' + rng() % 6))] = RandomJson(rng, 2, true);
    }
    std::string text = doc.dump();
    for (int e = static_cast<int>(rng() % 3) + 1; e > 0; --e) {
      text[rng() % text.size()] = alphabet[rng() % alphabet.size()];
    }
    const Json ref = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    Fields mine, projected;
    const bool ok = FlattenJsonObject(text, mine);
    ASSERT_EQ(ok, ref.is_object()) << text;
    // A projection keeps fewer fields (numbers not kept are only checked)
    // but gives the same verdict.
    const FieldSet one_key{{"a"}};
    ASSERT_EQ(FlattenJsonObject(text, projected, &one_key), ok) << text;
    rejected += !ok;
    if (ok) {
      Fields want;
      Reference(ref, "", want);
      // A repeated key keeps its last value in both; when its earlier value
      // was an object, the flattener also keeps that object's paths.
      for (const auto& field : want) {
        ASSERT_NE(std::find(mine.begin(), mine.end(), field), mine.end()) << text;
      }
    }
  }
  EXPECT_GT(rejected, 1000);
}

TEST(JsonFlattenTest, EscapesNumbersAndEdges) {
  Fields f;
  ASSERT_TRUE(FlattenJsonObject(
      R"( {"s":"\u00e9\ud83d\ude00\/\b","n":-0.5e2,"z":0,"tiny":1e-400,"a":[]} )", f));
  EXPECT_EQ(f[0].second.str(), "\xC3\xA9\xF0\x9F\x98\x80/\b");
  EXPECT_EQ(f[1].second.number(), -50);
  EXPECT_EQ(f[3].second.number(), 0);
  EXPECT_EQ(f.size(), 4u) << "an empty array has no fields";
  for (const char* bad :
       {"", "{", "[1]", "{\"a\":1}x", "{\"a\":01}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\x01\"}",
        "{'a':1}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":-}", "{\"a\":1e400}"}) {
    Fields out;
    EXPECT_FALSE(FlattenJsonObject(bad, out)) << bad;
    EXPECT_TRUE(out.empty()) << bad;
    const FieldSet nothing_wanted{{"other"}};
    EXPECT_FALSE(FlattenJsonObject(bad, out, &nothing_wanted)) << bad << " (projected)";
  }
  for (const char* bad : {"{\"a\":1.}", "{\"a\":.5}", "{\"a\":-01}", "{\"a\":1e}",
                          "{\"a\":\"a string longer than sixteen bytes\x1f\"}"}) {
    Fields out;
    const FieldSet nothing_wanted{{"other"}};
    EXPECT_FALSE(FlattenJsonObject(bad, out, &nothing_wanted)) << bad;
  }
  std::string deep = "{\"x\":";
  for (int i = 0; i < 70; ++i) deep += "[";
  for (int i = 0; i < 70; ++i) deep += "]";
  deep += "}";
  Fields d;
  ASSERT_TRUE(FlattenJsonObject(deep, d));
  ASSERT_EQ(d.size(), 1u) << "past 64 levels the rest is kept as text";
  EXPECT_EQ(
      d[0].first, std::string("x") + [] {
        std::string p;
        for (int i = 0; i < 63; ++i) p += ".0";
        return p;
      }());
}

}  // namespace
}  // namespace fw::logs

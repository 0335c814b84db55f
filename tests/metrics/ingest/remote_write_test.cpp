#include "metrics/ingest/remote_write.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <cmath>
#include <limits>

namespace fw::metrics::ingest {
namespace {

class Collect final : public RemoteWriteHandler {
 public:
  void OnSeries(const LabelSet& labels, std::span<const Sample> samples) override {
    got.push_back({labels, {samples.begin(), samples.end()}});
  }
  std::vector<SeriesSamples> got;
};

std::string Snappy(std::string_view raw);

TEST(RemoteWriteTest, RoundTripsSeriesAndExactValues) {
  const double weird[] = {0.0,
                          -0.0,
                          1.5,
                          std::numeric_limits<double>::infinity(),
                          -std::numeric_limits<double>::infinity(),
                          StaleNaN(),
                          1e-300};
  std::vector<SeriesSamples> in = {
      {LabelSet{{"__name__", "http_requests_total"}, {"route", "/checkout"}, {"status", "500"}},
       {{1768485600000, 1}, {1768485615000, 7}}},
      {LabelSet{{"__name__", "up"}, {"instance", "i-1"}}, {}},
  };
  for (int i = 0; i < 7; ++i) in[1].samples.push_back({1768485600000 + i * 1000LL, weird[i]});
  Collect out;
  auto stats = DecodeRemoteWrite(EncodeRemoteWrite(in), out);
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->series, 2u);
  EXPECT_EQ(stats->samples, 9u);
  ASSERT_EQ(out.got.size(), 2u);
  EXPECT_EQ(out.got[0].labels, in[0].labels);
  EXPECT_EQ(out.got[0].samples[1].t, 1768485615000);
  EXPECT_EQ(out.got[0].samples[1].v, 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(std::bit_cast<uint64_t>(out.got[1].samples[i].v), std::bit_cast<uint64_t>(weird[i]))
        << "sample " << i << " keeps its exact bits (staleness NaN included)";
  }
  EXPECT_TRUE(IsStaleNaN(out.got[1].samples[5].v));
}

TEST(RemoteWriteTest, RejectsBadInputWholeAndSaysWhere) {
  Collect out;
  auto r = DecodeRemoteWrite("definitely not snappy \xff\xff\xff\xff\xff", out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  std::vector<SeriesSamples> no_name = {{LabelSet{{"job", "x"}}, {{1, 1}}}};
  r = DecodeRemoteWrite(EncodeRemoteWrite(no_name), out);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("has no __name__"), std::string::npos);

  // A valid series, then a truncated one: nothing may be delivered.
  std::vector<SeriesSamples> ok = {{LabelSet{{"__name__", "a"}}, {{1, 1}}}};
  std::string raw_ok;
  ASSERT_TRUE(
      snappy::Uncompress(EncodeRemoteWrite(ok).data(), EncodeRemoteWrite(ok).size(), &raw_ok));
  std::string raw_bad = raw_ok + raw_ok.substr(0, raw_ok.size() - 3);
  r = DecodeRemoteWrite(Snappy(raw_bad), out);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("at byte"), std::string::npos) << r.error().message();
  EXPECT_TRUE(out.got.empty());

  r = DecodeRemoteWrite(EncodeRemoteWrite(ok), out, RemoteWriteLimits{4});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTooLarge);
}

TEST(RemoteWriteTest, SkipsFieldsItDoesNotUse) {
  std::vector<SeriesSamples> ok = {{LabelSet{{"__name__", "a"}}, {{5, 2}}}};
  std::string raw;
  const std::string enc = EncodeRemoteWrite(ok);
  ASSERT_TRUE(snappy::Uncompress(enc.data(), enc.size(), &raw));
  // Append WriteRequest field 3 (metadata, length-delimited) and an unknown varint field 9.
  raw += std::string("\x1a\x02\x08\x01", 4);
  raw += std::string("\x48\x96\x01", 3);
  Collect out;
  auto r = DecodeRemoteWrite(Snappy(raw), out);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(out.got.size(), 1u);
  EXPECT_EQ(out.got[0].samples[0].v, 2);
}

TEST(RemoteWriteTest, MutatedRequestsNeverCrash) {
  std::vector<SeriesSamples> in = {
      {LabelSet{{"__name__", "m"}, {"a", "b"}}, {{1, 1}, {2, 2}, {3, 3}}},
      {LabelSet{{"__name__", "n"}}, {{4, 4}}}};
  std::string raw;
  const std::string enc = EncodeRemoteWrite(in);
  ASSERT_TRUE(snappy::Uncompress(enc.data(), enc.size(), &raw));
  uint64_t seed = 7;
  int rejected = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string m = raw;
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    m[(seed >> 33) % m.size()] = static_cast<char>(seed >> 17);
    if (i % 3 == 0) m.resize((seed >> 40) % m.size());
    Collect out;
    rejected += !DecodeRemoteWrite(Snappy(m), out).has_value();
  }
  EXPECT_GT(rejected, 100);
}

std::string Snappy(std::string_view raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

}  // namespace
}  // namespace fw::metrics::ingest

namespace fw::metrics::ingest {
namespace {

// One UTF-8 policy and Prometheus's label limits: a request with one bad
// series is refused whole, so nothing of it reaches the store.
TEST(RemoteWriteLimitsTest, InvalidUtf8AndOversizedLabelsRefuseTheWholeRequest) {
  const SeriesSamples good{LabelSet{{"__name__", "ok"}}, {{1000, 1}}};
  LabelSet many{{"__name__", "m"}};
  for (int i = 0; i < 200; ++i) many.Set("l" + std::to_string(i), "v");
  const std::vector<std::pair<LabelSet, std::string>> bad = {
      {LabelSet{{"__name__", "m"}, {"v", "\xff"}},
       "label value of \"v\" of metric m is not valid UTF-8"},
      {LabelSet{{"__name__", "m"}, {"n\xc0\x80", "v"}}, "is not valid UTF-8"},
      {LabelSet{{"__name__", "m\xed\xa0\x80"}}, "is not valid UTF-8"},
      {LabelSet{{"__name__", "m"}, {"v", std::string(70'000, 'x')}},
       "label_value_length_limit exceeded (metric: m, label name: v"},
      {LabelSet{{"__name__", "m"}, {std::string(2000, 'n'), "v"}},
       "label_name_length_limit exceeded"},
      {many, "label_limit exceeded (metric: m, number of labels: 201, limit: 128)"},
  };
  for (const auto& [labels, why] : bad) {
    const std::vector<SeriesSamples> in = {good, {labels, {{1000, 1}}}};
    Collect out;
    auto r = DecodeRemoteWrite(EncodeRemoteWrite(in), out);
    ASSERT_FALSE(r) << why;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(why), std::string::npos) << r.error().message();
    EXPECT_TRUE(out.got.empty()) << "nothing is delivered from a refused request";
  }
  // Limits of 0 are no limits, as in Prometheus; UTF-8 is checked whatever.
  RemoteWriteLimits none;
  none.labels = {};
  Collect out;
  EXPECT_TRUE(DecodeRemoteWrite(EncodeRemoteWrite(std::vector<SeriesSamples>{{many, {{1, 1}}}}),
                                out, none));
  auto r = DecodeRemoteWrite(
      EncodeRemoteWrite(std::vector<SeriesSamples>{{bad[0].first, {{1, 1}}}}), out, none);
  EXPECT_FALSE(r);
}

TEST(RemoteWriteLimitsTest, SampleLimitRefusesTheRequest) {
  std::vector<SeriesSamples> in = {{LabelSet{{"__name__", "m"}}, {}}};
  for (int i = 0; i < 100; ++i) in[0].samples.push_back({i, 1.0});
  RemoteWriteLimits limits;
  limits.sample_limit = 50;
  Collect out;
  auto r = DecodeRemoteWrite(EncodeRemoteWrite(in), out, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kTooLarge);
  EXPECT_NE(r.error().message().find("sample_limit exceeded"), std::string::npos);
}

}  // namespace
}  // namespace fw::metrics::ingest

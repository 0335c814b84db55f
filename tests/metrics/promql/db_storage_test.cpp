// PromQL over a Db: the same answers whether the data is in blocks, the
// head, or split between them.

#include "metrics/promql/db_storage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "../../common/scratch_dir.h"
#include "metrics/promql/engine.h"
#include "metrics/promql/head_storage.h"
#include "metrics/promql/parser.h"

namespace fw::metrics::promql {
namespace {

std::string TempDir() {
  std::string d = fw::testing::ScratchDir("fw_dbview");
  return d;
}

LabelSet Series(int i) {
  return LabelSet{{"__name__", "requests_total"},
                  {"job", i % 2 ? "api" : "web"},
                  {"instance", "i-" + std::to_string(i)}};
}

double Eval(const Queryable& q, const std::string& query, Timestamp t) {
  auto expr = ParseExpr(query);
  EXPECT_TRUE(expr);
  auto r = InstantQuery(q, **expr, t);
  EXPECT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(r->value.type, ValueType::kVector);
  EXPECT_EQ(r->value.vector.size(), 1u);
  return r->value.vector.empty() ? -1 : r->value.vector[0].v;
}

TEST(DbViewTest, QueriesAcrossBlocksAndHeadMatchAHeadOnlyStore) {
  ManualClock clock(0);
  tsdb::DbOptions o;
  o.block_range_ms = 600'000;  // 10 min blocks
  o.retention_ms = 0;
  o.clock = &clock;
  auto db = tsdb::Db::Open(TempDir(), o);
  ASSERT_TRUE(db);
  HeadStorage reference;
  for (Timestamp t = 0; t <= 3'600'000; t += 15'000) {
    std::vector<tsdb::LabeledSample> batch;
    for (int i = 0; i < 6; ++i) {
      const double v = double(t / 15'000 * (i + 1));
      batch.push_back({Series(i), {t, v}});
      ASSERT_TRUE(reference.head().Append(Series(i), t, v));
    }
    ASSERT_TRUE((*db)->Append(batch));
  }
  ASSERT_GE((*db)->blocks().size(), 1u);
  const Timestamp boundary = (*db)->head().MinValidTime();
  ASSERT_GT(boundary, 0);
  DbView view(**db);
  for (Timestamp at : {boundary - 60'000, boundary, boundary + 60'000, Timestamp{1'800'000}}) {
    for (const char* q :
         {"sum(rate(requests_total[5m]))", "sum by (job) (requests_total{job=\"api\"})",
          "count(count_over_time(requests_total[20m]))"}) {
      EXPECT_DOUBLE_EQ(Eval(view, q, at), Eval(reference, q, at)) << q << " at " << at;
    }
  }
}

}  // namespace
}  // namespace fw::metrics::promql

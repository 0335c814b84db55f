#include "metrics/api/query_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace fw::metrics::api {
namespace {

using promql::QueryResult;
using promql::ValueType;

TEST(QueryJsonTest, VectorInPrometheusShape) {
  QueryResult r;
  r.value.type = ValueType::kVector;
  r.value.vector.push_back({LabelSet{{"job", "shop"}, {"instance", "a:1"}}, 0.5, 0, false, {}});
  r.value.vector.push_back({LabelSet{}, NAN, 0, false, {}});
  EXPECT_EQ(QueryResultJson(r, 1435781451781),
            R"({"status":"success","data":{"resultType":"vector","result":[)"
            R"({"metric":{"instance":"a:1","job":"shop"},"value":[1435781451.781,"0.5"]},)"
            R"({"metric":{},"value":[1435781451.781,"NaN"]}]}})");
}

TEST(QueryJsonTest, MatrixScalarStringAndAnnotations) {
  QueryResult m;
  m.value.type = ValueType::kMatrix;
  m.value.matrix.push_back({LabelSet{{"a", "1"}}, {{1000, 1e6}, {61500, -2.25}}, false, {}});
  m.warnings = {"PromQL warning: \"x\""};
  m.infos = {"PromQL info: y"};
  EXPECT_EQ(QueryResultJson(m, 0),
            R"({"status":"success","data":{"resultType":"matrix","result":[)"
            R"({"metric":{"a":"1"},"values":[[1,"1000000"],[61.500,"-2.25"]]}]},)"
            R"("warnings":["PromQL warning: \"x\""],"infos":["PromQL info: y"]})");
  QueryResult s;
  s.value.type = ValueType::kScalar;
  s.value.scalar = 3;
  EXPECT_EQ(QueryResultJson(s, 5),
            R"({"status":"success","data":{"resultType":"scalar","result":[0.005,"3"]}})");
  QueryResult str;
  str.value.type = ValueType::kString;
  str.value.str = "hi";
  EXPECT_EQ(QueryResultJson(str, -1500),
            R"({"status":"success","data":{"resultType":"string","result":[-1.500,"hi"]}})");
}

}  // namespace
}  // namespace fw::metrics::api

#include <gtest/gtest.h>

#include "db/diagnose.h"

namespace fw::db {
namespace {

Rows Explain(std::vector<std::vector<std::string>> rows) {
  Rows r;
  r.columns = {"id", "select_type", "table", "type", "possible_keys", "key", "rows", "Extra"};
  for (auto& row : rows) {
    std::vector<std::optional<std::string>> cells;
    for (auto& c : row) {
      cells.push_back(c == "NULL" ? std::nullopt : std::optional<std::string>(c));
    }
    r.rows.push_back(std::move(cells));
  }
  return r;
}

TEST(MysqlPlanTest, AFullScanWithoutAKeyIsAMissingIndex) {
  auto plan = PlanFromMysqlExplain(
      Explain({{"1", "SIMPLE", "products", "ALL", "NULL", "NULL", "998712", "Using where"}}),
      "SELECT * FROM products WHERE sku = 'a'");
  EXPECT_TRUE(plan.full_scan);
  EXPECT_EQ(plan.table, "products");
  EXPECT_EQ(plan.rows, 998712);
  EXPECT_NE(plan.text.find("type=ALL"), std::string::npos) << plan.text;
}

TEST(MysqlPlanTest, AnIndexLookupOrATinyTableIsNot) {
  EXPECT_FALSE(PlanFromMysqlExplain(
                   Explain({{"1", "SIMPLE", "products", "ref", "idx_sku", "idx_sku", "1", ""}}), "")
                   .full_scan);
  EXPECT_FALSE(
      PlanFromMysqlExplain(Explain({{"1", "SIMPLE", "flags", "ALL", "NULL", "NULL", "12", ""}}), "")
          .full_scan);
}

TEST(MysqlPlanTest, TheRowThatReadsTheMostIsTheOneReported) {
  auto plan = PlanFromMysqlExplain(
      Explain({{"1", "SIMPLE", "o", "ref", "k", "k", "3", ""},
               {"1", "SIMPLE", "orders", "ALL", "NULL", "NULL", "500000", "Using where"}}),
      "");
  EXPECT_EQ(plan.table, "orders");
  EXPECT_TRUE(plan.full_scan);
}

TEST(PostgresPlanTest, ASequentialScanIsAFullScan) {
  auto plan = PlanFromPostgresExplain(
      {"Gather  (cost=1000.00..12578.43 rows=1 width=40)", "  Workers Planned: 2",
       "  ->  Parallel Seq Scan on products  (cost=0.00..11578.33 rows=1 width=40)",
       "        Filter: (sku = 'sku-7'::text)"},
      "SELECT * FROM products WHERE sku = 'sku-7'");
  EXPECT_TRUE(plan.full_scan);
  EXPECT_EQ(plan.table, "products");
  EXPECT_EQ(plan.access, "Seq Scan");
}

TEST(PostgresPlanTest, AnIndexScanNamesItsIndex) {
  auto plan = PlanFromPostgresExplain(
      {"Index Scan using idx_sku on products  (cost=0.42..8.44 rows=1 width=40)",
       "  Index Cond: (sku = 'sku-7'::text)"},
      "");
  EXPECT_FALSE(plan.full_scan);
  EXPECT_EQ(plan.key, "idx_sku");
  EXPECT_EQ(plan.table, "products");
}

TEST(InnodbStatusTest, TheLatestDeadlockSectionIsCut) {
  const std::string status =
      "=====\nINNODB MONITOR OUTPUT\n=====\n------------------------\nLATEST DETECTED "
      "DEADLOCK\n------------------------\n2026-12-06 01:00:00 0x7f\n*** (1) TRANSACTION:\nUPDATE "
      "a\n*** WE ROLL BACK TRANSACTION (2)\n------------\nTRANSACTIONS\n------------\nTrx id 9\n";
  const std::string d = LatestDeadlock(status);
  EXPECT_NE(d.find("*** (1) TRANSACTION:"), std::string::npos) << d;
  EXPECT_NE(d.find("WE ROLL BACK"), std::string::npos) << d;
  EXPECT_EQ(d.find("Trx id 9"), std::string::npos) << d;
  EXPECT_EQ(LatestDeadlock("=====\nTRANSACTIONS\n"), "");
}

TEST(ExplainableTest, OnlyOneReadingStatement) {
  EXPECT_TRUE(Explainable("SELECT id FROM products WHERE sku = 'a'"));
  EXPECT_TRUE(Explainable("  with x as (select 1) select * from x;"));
  EXPECT_FALSE(Explainable("UPDATE products SET stock = 0"));
  EXPECT_FALSE(Explainable("SELECT 1; DROP TABLE products"));
  EXPECT_FALSE(Explainable("DELETE FROM orders"));
  EXPECT_FALSE(Explainable(""));
}

TEST(BusiestStatementTest, TheStatementMostSessionsRunForSecondsNotLockWaits) {
  std::vector<rca::DbProcess> ps(5);
  for (auto& p : ps) {
    p.command = "Query";
    p.time_s = 3;
    p.db = "shop";
    p.info = "SELECT * FROM products WHERE sku = 'a'";
  }
  ps[0].info = "SELECT * FROM orders";
  ps[3].wait = "Lock:transactionid";
  ps[3].info = ps[4].info = "SELECT * FROM stock FOR UPDATE";
  ps[4].wait = "Lock:tuple";
  std::string db;
  EXPECT_EQ(BusiestStatement(ps, &db), "SELECT * FROM products WHERE sku = 'a'");
  EXPECT_EQ(db, "shop");
  for (auto& p : ps) p.time_s = 0;
  EXPECT_EQ(BusiestStatement(ps, nullptr), "") << "statements of under a second are not slow";
}

}  // namespace
}  // namespace fw::db

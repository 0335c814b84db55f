#include "metrics/ingest/file_import.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "sim/builtin_scenarios.h"
#include "sim/run_output.h"

namespace fw::metrics::ingest {
namespace {

TEST(FileImportTest, LoadsASimulatorRunPerSeries) {
  auto sc = sim::LoadBuiltinScenario("steady-state");
  ASSERT_TRUE(sc);
  sc->duration = std::chrono::minutes(3);
  sim::Simulator simulator(*sc);
  std::string dir = ::testing::TempDir() + "fw_import_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  auto run = sim::RunToDirectory(simulator, dir);
  ASSERT_TRUE(run) << run.error().ToString();

  auto imported = ImportFile(dir + "/metrics.om");
  ASSERT_TRUE(imported) << imported.error().ToString();
  EXPECT_EQ(imported->samples, run->metric_samples);
  EXPECT_EQ(imported->series.size(), run->metric_series);
  // Every series has one point per 15 s scrape, in time order.
  for (const ImportedSeries& s : imported->series) {
    ASSERT_EQ(s.samples.size(), 12u) << s.labels.ToString();
    EXPECT_EQ(s.samples[1].t - s.samples[0].t, 15'000);
  }
  std::filesystem::remove_all(dir);
}

TEST(FileImportTest, ErrorsNameTheFileAndLine) {
  std::string dir = ::testing::TempDir() + "fw_import_XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  std::ofstream(dir + "/bad.prom") << "up 1\nup{job=\"x\" 1\n";
  auto r = ImportFile(dir + "/bad.prom");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where().file, dir + "/bad.prom");
  EXPECT_EQ(r.error().where().line, 2);
  EXPECT_EQ(ImportFile(dir + "/missing.om").error().code(), ErrorCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fw::metrics::ingest

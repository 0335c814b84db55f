#include "common/timezone.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace fw {
namespace {

std::string Show(const CivilTime& c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return buf;
}

// testdata/timezones.txt holds Python zoneinfo's answers over the same tz
// database: transitions, both hemispheres, and instants past 2037 that only
// the POSIX footer rule covers.
TEST(TimeZoneTest, AgreesWithPythonZoneinfo) {
  std::ifstream in(FW_COMMON_TESTDATA "/timezones.txt");
  ASSERT_TRUE(in);
  std::map<std::string, TimeZone> zones;
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream f(line);
    std::string zone, date, time;
    int64_t secs;
    int offset;
    f >> zone >> secs >> offset >> date >> time;
    auto it = zones.find(zone);
    if (it == zones.end()) {
      auto tz = TimeZone::Load(zone);
      ASSERT_TRUE(tz) << tz.error().ToString();
      it = zones.emplace(zone, *tz).first;
    }
    const TimeZone& tz = it->second;
    EXPECT_EQ(tz.OffsetSeconds(secs * 1000), offset) << line;
    const CivilTime local = tz.ToLocal(secs * 1000);
    EXPECT_EQ(Show(local), date + " " + time) << line;
    const Timestamp back = tz.FromLocal(local);
    EXPECT_TRUE(back == secs * 1000 || Show(tz.ToLocal(back)) == Show(local)) << line;
    ++checked;
  }
  EXPECT_GT(checked, 600);
}

TEST(TimeZoneTest, GapsOverlapsAndCivilDays) {
  auto berlin = TimeZone::Load("Europe/Berlin");
  ASSERT_TRUE(berlin);
  // 02:30 on the spring-forward night does not exist: read with +01:00.
  EXPECT_EQ(berlin->FromLocal({2026, 3, 29, 2, 30, 0}), 1774747800000);  // 01:30Z
  // 02:30 on the fall-back night happens twice: the earlier (CEST) one.
  EXPECT_EQ(berlin->FromLocal({2026, 10, 25, 2, 30, 0}), 1792888200000);  // 00:30Z
  EXPECT_EQ(berlin->ToLocal(1795600000000).weekday, 3) << "2026-11-25 is a Wednesday";
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(CivilFromDays(-1).year, 1969);
  EXPECT_EQ(CivilFromDays(-1).weekday, 3);
  EXPECT_EQ(TimeZone::Load("Mars/Olympus").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(TimeZone::Load("../etc/passwd").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TimeZone::Utc().OffsetSeconds(0), 0);
}

}  // namespace
}  // namespace fw

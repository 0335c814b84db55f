#pragma once
// Time zones from the system's tz database (/usr/share/zoneinfo, TZif
// files), so schedules and maintenance windows follow local time across
// daylight-saving changes: a handoff "every Monday 09:00 Europe/Berlin"
// stays at 09:00 in summer and winter. Times past the file's last
// transition follow its POSIX rule (e.g. CET-1CEST,M3.5.0,M10.5.0/3).
//
//   auto tz = TimeZone::Load("Europe/Berlin");
//   CivilTime local = tz->ToLocal(now_ms);           // 2026-11-25 14:30:00, Wed
//   Timestamp t = tz->FromLocal({2026, 3, 29, 2, 30, 0});  // in the spring gap:
//                                                    // read with the offset before it
// Immutable after Load; safe to share across threads.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/error.h"

namespace fw {

struct CivilTime {
  int year = 1970, month = 1, day = 1;  // month 1-12, day 1-31
  int hour = 0, minute = 0, second = 0;
  int weekday = 4;  // 0 = Sunday ... 6 = Saturday (set by ToLocal)
  bool operator==(const CivilTime& o) const {
    return year == o.year && month == o.month && day == o.day && hour == o.hour &&
           minute == o.minute && second == o.second;
  }
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back.
int64_t DaysFromCivil(int year, int month, int day);
CivilTime CivilFromDays(int64_t days);  // time of day 00:00:00

class TimeZone {
 public:
  static TimeZone Utc();
  // "UTC", "Europe/Berlin", ...; kNotFound for an unknown zone,
  // kInvalidArgument for a name with ".." or a leading "/".
  static Result<TimeZone> Load(std::string_view name);
  // Reads a TZif file at `path` (tests, or a zone outside the database).
  static Result<TimeZone> LoadFile(const std::string& path, std::string name);

  const std::string& name() const;
  // Seconds east of UTC at instant t (ms).
  int OffsetSeconds(Timestamp t) const;
  CivilTime ToLocal(Timestamp t) const;
  // The instant of a local time. In a gap (spring forward) the time is read
  // with the offset before the change; in an overlap, the earlier instant.
  Timestamp FromLocal(const CivilTime& local) const;

  struct Data;

 private:
  explicit TimeZone(std::shared_ptr<const Data> d) : d_(std::move(d)) {}
  std::shared_ptr<const Data> d_;
};

}  // namespace fw

#pragma once
// The report as one JSON object with every section, for tools: times as
// RFC 3339 text and as ms ("start"/"startMs"), durations in seconds. The
// analysis and runs use the record format of records_json.h. Internal to
// src/report; users call RenderReport.

#include <string>

#include "report/model.h"

namespace fw::report {

std::string RenderJson(const ReportModel& m);

}  // namespace fw::report

#pragma once
// What `firewatch demo` leaves behind once the scenario ran: the
// post-incident report of each incident (rendered from its timeline, with
// impact counted from the logs) and the JSON summary of the run.

#include <string>
#include <vector>

#include "common/error.h"
#include "response/responder.h"

namespace fw::pipeline {
class Pipeline;
class SimDriver;
}  // namespace fw::pipeline

namespace fw::cli {

struct DemoOutcome {
  std::string scenario;
  double wall_seconds = 0;
  Timestamp first_errors = 0;        // first step over 1% errors (the simulator's own account)
  std::vector<std::string> reports;  // one per incident, in incident order
};

// Writes each incident's report to `report_file` (the first incident) or
// beside it (REPORT-INC-2.md ...), storing the derived action items first.
Result<void> WriteReports(pipeline::Pipeline& p, Timestamp now,
                          const response::Responder& responder, const std::string& report_file,
                          const std::string& format, double average_order_value,
                          DemoOutcome& outcome);

// The summary `--json` writes (format in docs/demo.md).
std::string DemoSummaryJson(pipeline::Pipeline& p, const pipeline::SimDriver& sim,
                            const response::Responder& responder, const DemoOutcome& outcome);

}  // namespace fw::cli

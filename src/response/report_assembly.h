#pragma once
// One assembly of the post-incident report for every way it is asked for
// (the server's API, the demo): the incident's timeline, the change events
// from half an hour before the problem's first sign to its end (as
// timeline events, so the report shows what changed), the impact counted
// from the request logs over the impact window, and the action items.

#include <string>

#include "changes/change_log.h"
#include "incident/service.h"
#include "logs/event_source.h"
#include "report/report.h"

namespace fw::response {

struct ReportSources {
  logs::EventSource* logs = nullptr;            // null: impact not counted
  const changes::ChangeLog* changes = nullptr;  // null: no change events
};

struct ReportAssemblyOptions {
  report::ImpactOptions impact;
  // Derive action items when none are stored, and store them (the demo;
  // a read over the API does not write).
  bool store_action_items = false;
};

Result<report::ReportInput> AssembleReport(incident::IncidentService& incidents,
                                           const std::string& incident_id,
                                           const ReportSources& sources, Timestamp now,
                                           const ReportAssemblyOptions& options);

}  // namespace fw::response

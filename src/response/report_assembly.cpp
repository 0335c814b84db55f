#include "response/report_assembly.h"

#include <algorithm>

#include "report/model.h"
#include "report/records_json.h"

namespace fw::response {
namespace {

constexpr int64_t kChangeLookbackMs = 30 * 60'000;
constexpr size_t kMaxChangeEvents = 100;

// Change events around the incident become timeline events of the report
// (not of the incident: they are read, not recorded).
void AddChanges(const changes::ChangeLog& log, report::ReportInput& in, Timestamp now) {
  const Timestamp onset = report::OnsetOf(in);
  const Timestamp end = in.incident.resolved_at ? *in.incident.resolved_at : now;
  std::vector<changes::ChangeEvent> events = log.Between(onset - kChangeLookbackMs, end + 1);
  if (events.size() > kMaxChangeEvents) {
    events.erase(events.begin(), events.end() - kMaxChangeEvents);  // the latest matter most
  }
  for (const changes::ChangeEvent& e : events) {
    incident::TimelineEntry t;
    t.incident_id = in.incident.id;
    t.time = e.time;
    t.actor = e.Field("who").empty() ? "change" : e.Field("who");
    t.source = "changes";
    t.kind = incident::EntryKind::kNote;
    t.text = e.type + ": " + e.summary;
    in.timeline.push_back(std::move(t));
  }
  std::ranges::stable_sort(in.timeline, {}, &incident::TimelineEntry::time);
}

}  // namespace

Result<report::ReportInput> AssembleReport(incident::IncidentService& incidents,
                                           const std::string& id, const ReportSources& sources,
                                           Timestamp now, const ReportAssemblyOptions& options) {
  auto inc = incidents.Get(id);
  if (!inc) return Fail(inc.error());
  auto timeline = incidents.Timeline(id);
  if (!timeline) return Fail(timeline.error());
  auto in = report::ReportInputFromTimeline(*inc, *timeline);
  if (!in) return Fail(in.error());
  in->generated_at = now;
  in->impact_options = options.impact;
  if (sources.changes) AddChanges(*sources.changes, *in, now);
  if (sources.logs) {
    const auto [from, to] = report::ImpactWindow(*in, now);
    auto impact = report::ComputeImpact(*sources.logs, from, to, in->impact_options);
    if (impact) {
      in->impact = *impact;
    } else {
      in->impact_missing = impact.error().message();
    }
  } else {
    in->impact_missing = "no request logs were given";
  }
  auto stored = incidents.ActionItems(id);
  if (!stored) return Fail(stored.error());
  if (stored->empty() && options.store_action_items) {
    std::vector<incident::ActionItem> items;
    for (const report::ActionItem& a : report::DeriveActionItems(*in)) {
      incident::ActionItem item;
      item.text = a.text;
      item.owner = a.owner;
      items.push_back(std::move(item));
    }
    auto added = incidents.AddActionItems(id, items, {"firewatch", "report"});
    if (!added) return Fail(added.error());
    *stored = std::move(*added);
  }
  for (const incident::ActionItem& a : *stored) {
    in->action_items.push_back({a.id, a.text, a.owner, a.done});
  }
  return in;
}

}  // namespace fw::response

#include "incident/migrate_state.h"

#include <algorithm>

namespace fw::incident {

Result<CopyReport> CopyIncidents(const IncidentStore& from, PgStore& to,
                                 const std::function<void(const std::string&)>& progress) {
  auto all = from.List({});
  if (!all) return Fail(all.error().WithContext("reading the source store"));
  std::ranges::reverse(*all);  // List is newest first; copy oldest first
  CopyReport report;
  for (const Incident& inc : *all) {
    if (auto there = to.Get(inc.id); there) {
      ++report.skipped;
      continue;
    } else if (there.error().code() != ErrorCode::kNotFound) {
      return Fail(there.error());
    }
    auto timeline = from.Timeline(inc.id);
    if (!timeline) return Fail(timeline.error().WithContext(inc.id));
    auto items = from.ActionItems(inc.id);
    if (!items) return Fail(items.error().WithContext(inc.id));
    if (auto r = to.Import(inc, *timeline, *items); !r) return Fail(r.error().WithContext(inc.id));
    ++report.copied;
    report.timeline_entries += timeline->size();
    report.action_items += items->size();
    if (progress) progress(inc.id);
  }
  return report;
}

}  // namespace fw::incident

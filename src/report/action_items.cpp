// The action items a report proposes: one per thing that went worse than it
// should (a timing over target, a failed step, a failed notification, a gap
// in the evidence) and the prevention the root cause calls for.

#include <map>

#include "report/model.h"

namespace fw::report {
namespace {

// What keeps each catalog category from recurring; "%s" is the service.
const std::map<std::string, std::string>& Prevention() {
  static const std::map<std::string, std::string> kPrevention = {
      {"db_pool_exhaustion",
       "Find and fix the connection leak in %s, and alert on pending pool connections before "
       "the pool is exhausted"},
      {"memory_leak",
       "Fix the memory leak in %s and alert on heap growth after garbage collection"},
      {"slow_queries",
       "Add the missing index or rewrite the slow queries of %s; alert on query "
       "latency"},
      {"bad_deployment",
       "Gate deployments of %s behind a canary with automatic rollback on error rate"},
      {"traffic_surge", "Set up autoscaling and load shedding for %s ahead of traffic peaks"},
      {"instance_failure",
       "Make %s tolerate the loss of an instance (spare capacity, faster replacement)"},
      {"lock_contention",
       "Shorten the transactions of %s that hold row locks; alert on lock waits"},
      {"dependency_failure",
       "Add timeouts, retries with backoff and a circuit breaker around %s's dependencies"},
      {"cpu_saturation", "Find what saturated the CPU of %s and add headroom or a CPU alert"},
  };
  return kPrevention;
}

std::string Services(const incident::Incident& i) {
  std::string out;
  for (const std::string& s : i.services) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "the service" : out;
}

std::string PreventionFor(const ReportModel& m) {
  const rca::Hypothesis& h = *m.top;
  std::string service = Services(m.in->incident);
  if (h.suspect_change && !h.suspect_change->service.empty()) service = h.suspect_change->service;
  auto it = Prevention().find(h.category);
  std::string text = it == Prevention().end() ? "Prevent " + h.category + " in %s" : it->second;
  if (auto at = text.find("%s"); at != std::string::npos) text.replace(at, 2, service);
  if (h.suspect_change && !h.suspect_change->version.empty()) {
    text += " (suspect change: version " + h.suspect_change->version + ")";
  }
  return text;
}

}  // namespace

std::vector<ActionItem> DeriveFromModel(const ReportModel& m) {
  const ReportInput& in = *m.in;
  std::vector<std::string> texts;
  if (m.top) texts.push_back(PreventionFor(m));
  for (const Timing& t : m.timings) {
    if (t.met() || !t.ms) continue;
    const std::string took =
        " took " + FormatDuration(*t.ms) + " against a " + FormatDuration(t.target_ms) + " target";
    if (t.name == "Time to detect") {
      texts.push_back("Alert earlier on the symptoms of this incident: detection" + took);
    } else if (t.name == "Time to contain") {
      texts.push_back(
          "Automate containment for this failure (a runbook with a containment step "
          "that runs without waiting for a human): containment" +
          took);
    } else {
      texts.push_back("Shorten recovery: restoring service" + took);
    }
  }
  if (in.analysis == nullptr) {
    texts.push_back("Run root-cause analysis for incidents like this one and record it");
  } else if (m.top && m.top->confidence < 0.6) {
    texts.push_back("Confirm the root cause by hand (" + m.top->category +
                    " is uncertain) and improve the evidence that would have shown it");
  }
  if (in.analysis) {
    for (const std::string& gap : in.analysis->gaps) {
      texts.push_back("Close the evidence gap: " + gap);
    }
  }
  for (const auto& run : in.runs) {
    for (const auto& s : run.steps) {
      if (s.status == runbook::StepStatus::kFailed || s.status == runbook::StepStatus::kReverted) {
        texts.push_back("Fix step " + s.name + " of runbook " + run.runbook +
                        (s.message.empty() ? "" : " (" + s.message + ")"));
      }
    }
  }
  for (const auto& e : in.timeline) {
    if (e.kind == incident::EntryKind::kNotificationFailed) {
      texts.push_back("Fix notification delivery: " + e.text);
    }
  }
  std::vector<ActionItem> items;
  for (std::string& text : texts) {
    items.push_back({"AI-" + std::to_string(items.size() + 1), std::move(text), "", false});
  }
  return items;
}

std::vector<ActionItem> DeriveActionItems(const ReportInput& in) {
  ReportInput copy = in;
  copy.action_items.clear();  // so BuildModel derives rather than copies
  return BuildModel(copy).action_items;
}

}  // namespace fw::report

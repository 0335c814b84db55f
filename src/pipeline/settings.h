#pragma once
// What firewatch.yml says about the stages the pipeline builds: rules,
// routing, incidents, on-call, the responder and its approval policy, the
// site's runbook actions, and the log files to follow. Parsed and
// validated by cli/config_file.cpp; paths are already resolved.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "alerting/route.h"
#include "common/duration.h"
#include "db/config.h"
#include "incident/oncall.h"
#include "incident/severity_policy.h"
#include "metrics/remote/remote_settings.h"
#include "notify/contacts.h"
#include "notify/stakeholders.h"
#include "pg/state_settings.h"
#include "report/report.h"
#include "runbook/site_actions.h"
#include "server/http.h"

namespace fw::pipeline {

struct AlertingSettings {
  Millis evaluation_interval{60'000};
  std::string external_url;             // in notifications; default http://<listen>
  std::vector<std::string> rule_files;  // resolved paths
  alerting::RoutingConfig routing;
  incident::OnCallConfig oncall;
  std::string escalation_policy;  // for new incidents; "" = none
  // people: and paging: — who the escalation's pages reach, and how.
  notify::PagingSettings paging;
  notify::StakeholderSettings stakeholders;  // stakeholders: audiences and update cadence
  Millis reopen_window{3'600'000};
  std::optional<incident::SeverityPolicy> severity;  // incidents.severity; unset = default
  // incidents.group_by: alerts sharing these labels' values share one open
  // incident. Empty: the root route's group_by (one incident per page).
  std::vector<std::string> incident_group_by;
  // incidents.correlate_within: an alert of another group that fires within
  // this of an open incident's opening joins it (one outage, one incident).
  Millis correlate_window{0};
  // incidents.auto_resolve: an incident whose alerts all resolved, and
  // stayed resolved for `resolve_after`, is resolved ("resolve"), proposed
  // for resolution on its timeline ("propose"), or left alone ("off").
  std::string auto_resolve = "resolve";
  Millis resolve_after{5 * 60'000};
};

// Who must say yes before the responder acts.
enum class ApprovalMode {
  kAuto,     // nobody: every gate is granted at once, and the timeline says so
  kRunbook,  // one approval before the runbook's first step
  kActions,  // an approval before every action step
};
const char* ApprovalModeName(ApprovalMode m);
Result<ApprovalMode> ParseApprovalMode(const std::string& text);

struct ResponseSettings {
  bool enabled = true;
  ApprovalMode approval = ApprovalMode::kRunbook;
  server::Role approver_role = server::Role::kResponder;  // least role that may approve
  Millis approval_timeout{15 * 60'000};  // unanswered: the responder escalates to humans
  // Below this confidence the top hypothesis gets no runbook: humans are paged.
  double min_confidence = 0.2;
  Millis recovery_watch{10 * 60'000};
  // Defaults for runbook variables the incident does not provide.
  std::map<std::string, std::string> vars;
};

// log_files: entries. Globs are expanded again while serving, so files that
// appear later are followed too.
struct LogFileSettings {
  std::string path;  // glob, resolved
  std::string group;
  std::string stream;  // "" = the file's name
  bool json = true;
};

struct Settings {
  report::ImpactOptions impact;  // reports: defaults for the report's impact
  AlertingSettings alerting;
  std::string runbooks_dir;  // resolved; "" = no runbooks
  ResponseSettings response;
  runbook::SiteActions actions;
  db::DatabaseSettings databases;  // databases: diagnosed by rca, acted on by runbooks
  std::vector<LogFileSettings> log_files;
  pg::StateSettings state;  // state: SQLite (default) or PostgreSQL shared by replicas
  // remote_metrics: a Prometheus-compatible query API read beside the store.
  metrics::remote::RemoteMetricsSettings remote_metrics;
  // remote_write: where the store forwards every sample it accepts.
  std::vector<metrics::remote::RemoteWriteTarget> remote_write;
};

}  // namespace fw::pipeline

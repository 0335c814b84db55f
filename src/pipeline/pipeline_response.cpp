// The pipeline's response side: runbooks from runbooks.dir, the site's
// actions, the approval book, the responder, and incidents resolved once
// their alerts have stayed resolved.

#include <algorithm>

#include "pipeline/pipeline_impl.h"

namespace fw::pipeline {
namespace {

// Every action a runbook names must be one the site can run: declared under
// actions:, or a database action with a database declared.
Result<void> CheckActions(const runbook::RunbookSet& set, const runbook::SiteActions& actions,
                          const db::DatabaseSettings& databases) {
  for (const runbook::Runbook& rb : set.runbooks) {
    for (const runbook::Step& s : rb.steps) {
      if (s.kind != runbook::StepKind::kAction) continue;
      std::vector<std::string> names = {s.action.action};
      if (s.revert) names.push_back(s.revert->action);
      for (const std::string& name : names) {
        if (actions.actions.count(name)) continue;
        if (!databases.empty() && db::IsDatabaseAction(name)) continue;
        return Fail(
            ErrorCode::kInvalidArgument,
            "runbook " + rb.name + " step \"" + s.name + "\" runs action \"" + name +
                "\", which firewatch.yml does not define: declare it under actions: "
                "(http or exec)" +
                (db::IsDatabaseAction(name) ? std::string(" or declare a database (databases:)")
                                            : std::string()) +
                ", or set response.enabled: false",
            {rb.file, s.line, 0});
      }
    }
  }
  return {};
}

}  // namespace

Result<runbook::RunbookSet> LoadSiteRunbooks(const Settings& s, bool check_actions) {
  if (s.runbooks_dir.empty()) return runbook::RunbookSet{};
  runbook::RunbookSet set = runbook::LoadRunbookDir(s.runbooks_dir);
  if (!set.errors.empty()) return Fail(set.errors.front());
  if (check_actions && s.response.enabled) {
    if (auto ok = CheckActions(set, s.actions, s.databases); !ok) return Fail(ok.error());
  }
  return set;
}

Result<runbook::RunbookSet> Pipeline::Impl::LoadRunbooks(const Settings& s) const {
  return LoadSiteRunbooks(s, /*check_actions=*/parts.actions == nullptr);
}

Result<void> Pipeline::Impl::OpenResponse() {
  auto set = LoadRunbooks(settings);
  if (!set) return Fail(set.error());
  runbooks = std::move(*set);
  if (settings.state.postgres) {
    auto shared = response::PgApprovals::Open(settings.state.connect);
    if (!shared) return Fail(shared.error().WithContext("state.postgres"));
    shared_approvals = std::move(*shared);
  }
  approvals = std::make_unique<response::ApprovalBook>(clock, shared_approvals.get());
  BuildResponder();
  return {};
}

runbook::ActionAdapter& Pipeline::Impl::Actions() {
  return parts.actions ? *parts.actions : *db_actions;
}

rca::DbDiagnostics* Pipeline::Impl::Diagnostics() {
  if (parts.db) return parts.db;
  return databases && !databases->empty() ? databases.get() : nullptr;
}

void Pipeline::Impl::BuildResponder() {
  site_actions = std::make_unique<runbook::SiteActionAdapter>(settings.actions, clock);
  databases = std::make_unique<db::Databases>(settings.databases);
  db_actions = std::make_unique<db::DbActionAdapter>(
      *databases, *site_actions,
      [this](const std::string& name) { return site_actions->Has(name); });
  rca::EvidenceSources sources{&storage->queryable(), log_source.get(), &changes, Diagnostics()};
  responder =
      std::make_unique<response::Responder>(*incidents, sources, storage->queryable(), runbooks,
                                            Actions(), ResponderOptions(), parts.narrator);
}

response::ResponderOptions Pipeline::Impl::ResponderOptions() {
  const ResponseSettings& r = settings.response;
  response::ResponderOptions o;
  if (parts.analyze) o.analyze = parts.analyze;
  o.auto_approve = parts.auto_approve || r.approval == ApprovalMode::kAuto;
  o.approver = approvals.get();
  o.gates = r.approval == ApprovalMode::kActions ? response::ApprovalGates::kActions
                                                 : response::ApprovalGates::kRunbook;
  o.approval_timeout = r.approval_timeout;
  o.min_confidence = r.min_confidence;
  o.recovery_watch = r.recovery_watch;
  o.acknowledge = parts.responder_acknowledges;
  o.vars = r.vars;
  o.on_escalate = [this](const std::string& id, const std::string& why) {
    (void)incidents->RecordNotification(id, incident::NotificationStatus::kSent, "responder",
                                        "handed to humans: " + why);
    if (log) log->Warn("responder escalated to humans", {{"incident", id}, {"why", why}});
  };
  return o;
}

void Pipeline::Impl::RespondStep(Timestamp now) {
  if (!settings.response.enabled) return;
  responder->Tick(now);
  AutoResolve(now);
}

// An incident whose alerts have all resolved, and stayed resolved for
// resolve_after, is resolved (or proposed for resolution) unless the
// responder is still working on it.
void Pipeline::Impl::AutoResolve(Timestamp now) {
  const AlertingSettings& a = settings.alerting;
  if (a.auto_resolve == "off") return;
  incident::IncidentFilter filter;
  filter.open_only = true;
  auto open = incidents->List(filter);
  if (!open) return;
  for (const incident::Incident& inc : *open) {
    if (inc.alerts.empty()) continue;  // declared by hand: people resolve it
    Timestamp last = 0;
    bool firing = false;
    for (const incident::LinkedAlert& al : inc.alerts) {
      firing = firing || al.firing;
      last = std::max(last, al.last_seen);
    }
    if (firing || now - last < a.resolve_after.count()) continue;
    const response::ResponseCase* c = responder->Find(inc.id);
    if (c && c->execution) continue;  // the runbook's verification decides
    const incident::Who who{"firewatch", "auto-resolve"};
    const std::string why =
        "every alert has been resolved for " + FormatDuration(Millis(now - last));
    if (a.auto_resolve == "resolve") {
      (void)incidents->AddNote(inc.id, "resolving: " + why, who);
      if (auto r = incidents->Resolve(inc.id, who); !r && log) {
        log->Error("cannot auto-resolve", {{"incident", inc.id}, {"error", r.error().ToString()}});
      }
    } else if (resolve_proposed.insert(inc.id).second) {
      (void)incidents->AddNote(inc.id, "proposed for resolution: " + why, who);
    }
  }
}

}  // namespace fw::pipeline

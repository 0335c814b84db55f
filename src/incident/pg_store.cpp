// PgStore's reads and writes. Opening, migrations and the writers' lock
// are in pg_schema.cpp.

#include "incident/pg_store.h"

#include <algorithm>

#include "incident/store_codec.h"

namespace fw::incident {
namespace {

using pg::Param;
using pg::PgRows;

#define FW_PG_INCIDENT_COLUMNS                                                            \
  "num, title, services::text, severity, state, group_key, created_at, acknowledged_at, " \
  "mitigated_at, resolved_at, closed_at, roles::text, version"

constexpr const char* kOpenStates = "('triggered', 'acknowledged', 'mitigated')";

using pg::Num;
using pg::OptNum;

// $1..$11: the columns insert and update share.
std::vector<Param> IncidentParams(const Incident& i) {
  return {i.title,
          codec::ServicesJson(i),
          Num(static_cast<int64_t>(i.severity)),
          std::string(StateName(i.state)),
          i.group_key,
          Num(i.created_at),
          OptNum(i.acknowledged_at),
          OptNum(i.mitigated_at),
          OptNum(i.resolved_at),
          OptNum(i.closed_at),
          codec::RolesJson(i)};
}

Result<Incident> PgRowToIncident(const PgRows& rows, size_t r) {
  Incident i;
  i.id = FormatIncidentId(rows.Int(r, 0));
  i.title = rows.Text(r, 1);
  if (auto ok = codec::ReadServices(rows.Text(r, 2), i); !ok) return Fail(ok.error());
  i.severity = static_cast<Severity>(std::clamp<int64_t>(rows.Int(r, 3), 1, 4));
  auto state = ParseState(rows.Text(r, 4));
  if (!state) return Fail(state.error().WithContext("incident store " + i.id));
  i.state = *state;
  i.group_key = rows.Text(r, 5);
  i.created_at = rows.Int(r, 6);
  i.acknowledged_at = rows.OptInt(r, 7);
  i.mitigated_at = rows.OptInt(r, 8);
  i.resolved_at = rows.OptInt(r, 9);
  i.closed_at = rows.OptInt(r, 10);
  if (auto ok = codec::ReadRoles(rows.Text(r, 11), i); !ok) return Fail(ok.error());
  i.version = rows.Int(r, 12);
  return i;
}

bool Truthy(const std::string& pg_bool) { return pg_bool == "t"; }

}  // namespace

Result<void> PgStore::WriteAlerts(int64_t num, const Incident& incident,
                                  const std::vector<size_t>* only) {
  const size_t n = only ? only->size() : incident.alerts.size();
  for (size_t k = 0; k < n; ++k) {
    const LinkedAlert& a = incident.alerts[only ? (*only)[k] : k];
    auto r = c_->Exec(
        "INSERT INTO incident_alerts (incident, fingerprint, labels, firing, first_seen, "
        "last_seen) VALUES ($1, $2, $3::jsonb, $4, $5, $6) ON CONFLICT (incident, fingerprint) "
        "DO UPDATE SET labels = excluded.labels, firing = excluded.firing, "
        "last_seen = excluded.last_seen",
        {Num(num), a.fingerprint, codec::LabelsJson(a.labels), a.firing ? "true" : "false",
         Num(a.first_seen), Num(a.last_seen)});
    if (!r) return Fail(r.error());
  }
  return {};
}

Result<void> PgStore::AppendEntries(int64_t num, const std::vector<TimelineEntry>& entries) {
  for (const TimelineEntry& e : entries) {
    auto r = c_->Exec(
        "INSERT INTO timeline (incident, time, actor, source, kind, text, details) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {Num(num), Num(e.time), e.actor, e.source, std::string(EntryKindName(e.kind)), e.text,
         e.details.empty() ? "{}" : e.details});
    if (!r) return Fail(r.error());
  }
  return {};
}

Result<Incident> PgStore::Create(const Incident& incident,
                                 const std::vector<TimelineEntry>& entries) {
  std::lock_guard lock(mu_);
  pg::PgTx tx(*c_);
  if (auto r = BeginWrite(tx); !r) return Fail(r.error());
  auto row = c_->Exec(
      "INSERT INTO incidents (title, services, severity, state, group_key, created_at, "
      "acknowledged_at, mitigated_at, resolved_at, closed_at, roles) "
      "VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb) RETURNING num",
      IncidentParams(incident));
  if (!row) return Fail(row.error());
  const int64_t num = row->Int(0, 0);
  if (auto r = WriteAlerts(num, incident, nullptr); !r) return Fail(r.error());
  if (auto r = AppendEntries(num, entries); !r) return Fail(r.error());
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  Incident stored = incident;
  stored.id = FormatIncidentId(num);
  stored.version = 1;
  std::ranges::sort(stored.alerts, {}, &LinkedAlert::fingerprint);
  return stored;
}

Result<Incident> PgStore::Update(const Incident& incident,
                                 const std::vector<TimelineEntry>& entries) {
  if (auto r = UpdateLocked(incident, entries, nullptr); !r) return Fail(r.error());
  Incident stored = incident;
  stored.version = incident.version + 1;
  std::ranges::sort(stored.alerts, {}, &LinkedAlert::fingerprint);
  return stored;
}

Result<int64_t> PgStore::UpdateSome(const Incident& incident,
                                    const std::vector<TimelineEntry>& entries,
                                    const std::vector<size_t>& changed_alerts) {
  if (auto r = UpdateLocked(incident, entries, &changed_alerts); !r) return Fail(r.error());
  return incident.version + 1;
}

Result<void> PgStore::UpdateLocked(const Incident& incident,
                                   const std::vector<TimelineEntry>& entries,
                                   const std::vector<size_t>* only) {
  auto num = ParseIncidentId(incident.id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  pg::PgTx tx(*c_);
  if (auto r = BeginWrite(tx); !r) return Fail(r.error());
  std::vector<Param> params = IncidentParams(incident);
  params.erase(params.begin() + 5);  // created_at never changes
  params.push_back(Num(*num));
  params.push_back(Num(incident.version));
  auto updated = c_->Exec(
      "UPDATE incidents SET title = $1, services = $2::jsonb, severity = $3, state = $4, "
      "group_key = $5, acknowledged_at = $6, mitigated_at = $7, resolved_at = $8, "
      "closed_at = $9, roles = $10::jsonb, version = version + 1 "
      "WHERE num = $11 AND version = $12",
      params);
  if (!updated) return Fail(updated.error());
  if (updated->affected == 0) {
    auto exists = IncidentExists(*num);
    if (!exists) return Fail(exists.error());
    if (!*exists) return Fail(ErrorCode::kNotFound, "no incident " + incident.id);
    return Fail(ErrorCode::kInvalidArgument,
                incident.id + " was changed concurrently; read it again and retry");
  }
  if (auto r = WriteAlerts(*num, incident, only); !r) return Fail(r.error());
  if (auto r = AppendEntries(*num, entries); !r) return Fail(r.error());
  return tx.Commit();
}

Result<std::vector<Incident>> PgStore::ReadIncidents(const std::string& where,
                                                     const std::vector<Param>& params) const {
  auto rows = c_->Exec("SELECT " FW_PG_INCIDENT_COLUMNS " FROM incidents " + where, params);
  if (!rows) return Fail(rows.error());
  std::vector<Incident> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    auto incident = PgRowToIncident(*rows, r);
    if (!incident) return Fail(incident.error());
    out.push_back(std::move(*incident));
  }
  for (Incident& i : out) {
    auto alerts = c_->Exec(
        "SELECT fingerprint, labels::text, firing, first_seen, last_seen FROM incident_alerts "
        "WHERE incident = $1 ORDER BY fingerprint COLLATE \"C\"",
        {Num(*ParseIncidentId(i.id))});
    if (!alerts) return Fail(alerts.error());
    for (size_t r = 0; r < alerts->size(); ++r) {
      auto labels = codec::ReadLabels(alerts->Text(r, 1));
      if (!labels) return Fail(labels.error());
      i.alerts.push_back({.fingerprint = alerts->Text(r, 0),
                          .labels = std::move(*labels),
                          .firing = Truthy(alerts->Text(r, 2)),
                          .first_seen = alerts->Int(r, 3),
                          .last_seen = alerts->Int(r, 4)});
    }
  }
  return out;
}

Result<Incident> PgStore::Get(const std::string& id) const {
  auto num = ParseIncidentId(id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  auto found = ReadIncidents("WHERE num = $1", {Num(*num)});
  if (!found) return Fail(found.error());
  if (found->empty()) return Fail(ErrorCode::kNotFound, "no incident " + id);
  return std::move(found->front());
}

Result<std::vector<TimelineEntry>> PgStore::Timeline(const std::string& id) const {
  if (auto exists = Get(id); !exists) return Fail(exists.error());
  std::lock_guard lock(mu_);
  auto rows = c_->Exec(
      "SELECT seq, time, actor, source, kind, text, details FROM timeline "
      "WHERE incident = $1 ORDER BY seq",
      {Num(*ParseIncidentId(id))});
  if (!rows) return Fail(rows.error());
  std::vector<TimelineEntry> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    auto kind = ParseEntryKind(rows->Text(r, 4));
    if (!kind) return Fail(kind.error().WithContext("incident store " + id));
    out.push_back({.seq = rows->Int(r, 0),
                   .incident_id = id,
                   .time = rows->Int(r, 1),
                   .actor = rows->Text(r, 2),
                   .source = rows->Text(r, 3),
                   .kind = *kind,
                   .text = rows->Text(r, 5),
                   .details = rows->Text(r, 6)});
  }
  return out;
}

Result<std::vector<Incident>> PgStore::List(const IncidentFilter& f) const {
  std::string where = "WHERE true";
  std::vector<Param> params;
  auto add = [&](const std::string& cond, Param value) {
    params.push_back(std::move(value));
    std::string c = cond;  // "{}" marks the value's place
    c.replace(c.find("{}"), 2, "$" + std::to_string(params.size()));
    where += " AND " + c;
  };
  if (f.state) add("state = {}", std::string(StateName(*f.state)));
  if (f.open_only) where += std::string(" AND state IN ") + kOpenStates;
  if (!f.service.empty()) add("services ? {}", f.service);
  if (f.severity) add("severity = {}", Num(static_cast<int64_t>(*f.severity)));
  if (f.created_from) add("created_at >= {}", Num(*f.created_from));
  if (f.created_to) add("created_at < {}", Num(*f.created_to));
  where += " ORDER BY num DESC";
  if (f.limit > 0) where += " LIMIT " + std::to_string(f.limit);
  std::lock_guard lock(mu_);
  return ReadIncidents(where, params);
}

Result<std::optional<Incident>> PgStore::FindOpen(const std::string& group_key) const {
  std::lock_guard lock(mu_);
  auto found = ReadIncidents(std::string("WHERE group_key = $1 AND state IN ") + kOpenStates +
                                 " ORDER BY num DESC LIMIT 1",
                             {group_key});
  if (!found) return Fail(found.error());
  if (found->empty()) return std::optional<Incident>();
  return std::optional<Incident>(std::move(found->front()));
}

Result<std::optional<Incident>> PgStore::FindResolvedSince(const std::string& group_key,
                                                           Timestamp since) const {
  std::lock_guard lock(mu_);
  auto found = ReadIncidents(
      "WHERE group_key = $1 AND state IN ('resolved', 'closed') AND resolved_at >= $2 "
      "ORDER BY resolved_at DESC, num DESC LIMIT 1",
      {group_key, Num(since)});
  if (!found) return Fail(found.error());
  if (found->empty()) return std::optional<Incident>();
  return std::optional<Incident>(std::move(found->front()));
}

}  // namespace fw::incident

// SqliteStore's reads and writes. Opening and migrations are in
// sqlite_schema.cpp.

#include "incident/sqlite_store.h"

#include <algorithm>

#include "incident/store_codec.h"

namespace fw::incident {
namespace {

#define FW_INCIDENT_COLUMNS                                                         \
  "num, title, services, severity, state, group_key, created_at, acknowledged_at, " \
  "mitigated_at, resolved_at, closed_at, roles, version"

constexpr const char* kInsertIncident =
    "INSERT INTO incidents (title, services, severity, state, group_key, created_at, "
    "acknowledged_at, mitigated_at, resolved_at, closed_at, roles) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kUpdateIncident =
    "UPDATE incidents SET title = ?1, services = ?2, severity = ?3, state = ?4, group_key = ?5, "
    "acknowledged_at = ?7, mitigated_at = ?8, resolved_at = ?9, closed_at = ?10, roles = ?11, "
    "version = version + 1 WHERE num = ?12 AND version = ?13";
constexpr const char* kVersionOf = "SELECT version FROM incidents WHERE num = ?1";
constexpr const char* kUpsertAlert =
    "INSERT INTO incident_alerts (incident, fingerprint, labels, firing, first_seen, last_seen) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (incident, fingerprint) DO UPDATE SET "
    "labels = excluded.labels, firing = excluded.firing, last_seen = excluded.last_seen";
constexpr const char* kSelectAlerts =
    "SELECT fingerprint, labels, firing, first_seen, last_seen FROM incident_alerts "
    "WHERE incident = ?1 ORDER BY fingerprint";
constexpr const char* kInsertEntry =
    "INSERT INTO timeline (incident, time, actor, source, kind, text, details) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kSelectTimeline =
    "SELECT seq, time, actor, source, kind, text, details FROM timeline "
    "WHERE incident = ?1 ORDER BY seq";
constexpr const char* kSelectOne = "SELECT " FW_INCIDENT_COLUMNS " FROM incidents WHERE num = ?1";
constexpr const char* kFindOpen =
    "SELECT " FW_INCIDENT_COLUMNS
    " FROM incidents WHERE group_key = ?1 AND state IN ('triggered', 'acknowledged', "
    "'mitigated') ORDER BY num DESC LIMIT 1";
constexpr const char* kFindResolved =
    "SELECT " FW_INCIDENT_COLUMNS
    " FROM incidents WHERE group_key = ?1 AND state IN ('resolved', 'closed') "
    "AND resolved_at >= ?2 ORDER BY resolved_at DESC, num DESC LIMIT 1";

// Binds the columns shared by insert and update (?1..?5, ?7..?11).
void BindIncident(sql::Stmt& s, const Incident& i) {
  s.Bind(1, i.title).Bind(2, codec::ServicesJson(i)).Bind(3, static_cast<int64_t>(i.severity));
  s.Bind(4, StateName(i.state)).Bind(5, i.group_key);
  s.Bind(7, i.acknowledged_at).Bind(8, i.mitigated_at).Bind(9, i.resolved_at);
  s.Bind(10, i.closed_at).Bind(11, codec::RolesJson(i));
}

Result<Incident> RowToIncident(const sql::Stmt& s) {
  Incident i;
  i.id = FormatIncidentId(s.Int(0));
  i.title = s.Text(1);
  if (auto r = codec::ReadServices(s.Text(2), i); !r) return Fail(r.error());
  i.severity = static_cast<Severity>(std::clamp<int64_t>(s.Int(3), 1, 4));
  auto state = ParseState(s.Text(4));
  if (!state) return Fail(state.error().WithContext("incident store " + i.id));
  i.state = *state;
  i.group_key = s.Text(5);
  i.created_at = s.Int(6);
  i.acknowledged_at = s.OptInt(7);
  i.mitigated_at = s.OptInt(8);
  i.resolved_at = s.OptInt(9);
  i.closed_at = s.OptInt(10);
  if (auto r = codec::ReadRoles(s.Text(11), i); !r) return Fail(r.error());
  i.version = s.Int(12);
  return i;
}

}  // namespace

Result<void> SqliteStore::WriteAlerts(int64_t num, const Incident& incident,
                                      const std::vector<size_t>* only) {
  const size_t n = only ? only->size() : incident.alerts.size();
  for (size_t k = 0; k < n; ++k) {
    const LinkedAlert& a = incident.alerts[only ? (*only)[k] : k];
    auto s = Prepare(kUpsertAlert);
    if (!s) return Fail(s.error());
    s->Bind(1, num).Bind(2, a.fingerprint).Bind(3, codec::LabelsJson(a.labels));
    s->Bind(4, int64_t{a.firing}).Bind(5, a.first_seen).Bind(6, a.last_seen);
    if (auto r = s->Run(); !r) return r;
  }
  return {};
}

Result<void> SqliteStore::AppendEntries(int64_t num, const std::vector<TimelineEntry>& entries) {
  for (const TimelineEntry& e : entries) {
    auto s = Prepare(kInsertEntry);
    if (!s) return Fail(s.error());
    s->Bind(1, num).Bind(2, e.time).Bind(3, e.actor).Bind(4, e.source);
    s->Bind(5, EntryKindName(e.kind)).Bind(6, e.text).Bind(7, e.details.empty() ? "{}" : e.details);
    if (auto r = s->Run(); !r) return r;
  }
  return {};
}

Result<Incident> SqliteStore::Create(const Incident& incident,
                                     const std::vector<TimelineEntry>& entries) {
  std::lock_guard lock(mu_);
  sql::Tx tx(db_);
  if (auto r = tx.Begin(); !r) return Fail(r.error());
  auto s = Prepare(kInsertIncident);
  if (!s) return Fail(s.error());
  BindIncident(*s, incident);
  s->Bind(6, incident.created_at);
  if (auto r = s->Run(); !r) return Fail(r.error());
  const int64_t num = sqlite3_last_insert_rowid(db_);
  if (auto r = WriteAlerts(num, incident); !r) return Fail(r.error());
  if (auto r = AppendEntries(num, entries); !r) return Fail(r.error());
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  Incident stored = incident;
  stored.id = FormatIncidentId(num);
  stored.version = 1;
  std::ranges::sort(stored.alerts, {}, &LinkedAlert::fingerprint);
  return stored;
}

Result<Incident> SqliteStore::Update(const Incident& incident,
                                     const std::vector<TimelineEntry>& entries) {
  if (auto r = UpdateLocked(incident, entries, nullptr); !r) return Fail(r.error());
  Incident stored = incident;
  stored.version = incident.version + 1;
  std::ranges::sort(stored.alerts, {}, &LinkedAlert::fingerprint);
  return stored;
}

Result<int64_t> SqliteStore::UpdateSome(const Incident& incident,
                                        const std::vector<TimelineEntry>& entries,
                                        const std::vector<size_t>& changed_alerts) {
  if (auto r = UpdateLocked(incident, entries, &changed_alerts); !r) return Fail(r.error());
  return incident.version + 1;
}

Result<void> SqliteStore::UpdateLocked(const Incident& incident,
                                       const std::vector<TimelineEntry>& entries,
                                       const std::vector<size_t>* only) {
  auto num = ParseIncidentId(incident.id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  sql::Tx tx(db_);
  if (auto r = tx.Begin(); !r) return Fail(r.error());
  auto s = Prepare(kUpdateIncident);
  if (!s) return Fail(s.error());
  BindIncident(*s, incident);
  s->Bind(12, *num).Bind(13, incident.version);
  if (auto r = s->Run(); !r) return Fail(r.error());
  if (sqlite3_changes(db_) == 0) {
    auto v = Prepare(kVersionOf);
    if (!v) return Fail(v.error());
    v->Bind(1, *num);
    auto row = v->Step();
    if (!row) return Fail(row.error());
    if (!*row) return Fail(ErrorCode::kNotFound, "no incident " + incident.id);
    return Fail(ErrorCode::kInvalidArgument,
                incident.id + " was changed concurrently; read it again and retry");
  }
  if (auto r = WriteAlerts(*num, incident, only); !r) return Fail(r.error());
  if (auto r = AppendEntries(*num, entries); !r) return Fail(r.error());
  return tx.Commit();
}

Result<std::vector<Incident>> SqliteStore::ReadIncidents(sql::Stmt& stmt) const {
  std::vector<Incident> out;
  for (;;) {
    auto row = stmt.Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto incident = RowToIncident(stmt);
    if (!incident) return Fail(incident.error());
    out.push_back(std::move(*incident));
  }
  if (schema_version_ < 2) return out;  // no alerts table yet
  for (Incident& i : out) {
    auto s = Prepare(kSelectAlerts);
    if (!s) return Fail(s.error());
    s->Bind(1, *ParseIncidentId(i.id));
    for (;;) {
      auto row = s->Step();
      if (!row) return Fail(row.error());
      if (!*row) break;
      auto labels = codec::ReadLabels(s->Text(1));
      if (!labels) return Fail(labels.error());
      LinkedAlert a;
      a.fingerprint = s->Text(0);
      a.labels = std::move(*labels);
      a.firing = s->Int(2) != 0;
      a.first_seen = s->Int(3);
      a.last_seen = s->Int(4);
      i.alerts.push_back(std::move(a));
    }
  }
  return out;
}

Result<Incident> SqliteStore::Get(const std::string& id) const {
  auto num = ParseIncidentId(id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  auto s = Prepare(kSelectOne);
  if (!s) return Fail(s.error());
  s->Bind(1, *num);
  auto found = ReadIncidents(*s);
  if (!found) return Fail(found.error());
  if (found->empty()) return Fail(ErrorCode::kNotFound, "no incident " + id);
  return std::move(found->front());
}

Result<std::vector<TimelineEntry>> SqliteStore::Timeline(const std::string& id) const {
  if (auto exists = Get(id); !exists) return Fail(exists.error());
  std::lock_guard lock(mu_);
  auto s = Prepare(kSelectTimeline);
  if (!s) return Fail(s.error());
  s->Bind(1, *ParseIncidentId(id));
  std::vector<TimelineEntry> out;
  for (;;) {
    auto row = s->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    auto kind = ParseEntryKind(s->Text(4));
    if (!kind) return Fail(kind.error().WithContext("incident store " + id));
    out.push_back({.seq = s->Int(0),
                   .incident_id = id,
                   .time = s->Int(1),
                   .actor = s->Text(2),
                   .source = s->Text(3),
                   .kind = *kind,
                   .text = s->Text(5),
                   .details = s->Text(6)});
  }
  return out;
}

Result<std::vector<Incident>> SqliteStore::List(const IncidentFilter& f) const {
  std::string text = "SELECT " FW_INCIDENT_COLUMNS " FROM incidents WHERE 1";
  if (f.state) text += " AND state = ?1";
  if (f.open_only) text += " AND state IN ('triggered', 'acknowledged', 'mitigated')";
  if (!f.service.empty()) {
    text += " AND EXISTS (SELECT 1 FROM json_each(incidents.services) WHERE value = ?2)";
  }
  if (f.severity) text += " AND severity = ?3";
  if (f.created_from) text += " AND created_at >= ?4";
  if (f.created_to) text += " AND created_at < ?5";
  text += " ORDER BY num DESC";
  if (f.limit > 0) text += " LIMIT " + std::to_string(f.limit);
  std::lock_guard lock(mu_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, text.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    return Fail(sql::DbError(db_, "preparing a list query"));
  }
  sql::Stmt s(raw, /*owned=*/true);
  if (f.state) s.Bind(1, StateName(*f.state));
  if (!f.service.empty()) s.Bind(2, f.service);
  if (f.severity) s.Bind(3, static_cast<int64_t>(*f.severity));
  s.Bind(4, f.created_from).Bind(5, f.created_to);
  return ReadIncidents(s);
}

Result<std::optional<Incident>> SqliteStore::FindOne(const char* text, const std::string& key,
                                                     std::optional<Timestamp> since) const {
  std::lock_guard lock(mu_);
  auto s = Prepare(text);
  if (!s) return Fail(s.error());
  s->Bind(1, key);
  if (since) s->Bind(2, *since);
  auto found = ReadIncidents(*s);
  if (!found) return Fail(found.error());
  if (found->empty()) return std::optional<Incident>();
  return std::optional<Incident>(std::move(found->front()));
}

Result<std::optional<Incident>> SqliteStore::FindOpen(const std::string& group_key) const {
  return FindOne(kFindOpen, group_key, std::nullopt);
}

Result<std::optional<Incident>> SqliteStore::FindResolvedSince(const std::string& group_key,
                                                               Timestamp since) const {
  return FindOne(kFindResolved, group_key, since);
}

}  // namespace fw::incident

// ---- Action items --------------------------------------------------------

namespace fw::incident {
namespace {

constexpr const char* kIncidentExists = "SELECT 1 FROM incidents WHERE num = ?1";
constexpr const char* kNextItem =
    "SELECT coalesce(max(num), 0) + 1 FROM action_items WHERE incident = ?1";
constexpr const char* kInsertItem =
    "INSERT INTO action_items (incident, num, text, owner, done, created_at, done_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kSelectItems =
    "SELECT num, text, owner, done, created_at, done_at FROM action_items "
    "WHERE incident = ?1 AND (?2 IS NULL OR num = ?2) ORDER BY num";
constexpr const char* kSetItemDone =
    "UPDATE action_items SET done = ?3, done_at = ?4 WHERE incident = ?1 AND num = ?2";

Error NoActionItems(int version) {
  return Error(ErrorCode::kInvalidArgument,
               "incident store schema version " + std::to_string(version) +
                   " has no action items (version 4 adds them); open it with migrations");
}

}  // namespace

Result<std::vector<ActionItem>> IncidentStore::AddActionItems(const std::string&,
                                                              const std::vector<ActionItem>&,
                                                              const ActionItemEntry&) {
  return Fail(ErrorCode::kInternal, "this incident store does not keep action items");
}
Result<std::vector<ActionItem>> IncidentStore::ActionItems(const std::string&) const {
  return Fail(ErrorCode::kInternal, "this incident store does not keep action items");
}
Result<ActionItem> IncidentStore::SetActionItemDone(const std::string&, const std::string&, bool,
                                                    Timestamp, const ActionItemEntry&) {
  return Fail(ErrorCode::kInternal, "this incident store does not keep action items");
}

Result<bool> SqliteStore::IncidentExists(int64_t num) const {
  auto s = Prepare(kIncidentExists);
  if (!s) return Fail(s.error());
  s->Bind(1, num);
  return s->Step();
}

Result<std::vector<ActionItem>> SqliteStore::ReadActionItems(int64_t num, const std::string& id,
                                                             std::optional<int64_t> item) const {
  auto s = Prepare(kSelectItems);
  if (!s) return Fail(s.error());
  s->Bind(1, num).Bind(2, item);
  std::vector<ActionItem> out;
  for (;;) {
    auto row = s->Step();
    if (!row) return Fail(row.error());
    if (!*row) break;
    out.push_back({.id = codec::ItemId(s->Int(0)),
                   .incident_id = id,
                   .text = s->Text(1),
                   .owner = s->Text(2),
                   .done = s->Int(3) != 0,
                   .created_at = s->Int(4),
                   .done_at = s->OptInt(5)});
  }
  return out;
}

Result<std::vector<ActionItem>> SqliteStore::AddActionItems(const std::string& incident_id,
                                                            const std::vector<ActionItem>& items,
                                                            const ActionItemEntry& entry) {
  auto num = ParseIncidentId(incident_id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  if (schema_version_ < 4) return Fail(NoActionItems(schema_version_));
  sql::Tx tx(db_);
  if (auto r = tx.Begin(); !r) return Fail(r.error());
  auto exists = IncidentExists(*num);
  if (!exists) return Fail(exists.error());
  if (!*exists) return Fail(ErrorCode::kNotFound, "no incident " + incident_id);
  int64_t n = 1;
  {
    auto next = Prepare(kNextItem);
    if (!next) return Fail(next.error());
    next->Bind(1, *num);
    if (auto row = next->Step(); !row) return Fail(row.error());
    n = next->Int(0);
  }
  std::vector<ActionItem> stored;
  for (const ActionItem& item : items) {
    ActionItem a = item;
    a.id = codec::ItemId(n);
    a.incident_id = incident_id;
    if (!a.done) a.done_at.reset();
    auto s = Prepare(kInsertItem);
    if (!s) return Fail(s.error());
    s->Bind(1, *num).Bind(2, n++).Bind(3, a.text).Bind(4, a.owner);
    s->Bind(5, int64_t{a.done}).Bind(6, a.created_at).Bind(7, a.done_at);
    if (auto r = s->Run(); !r) return Fail(r.error());
    if (auto r = AppendEntries(*num, {entry(a)}); !r) return Fail(r.error());
    stored.push_back(std::move(a));
  }
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  return stored;
}

Result<std::vector<ActionItem>> SqliteStore::ActionItems(const std::string& incident_id) const {
  auto num = ParseIncidentId(incident_id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  if (schema_version_ < 4) return Fail(NoActionItems(schema_version_));
  auto exists = IncidentExists(*num);
  if (!exists) return Fail(exists.error());
  if (!*exists) return Fail(ErrorCode::kNotFound, "no incident " + incident_id);
  return ReadActionItems(*num, incident_id, std::nullopt);
}

Result<ActionItem> SqliteStore::SetActionItemDone(const std::string& incident_id,
                                                  const std::string& item_id, bool done,
                                                  Timestamp now, const ActionItemEntry& entry) {
  auto num = ParseIncidentId(incident_id);
  if (!num) return Fail(num.error());
  auto item = codec::ParseItemId(item_id);
  if (!item) return Fail(item.error());
  std::lock_guard lock(mu_);
  if (schema_version_ < 4) return Fail(NoActionItems(schema_version_));
  sql::Tx tx(db_);
  if (auto r = tx.Begin(); !r) return Fail(r.error());
  auto s = Prepare(kSetItemDone);
  if (!s) return Fail(s.error());
  s->Bind(1, *num).Bind(2, *item).Bind(3, int64_t{done});
  s->Bind(4, done ? std::optional<int64_t>(now) : std::nullopt);
  if (auto r = s->Run(); !r) return Fail(r.error());
  if (sqlite3_changes(db_) == 0) {
    auto exists = IncidentExists(*num);
    if (!exists) return Fail(exists.error());
    return Fail(ErrorCode::kNotFound, *exists ? "no action item " + item_id + " in " + incident_id
                                              : "no incident " + incident_id);
  }
  auto read = ReadActionItems(*num, incident_id, *item);
  if (!read) return Fail(read.error());
  if (read->empty()) return Fail(ErrorCode::kInternal, "action item vanished: " + item_id);
  if (auto r = AppendEntries(*num, {entry(read->front())}); !r) return Fail(r.error());
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  return std::move(read->front());
}

}  // namespace fw::incident

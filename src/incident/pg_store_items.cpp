// PgStore: action items, and importing incidents copied from another store.

#include "incident/pg_store.h"
#include "incident/store_codec.h"

namespace fw::incident {
namespace {

using pg::Param;

using pg::Num;
using pg::OptNum;

}  // namespace

Result<bool> PgStore::IncidentExists(int64_t num) const {
  auto r = c_->Exec("SELECT 1 FROM incidents WHERE num = $1", {Num(num)});
  if (!r) return Fail(r.error());
  return !r->empty();
}

Result<std::vector<ActionItem>> PgStore::ReadActionItems(int64_t num, const std::string& id,
                                                         std::optional<int64_t> item) const {
  auto rows = c_->Exec(
      "SELECT num, text, owner, done, created_at, done_at FROM action_items "
      "WHERE incident = $1 AND ($2::bigint IS NULL OR num = $2::bigint) ORDER BY num",
      {Num(num), OptNum(item)});
  if (!rows) return Fail(rows.error());
  std::vector<ActionItem> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    out.push_back({.id = codec::ItemId(rows->Int(r, 0)),
                   .incident_id = id,
                   .text = rows->Text(r, 1),
                   .owner = rows->Text(r, 2),
                   .done = rows->Text(r, 3) == "t",
                   .created_at = rows->Int(r, 4),
                   .done_at = rows->OptInt(r, 5)});
  }
  return out;
}

Result<std::vector<ActionItem>> PgStore::AddActionItems(const std::string& incident_id,
                                                        const std::vector<ActionItem>& items,
                                                        const ActionItemEntry& entry) {
  auto num = ParseIncidentId(incident_id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  pg::PgTx tx(*c_);
  if (auto r = BeginWrite(tx); !r) return Fail(r.error());
  auto exists = IncidentExists(*num);
  if (!exists) return Fail(exists.error());
  if (!*exists) return Fail(ErrorCode::kNotFound, "no incident " + incident_id);
  auto next = c_->Exec("SELECT coalesce(max(num), 0) + 1 FROM action_items WHERE incident = $1",
                       {Num(*num)});
  if (!next) return Fail(next.error());
  int64_t n = next->Int(0, 0);
  std::vector<ActionItem> stored;
  for (const ActionItem& item : items) {
    ActionItem a = item;
    a.id = codec::ItemId(n);
    a.incident_id = incident_id;
    if (!a.done) a.done_at.reset();
    auto r = c_->Exec(
        "INSERT INTO action_items (incident, num, text, owner, done, created_at, done_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {Num(*num), Num(n++), a.text, a.owner, a.done ? "true" : "false", Num(a.created_at),
         OptNum(a.done_at)});
    if (!r) return Fail(r.error());
    if (auto e = AppendEntries(*num, {entry(a)}); !e) return Fail(e.error());
    stored.push_back(std::move(a));
  }
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  return stored;
}

Result<std::vector<ActionItem>> PgStore::ActionItems(const std::string& incident_id) const {
  auto num = ParseIncidentId(incident_id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  auto exists = IncidentExists(*num);
  if (!exists) return Fail(exists.error());
  if (!*exists) return Fail(ErrorCode::kNotFound, "no incident " + incident_id);
  return ReadActionItems(*num, incident_id, std::nullopt);
}

Result<ActionItem> PgStore::SetActionItemDone(const std::string& incident_id,
                                              const std::string& item_id, bool done, Timestamp now,
                                              const ActionItemEntry& entry) {
  auto num = ParseIncidentId(incident_id);
  if (!num) return Fail(num.error());
  auto item = codec::ParseItemId(item_id);
  if (!item) return Fail(item.error());
  std::lock_guard lock(mu_);
  pg::PgTx tx(*c_);
  if (auto r = BeginWrite(tx); !r) return Fail(r.error());
  auto set =
      c_->Exec("UPDATE action_items SET done = $3, done_at = $4 WHERE incident = $1 AND num = $2",
               {Num(*num), Num(*item), done ? "true" : "false", done ? Num(now) : Param()});
  if (!set) return Fail(set.error());
  if (set->affected == 0) {
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

Result<void> PgStore::Import(const Incident& incident, const std::vector<TimelineEntry>& timeline,
                             const std::vector<ActionItem>& items) {
  auto num = ParseIncidentId(incident.id);
  if (!num) return Fail(num.error());
  std::lock_guard lock(mu_);
  pg::PgTx tx(*c_);
  if (auto r = BeginWrite(tx); !r) return Fail(r.error());
  auto exists = IncidentExists(*num);
  if (!exists) return Fail(exists.error());
  if (*exists) {
    return Fail(ErrorCode::kInvalidArgument,
                incident.id + " already exists in " + c_->where() + "; nothing was copied");
  }
  auto row = c_->Exec(
      "INSERT INTO incidents (num, title, services, severity, state, group_key, created_at, "
      "acknowledged_at, mitigated_at, resolved_at, closed_at, roles, version) VALUES "
      "($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)",
      {Num(*num), incident.title, codec::ServicesJson(incident),
       Num(static_cast<int64_t>(incident.severity)), std::string(StateName(incident.state)),
       incident.group_key, Num(incident.created_at), OptNum(incident.acknowledged_at),
       OptNum(incident.mitigated_at), OptNum(incident.resolved_at), OptNum(incident.closed_at),
       codec::RolesJson(incident), Num(incident.version)});
  if (!row) return Fail(row.error());
  if (auto r = WriteAlerts(*num, incident, nullptr); !r) return Fail(r.error());
  if (auto r = AppendEntries(*num, timeline); !r) return Fail(r.error());
  for (const ActionItem& a : items) {
    auto n = codec::ParseItemId(a.id);
    if (!n) return Fail(n.error());
    auto r = c_->Exec(
        "INSERT INTO action_items (incident, num, text, owner, done, created_at, done_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        {Num(*num), Num(*n), a.text, a.owner, a.done ? "true" : "false", Num(a.created_at),
         OptNum(a.done_at)});
    if (!r) return Fail(r.error());
  }
  // New incidents continue after the highest number copied.
  auto seq = c_->Exec(
      "SELECT setval(pg_get_serial_sequence('incidents', 'num'), "
      "greatest((SELECT max(num) FROM incidents), 1))");
  if (!seq) return Fail(seq.error());
  return tx.Commit();
}

}  // namespace fw::incident

// PgOutbox and PgAlertIntake; see the header for what replicas share.

#include "alerting/pg_alert_state.h"

#include "alerting/intake_journal.h"
#include "alerting/matchers.h"
#include "pg/leader_lease.h"

namespace fw::alerting {
namespace {

using pg::Num;

Result<std::unique_ptr<pg::PgConnection>> Connect(const pg::ConnectOptions& c,
                                                  const std::string& what) {
  pg::ConnectOptions o = c;
  o.application_name = "firewatch " + what;
  auto conn = pg::PgConnection::Open(o);
  if (!conn) return Fail(conn.error().WithContext(what));
  return conn;
}

}  // namespace

Result<std::unique_ptr<PgOutbox>> PgOutbox::Open(const pg::ConnectOptions& c, LeaderEpoch epoch,
                                                 std::string lease_name) {
  auto conn = Connect(c, "outbox");
  if (!conn) return Fail(conn.error());
  return std::unique_ptr<PgOutbox>(
      new PgOutbox(std::move(*conn), std::move(epoch), std::move(lease_name)));
}

Result<std::string> PgOutbox::Enqueue(Delivery d) {
  const std::optional<int64_t> epoch = epoch_();
  if (!epoch) return Fail(ErrorCode::kForbidden, "not the leader: notifications are not queued");
  std::lock_guard lock(mu_);
  pg::PgTx tx(*c_);
  if (auto r = tx.Begin(); !r) return Fail(r.error());
  if (auto r = pg::LeaderLease::Fence(*c_, lease_, *epoch); !r) return Fail(r.error());
  auto row = c_->Exec(
      "INSERT INTO outbox (receiver, url, body, created, priority) VALUES ($1, $2, $3, $4, $5) "
      "RETURNING id",
      {d.receiver, d.url, d.body, Num(d.created), Num(d.priority)});
  if (!row) return Fail(row.error());
  if (auto r = tx.Commit(); !r) return Fail(r.error());
  return "d-" + row->Text(0, 0);
}

Result<void> PgOutbox::Done(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = c_->Exec("UPDATE outbox SET done_at = now() WHERE id = $1",
                    {id.starts_with("d-") ? id.substr(2) : id});
  if (!r) return Fail(r.error());
  return {};
}

std::vector<Delivery> PgOutbox::Pending(int priority) const {
  std::lock_guard lock(mu_);
  auto rows = c_->Exec(
      "SELECT id, receiver, url, body, created, priority FROM outbox "
      "WHERE done_at IS NULL AND ($1::integer < 0 OR priority = $1::integer) ORDER BY id",
      {Num(priority)});
  std::vector<Delivery> out;
  if (!rows) return out;  // the next round asks again
  for (size_t r = 0; r < rows->size(); ++r) {
    out.push_back({.id = "d-" + rows->Text(r, 0),
                   .receiver = rows->Text(r, 1),
                   .url = rows->Text(r, 2),
                   .body = rows->Text(r, 3),
                   .created = rows->Int(r, 4),
                   .priority = static_cast<int>(rows->Int(r, 5))});
  }
  return out;
}

Result<bool> PgOutbox::Claim(const Delivery& d, Millis hold) {
  const std::optional<int64_t> epoch = epoch_();
  if (!epoch) return false;
  std::lock_guard lock(mu_);
  // One statement: the row is free (or its claim ran out, or it is ours)
  // and the lease still carries our epoch. Concurrent claimers serialise
  // on the row lock; the loser sees the winner's claim and gets no row.
  auto won = c_->Exec(
      "UPDATE outbox SET claimed_until = now() + $2::bigint * interval '1 millisecond', "
      " claimed_epoch = $3, attempts = attempts + 1 "
      "WHERE id = $1 AND done_at IS NULL "
      " AND (claimed_until IS NULL OR claimed_until < now() OR claimed_epoch = $3) "
      " AND EXISTS (SELECT 1 FROM leader_lease WHERE name = $4 AND epoch = $3) "
      "RETURNING id",
      {d.id.starts_with("d-") ? d.id.substr(2) : d.id, Num(hold.count()), Num(*epoch), lease_});
  if (!won) return Fail(won.error());
  return !won->empty();
}

Result<std::unique_ptr<PgAlertIntake>> PgAlertIntake::Open(const pg::ConnectOptions& c) {
  auto conn = Connect(c, "intake");
  if (!conn) return Fail(conn.error());
  return std::unique_ptr<PgAlertIntake>(new PgAlertIntake(std::move(*conn)));
}

Result<void> PgAlertIntake::Append(const std::vector<RoutedAlert>& alerts, Timestamp now) {
  if (alerts.empty()) return {};
  std::string fingerprints = "{", records = "{";
  // One INSERT of arrays: a webhook's alerts are one round trip, one commit.
  auto quote = [](const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    return out + "\"";
  };
  for (size_t i = 0; i < alerts.size(); ++i) {
    if (i) {
      fingerprints += ",";
      records += ",";
    }
    fingerprints += quote(Fingerprint(alerts[i].labels));
    records += quote(EncodeAlert(alerts[i]));
  }
  fingerprints += "}";
  records += "}";
  std::lock_guard lock(mu_);
  auto r = c_->Exec(
      "INSERT INTO intake (received, fingerprint, alert) "
      "SELECT $1, f, a FROM unnest($2::text[], $3::text[]) AS t(f, a)",
      {Num(now), fingerprints, records});
  if (!r) return Fail(r.error());
  return {};
}

Result<std::pair<std::vector<RoutedAlert>, int64_t>> PgAlertIntake::Since(int64_t after,
                                                                          size_t limit) {
  std::lock_guard lock(mu_);
  auto rows = c_->Exec("SELECT id, alert FROM intake WHERE id > $1 ORDER BY id LIMIT $2",
                       {Num(after), Num(static_cast<int64_t>(limit))});
  if (!rows) return Fail(rows.error());
  std::pair<std::vector<RoutedAlert>, int64_t> out{{}, after};
  for (size_t r = 0; r < rows->size(); ++r) {
    RoutedAlert a;
    if (DecodeAlert(rows->Text(r, 1), a)) out.first.push_back(std::move(a));
    out.second = rows->Int(r, 0);
  }
  return out;
}

Result<std::pair<std::vector<RoutedAlert>, int64_t>> PgAlertIntake::Replay(Timestamp now,
                                                                           Millis keep) {
  std::lock_guard lock(mu_);
  auto last = c_->Exec("SELECT coalesce(max(id), 0) FROM intake");
  if (!last) return Fail(last.error());
  auto rows = c_->Exec(
      "SELECT DISTINCT ON (fingerprint) alert FROM intake WHERE id <= $1 "
      "ORDER BY fingerprint, id DESC",
      {last->Text(0, 0)});
  if (!rows) return Fail(rows.error());
  std::pair<std::vector<RoutedAlert>, int64_t> out{{}, last->Int(0, 0)};
  for (size_t r = 0; r < rows->size(); ++r) {
    RoutedAlert a;
    if (!DecodeAlert(rows->Text(r, 0), a)) continue;
    if (a.ends_at != 0 && a.ends_at <= now && a.ends_at < now - keep.count()) continue;
    out.first.push_back(std::move(a));
  }
  return out;
}

Result<void> PgAlertIntake::RecordSent(const std::string& group_key, uint64_t digest,
                                       Timestamp at) {
  std::lock_guard lock(mu_);
  auto r = c_->Exec(
      "INSERT INTO notification_log (group_key, digest, at) VALUES ($1, $2, $3) "
      "ON CONFLICT (group_key) DO UPDATE SET digest = excluded.digest, at = excluded.at",
      {group_key, std::to_string(digest), Num(at)});
  if (!r) return Fail(r.error());
  return {};
}

Result<std::map<std::string, std::pair<uint64_t, Timestamp>>> PgAlertIntake::Sent(Timestamp now,
                                                                                  Millis max_age) {
  std::lock_guard lock(mu_);
  auto rows = c_->Exec("SELECT group_key, digest, at FROM notification_log WHERE at >= $1",
                       {Num(now - max_age.count())});
  if (!rows) return Fail(rows.error());
  std::map<std::string, std::pair<uint64_t, Timestamp>> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    out[rows->Text(r, 0)] = {std::stoull(rows->Text(r, 1)), rows->Int(r, 2)};
  }
  return out;
}

Result<void> PgAlertIntake::SaveSilence(const Silence& s) {
  std::string matchers;
  for (const Matcher& m : s.matchers) matchers += m.ToString() + "\n";
  std::lock_guard lock(mu_);
  auto r = c_->Exec(
      "INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment) "
      "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET "
      "matchers = excluded.matchers, starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
      "created_by = excluded.created_by, comment = excluded.comment",
      {s.id, matchers, Num(s.starts_at), Num(s.ends_at), s.created_by, s.comment});
  if (!r) return Fail(r.error());
  return {};
}

Result<std::vector<Silence>> PgAlertIntake::Silences(Timestamp now, Millis keep) {
  std::lock_guard lock(mu_);
  auto rows = c_->Exec(
      "SELECT id, matchers, starts_at, ends_at, created_by, comment FROM silences "
      "WHERE ends_at >= $1 ORDER BY id",
      {Num(now - keep.count())});
  if (!rows) return Fail(rows.error());
  std::vector<Silence> out;
  for (size_t r = 0; r < rows->size(); ++r) {
    Silence s;
    s.id = rows->Text(r, 0);
    const std::string& text = rows->Text(r, 1);
    for (size_t at = 0; at < text.size();) {
      const size_t nl = text.find('\n', at);
      const std::string line = text.substr(at, nl == std::string::npos ? nl : nl - at);
      if (auto m = Matcher::Parse(line); m) s.matchers.push_back(std::move(*m));
      at = nl == std::string::npos ? text.size() : nl + 1;
    }
    s.starts_at = rows->Int(r, 2);
    s.ends_at = rows->Int(r, 3);
    s.created_by = rows->Text(r, 4);
    s.comment = rows->Text(r, 5);
    if (!s.matchers.empty()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace fw::alerting

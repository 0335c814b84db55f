#pragma once
// IncidentStore: where incidents and their timelines live. Deliberately
// narrow (whole-incident writes plus a few queries) so that a PostgreSQL
// backend can implement it later with the same semantics.
//
// Contract for every implementation:
//  - Each mutating call is one transaction: all of it is stored or none.
//  - A call that returned success is durable (fsynced): it survives kill -9.
//  - Incident ids ("INC-n") and timeline seqs are assigned by the store and
//    never reused; timeline seqs increase in commit order.
//  - Update is optimistic: it fails with kInvalidArgument ("changed
//    concurrently") when the stored version differs from incident.version.
// Thread-safe: calls may come from several threads.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "incident/incident.h"

namespace fw::incident {

// A follow-up from the post-incident review, tracked until done. Ids
// ("AI-1", "AI-2", ...) are assigned by the store, per incident, never reused.
// Every member has an initializer, so designated initialisation
// ({.text = ..., .owner = ...}) compiles without -Wmissing-field-initializers.
struct ActionItem {
  std::string id{};
  std::string incident_id{};
  std::string text{};
  std::string owner{};  // role or person; "" = unassigned
  bool done = false;
  Timestamp created_at = 0;
  std::optional<Timestamp> done_at{};  // when it was last marked done
};

// Builds the timeline entry recording a change to an action item, once the
// store has given the item its id.
using ActionItemEntry = std::function<TimelineEntry(const ActionItem&)>;

struct IncidentFilter {
  std::optional<State> state{};
  bool open_only = false;  // triggered, acknowledged or mitigated
  std::string service{};   // incidents touching this service; "" = any
  std::optional<Severity> severity{};
  std::optional<Timestamp> created_from{};  // inclusive
  std::optional<Timestamp> created_to{};    // exclusive
  size_t limit = 0;                         // 0 = no limit; newest first
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  // Stores a new incident (its id, version and alerts' order are set here)
  // with its first timeline entries, whose incident_id is filled in.
  // Returns the incident as stored.
  virtual Result<Incident> Create(const Incident& incident,
                                  const std::vector<TimelineEntry>& entries) = 0;

  // Replaces the stored incident (state, severity, times, roles, services,
  // alerts) and appends `entries`, in one transaction. Returns the incident
  // with its new version. kNotFound if the id is unknown.
  virtual Result<Incident> Update(const Incident& incident,
                                  const std::vector<TimelineEntry>& entries) = 0;
  // Update for an incident whose linked alerts changed only at the indices
  // `changed_alerts` (the others are as stored): writes just those, so a
  // storm's alerts cost O(1) each. Returns the new version.
  virtual Result<int64_t> UpdateSome(const Incident& incident,
                                     const std::vector<TimelineEntry>& entries,
                                     const std::vector<size_t>& changed_alerts) {
    (void)changed_alerts;
    auto stored = Update(incident, entries);
    if (!stored) return Fail(stored.error());
    return stored->version;
  }

  virtual Result<Incident> Get(const std::string& id) const = 0;
  // The whole timeline in seq order.
  virtual Result<std::vector<TimelineEntry>> Timeline(const std::string& id) const = 0;
  virtual Result<std::vector<Incident>> List(const IncidentFilter& filter) const = 0;

  // The open incident with this group key, if any (dedup).
  virtual Result<std::optional<Incident>> FindOpen(const std::string& group_key) const = 0;
  // The most recently resolved (or closed) incident with this key whose
  // resolved_at >= since, if any (the reopen window).
  virtual Result<std::optional<Incident>> FindResolvedSince(const std::string& group_key,
                                                            Timestamp since) const = 0;

  // Action items. Each write also appends the entry `entry` builds for each
  // item, in the same transaction. kNotFound for an unknown incident or item.
  // The defaults fail: a store without action items says so.
  virtual Result<std::vector<ActionItem>> AddActionItems(const std::string& incident_id,
                                                         const std::vector<ActionItem>& items,
                                                         const ActionItemEntry& entry);
  // In id order.
  virtual Result<std::vector<ActionItem>> ActionItems(const std::string& incident_id) const;
  virtual Result<ActionItem> SetActionItemDone(const std::string& incident_id,
                                               const std::string& item_id, bool done, Timestamp now,
                                               const ActionItemEntry& entry);
};

}  // namespace fw::incident

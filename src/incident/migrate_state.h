#pragma once
// Copying incidents from one store to PostgreSQL, for `firewatch admin
// migrate-state` (a single server's SQLite file into the database replicas
// share). Each incident is copied whole (its id, version, linked alerts,
// timeline and action items) in one transaction, oldest first; one that is
// already there is skipped, so a copy that stopped half-way can be run
// again. The source is only read.

#include <functional>
#include <string>

#include "common/error.h"
#include "incident/pg_store.h"
#include "incident/store.h"

namespace fw::incident {

struct CopyReport {
  size_t copied = 0;
  size_t skipped = 0;  // already in the destination
  size_t timeline_entries = 0;
  size_t action_items = 0;
};

// `progress` (optional) hears each incident id as it is copied.
Result<CopyReport> CopyIncidents(const IncidentStore& from, PgStore& to,
                                 const std::function<void(const std::string&)>& progress = {});

}  // namespace fw::incident

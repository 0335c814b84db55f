// Where the pipeline keeps incidents: SQLite under the data directory, or
// the PostgreSQL of `state:` shared by replicas (docs/ha.md).

#include "pipeline/pipeline_impl.h"

namespace fw::pipeline {

Result<void> Pipeline::Impl::OpenStore() {
  const pg::StateSettings& state = settings.state;
  if (!state.postgres) {
    auto opened = incident::SqliteStore::Open(options.data_dir + "/incidents.db");
    if (!opened) return Fail(opened.error());
    store = std::move(*opened);
    return {};
  }
  incident::PgStoreOptions o;
  o.connect = state.connect;
  // The leader's writes are fenced by its epoch; a follower's (people's API
  // writes) are not, since they do not depend on leading.
  o.fence = [this]() -> std::optional<int64_t> {
    const int64_t e = leader_epoch.load();
    if (e > 0) return e;
    return std::nullopt;
  };
  auto opened = incident::PgStore::Open(std::move(o));
  if (!opened) return Fail(opened.error().WithContext("state.postgres"));
  store = std::move(*opened);
  if (log) log->Info("incident store", {{"backend", "postgres"}, {"schema", state.connect.schema}});
  return {};
}

}  // namespace fw::pipeline

#pragma once
// `state:` in firewatch.yml: where firewatch keeps its own state. Absent:
// SQLite and files under the data directory (one server). With
// `postgres:`, incidents, their timelines and action items live in
// PostgreSQL, and several `serve` replicas may share it, one leading at a
// time through a lease (docs/ha.md):
//
//   state:
//     postgres:
//       dsn: "host=db.internal port=5432 dbname=firewatch user=firewatch"
//       # or dsn_env: FIREWATCH_STATE_DSN (a dsn holding a password)
//       schema: firewatch      # default
//       timeout: 5s            # connect and each statement
//     lease: 5s                # leader lease; a follower takes over within it

#include <chrono>

#include "common/duration.h"
#include "common/yaml_reader.h"
#include "pg/connection.h"

namespace fw::pg {

struct StateSettings {
  bool postgres = false;  // false: SQLite under the data directory
  ConnectOptions connect;
  Millis lease{5000};
};

StateSettings ReadStateSettings(YamlReader& r, const YAML::Node& root);

}  // namespace fw::pg

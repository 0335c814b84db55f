#include "pg/state_settings.h"

#include <cstdlib>

namespace fw::pg {

StateSettings ReadStateSettings(YamlReader& r, const YAML::Node& root) {
  StateSettings out;
  const YAML::Node state = YamlChild(root, "state");
  if (!state.IsDefined() || state.IsNull() || !r.Keys(state, "state", {"postgres", "lease"})) {
    return out;
  }
  r.Dur(state, "state", "lease", out.lease);
  if (out.lease < Millis(1000) || out.lease > Millis(60'000)) {
    r.Fail(YamlChild(state, "lease"), "state.lease",
           "must be between 1s and 60s (a follower takes over within it)");
  }
  const YAML::Node pg = YamlChild(state, "postgres");
  if (!pg.IsDefined() || pg.IsNull()) return out;
  const std::string path = "state.postgres";
  if (!r.Keys(pg, path, {"dsn", "dsn_env", "schema", "timeout"})) return out;
  std::string dsn, env;
  r.Str(pg, path, "dsn", dsn);
  r.Str(pg, path, "dsn_env", env);
  if (dsn.empty() == env.empty()) {
    r.Fail(pg, path, "set exactly one of dsn or dsn_env");
  } else if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      r.Fail(YamlChild(pg, "dsn_env"), path + ".dsn_env",
             "environment variable " + env + " is not set");
    } else {
      dsn = v;
    }
  }
  out.postgres = true;
  out.connect.dsn = dsn;
  r.Str(pg, path, "schema", out.connect.schema);
  if (out.connect.schema.empty()) r.Fail(YamlChild(pg, "schema"), path + ".schema", "empty");
  r.Dur(pg, path, "timeout", out.connect.timeout);
  return out;
}

}  // namespace fw::pg

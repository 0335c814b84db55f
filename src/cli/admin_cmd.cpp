// `firewatch admin`: operations on firewatch's own state.
//   admin migrate-state --config F [--from DATA/incidents.db]
// copies a single server's SQLite incident store into the PostgreSQL that
// the config's `state:` names (docs/ha.md "Moving from SQLite").

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/config_file.h"
#include "incident/migrate_state.h"
#include "incident/sqlite_store.h"

namespace fw::cli {
namespace {

struct MigrateFlags {
  std::string config;
  std::string from;  // "" = storage.dir of the config + /incidents.db
  bool quiet = false;
};

Result<void> MigrateState(const MigrateFlags& f) {
  auto cfg = LoadConfigFile(f.config);
  if (!cfg) return Fail(cfg.error());
  if (!cfg->pipeline.state.postgres) {
    return Fail(ErrorCode::kInvalidArgument,
                f.config + " has no state.postgres: name the PostgreSQL to copy into (docs/ha.md)");
  }
  std::string from = f.from;
  if (from.empty()) {
    if (cfg->storage_dir.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "give --from DATA/incidents.db (" + f.config +
                                                   " has no storage.dir to find it in)");
    }
    from = cfg->storage_dir + "/incidents.db";
  }
  if (!std::filesystem::exists(from))
    return Fail(ErrorCode::kNotFound, "no incident store at " + from);
  auto source = incident::SqliteStore::Open(from);
  if (!source) return Fail(source.error());
  incident::PgStoreOptions o;
  o.connect = cfg->pipeline.state.connect;
  auto dest = incident::PgStore::Open(o);
  if (!dest) return Fail(dest.error());
  auto report = incident::CopyIncidents(**source, **dest, [&](const std::string& id) {
    if (!f.quiet) std::cout << "copied " << id << "\n";
  });
  if (!report) return Fail(report.error());
  std::cout << "migrate-state: " << report->copied << " incidents copied ("
            << report->timeline_entries << " timeline entries, " << report->action_items
            << " action items), " << report->skipped << " already there\n";
  return {};
}

}  // namespace

void RegisterAdmin(CLI::App& app, ExitStatus& status) {
  auto* admin = app.add_subcommand("admin", "Operations on firewatch's own state");
  admin->require_subcommand(1);
  auto f = std::make_shared<MigrateFlags>();
  auto* migrate = admin->add_subcommand(
      "migrate-state",
      "Copy a SQLite incident store into the PostgreSQL of state: (incidents, timelines, "
      "action items; ids kept; already copied ones skipped)");
  migrate->add_option("--config", f->config, "firewatch.yml with state.postgres")->required();
  migrate->add_option("--from", f->from,
                      "The SQLite store to copy (default: storage.dir/incidents.db)");
  migrate->add_flag("-q,--quiet", f->quiet, "Print only the summary");
  migrate->callback([f, &status] {
    if (auto r = MigrateState(*f); !r) ReportError(r.error(), status);
  });
}

}  // namespace fw::cli

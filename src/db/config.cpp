#include "db/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "common/yaml_reader.h"

namespace fw::db {
namespace {

void ReadCredential(YamlReader& r, const YAML::Node& n, const std::string& path, Credential& c) {
  r.Str(n, path, "user", c.user);
  r.Str(n, path, "password_file", c.password_file);
  r.Str(n, path, "password_env", c.password_env);
  if (!c.password_file.empty() && !c.password_env.empty()) {
    r.Fail(n, path, "set one of password_file or password_env, not both");
  }
}

void ReadAddress(YamlReader& r, const YAML::Node& n, const std::string& path, DatabaseConfig& d) {
  std::string address;
  r.Str(n, path, "address", address);
  r.Str(n, path, "socket", d.socket);
  if (!address.empty() && !d.socket.empty()) {
    r.Fail(n, path, "set one of address (host:port) or socket, not both");
  }
  if (address.empty()) return;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || address.front() == '[') {
    d.host = address;
    return;
  }
  d.host = address.substr(0, colon);
  const std::string port = address.substr(colon + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p <= 0 || p > 65535) {
    r.Fail(YamlChild(n, "address"), path + ".address",
           "expected host:port, e.g. 127.0.0.1:3306, got \"" + address + "\"");
    return;
  }
  d.port = static_cast<int>(p);
}

}  // namespace

Result<std::string> Credential::Password() const {
  if (!password_env.empty()) {
    const char* v = std::getenv(password_env.c_str());
    if (!v) {
      return Fail(ErrorCode::kNotFound,
                  "the password variable " + password_env + " is not set for user " + user);
    }
    return std::string(v);
  }
  if (password_file.empty()) return std::string();
  std::ifstream in(password_file);
  if (!in) {
    return Fail(ErrorCode::kIo,
                "cannot read the password file " + password_file + " of user " + user);
  }
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string DatabaseConfig::Address() const {
  if (!socket.empty()) return socket;
  const int p = port ? port : (kind == "postgres" ? 5432 : 3306);
  return host + ":" + std::to_string(p);
}

const DatabaseConfig* DatabaseSettings::Find(const std::string& name) const {
  for (const DatabaseConfig& d : databases) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

DatabaseSettings ReadDatabases(YamlReader& r, const YAML::Node& root) {
  DatabaseSettings out;
  const YAML::Node list = YamlChild(root, "databases");
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) {
    r.Fail(list, "databases", "expected a list of databases ({name, kind, address, user, ...})");
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node n = list[i];
    const std::string path = YamlReader::Index("databases", i);
    if (!r.Keys(n, path,
                {"name", "kind", "address", "socket", "database", "service", "user",
                 "password_file", "password_env", "app_user", "pool", "timeout", "actions"})) {
      continue;
    }
    DatabaseConfig d;
    r.Str(n, path, "name", d.name);
    r.Str(n, path, "kind", d.kind);
    if (d.name.empty()) r.Fail(n, path + ".name", "required: a name for the database");
    if (!names.insert(d.name).second) {
      r.Fail(YamlChild(n, "name"), path + ".name", "another database has the name " + d.name);
    }
    if (d.kind == "mariadb") d.kind = "mysql";
    if (d.kind == "postgresql") d.kind = "postgres";
    if (d.kind != "mysql" && d.kind != "postgres") {
      r.Fail(YamlChild(n, "kind"), path + ".kind", "expected mysql (MariaDB, MySQL) or postgres");
    }
    ReadAddress(r, n, path, d);
    r.Str(n, path, "database", d.database);
    r.Str(n, path, "service", d.service);
    r.Str(n, path, "app_user", d.app_user);
    ReadCredential(r, n, path, d.read);
    if (d.read.user.empty()) r.Fail(n, path + ".user", "required: the read-only account's user");
    r.Dur(n, path, "timeout", d.timeout);
    if (d.timeout.count() < 100)
      r.Fail(YamlChild(n, "timeout"), path + ".timeout", "at least 100ms");
    const YAML::Node pool = YamlChild(n, "pool");
    const std::string ppath = path + ".pool";
    if (pool.IsDefined() && !pool.IsNull() &&
        r.Keys(pool, ppath, {"idle_timeout", "max_lifetime"})) {
      r.Dur(pool, ppath, "idle_timeout", d.pool_idle_timeout);
      r.Dur(pool, ppath, "max_lifetime", d.pool_max_lifetime);
    }
    const YAML::Node actions = YamlChild(n, "actions");
    const std::string apath = path + ".actions";
    if (actions.IsDefined() && !actions.IsNull() &&
        r.Keys(actions, apath, {"user", "password_file", "password_env", "max_kill"})) {
      ReadCredential(r, actions, apath, d.actions);
      if (d.actions.user.empty())
        r.Fail(actions, apath + ".user", "required: the account actions use");
      uint64_t max_kill = static_cast<uint64_t>(d.max_kill);
      r.Uint(actions, apath, "max_kill", max_kill);
      if (max_kill == 0 || max_kill > 10'000) {
        r.Fail(YamlChild(actions, "max_kill"), apath + ".max_kill", "expected 1 to 10000");
      }
      d.max_kill = static_cast<int>(max_kill);
    }
    out.databases.push_back(std::move(d));
  }
  return out;
}

}  // namespace fw::db

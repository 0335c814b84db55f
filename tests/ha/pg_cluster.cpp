#include "pg_cluster.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "../e2e/subprocess.h"

namespace fw::ha_test {
namespace {

namespace fs = std::filesystem;

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

std::string FindBindir() {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(e.path() / "bin" / "initdb") && e.path().string() > best) {
      best = e.path().string();
    }
  }
  return best.empty() ? "" : best + "/bin";
}

// As root, prefixes argv so it runs as `postgres`.
std::vector<std::string> AsPostgres(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return argv;
}

}  // namespace

std::unique_ptr<PgCluster> PgCluster::Start(std::string* why) {
  std::unique_ptr<PgCluster> c(new PgCluster());
  c->bindir_ = FindBindir();
  if (c->bindir_.empty()) {
    *why = "PostgreSQL is not installed (scripts/setup installs postgresql)";
    return nullptr;
  }
  c->dir_ = e2e::MakeTempDir();
  if (geteuid() == 0) {
    auto own = e2e::Run({"/bin/chown", "-R", "postgres:postgres", c->dir_});
    if (own.exit_code != 0) {
      *why = "chown to postgres failed: " + own.err;
      return nullptr;
    }
  }
  auto init = e2e::Run(AsPostgres({c->bindir_ + "/initdb", "-D", c->dir_ + "/data", "-U",
                                   "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"}));
  if (init.exit_code != 0) {
    *why = "initdb failed: " + init.err + init.out;
    return nullptr;
  }
  c->port_ = FreePort();
  const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(c->port_) + " -k " +
                           c->dir_ + " -c max_connections=60";
  auto start = e2e::Run(AsPostgres({c->bindir_ + "/pg_ctl", "-D", c->dir_ + "/data", "-o", opts,
                                    "-l", c->dir_ + "/server.log", "-w", "-t", "60", "start"}));
  if (start.exit_code != 0) {
    *why = "pg_ctl start failed: " + start.err + start.out;
    return nullptr;
  }
  c->started_ = true;
  return c;
}

PgCluster::~PgCluster() {
  if (started_) {
    e2e::Run(
        AsPostgres({bindir_ + "/pg_ctl", "-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}));
  }
}

std::string PgCluster::Dsn(const std::string& db) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + db;
}

bool PgCluster::Psql(const std::string& sql, std::string* out, const std::string& db) const {
  auto r = e2e::Run({bindir_ + "/psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-d",
                     Dsn(db), "-c", sql});
  if (out) *out = r.exit_code == 0 ? r.out : r.err;
  return r.exit_code == 0;
}

PgCluster* SharedCluster(std::string* why) {
  static std::mutex mu;
  static PgCluster* cluster = nullptr;
  static std::string failure;
  std::lock_guard lock(mu);
  if (!cluster && failure.empty()) {
    cluster = PgCluster::Start(&failure).release();
    // Registered after the temporary directories' registry was made, so it
    // runs first: the server stops before its directory is removed.
    if (cluster) std::atexit([] { delete cluster; });
  }
  if (!cluster) *why = failure;
  return cluster;
}

std::string FreshSchema(const std::string& prefix) {
  static std::atomic<int> n{0};
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(n++);
}

}  // namespace fw::ha_test

#include "db/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "common/yaml_reader.h"

namespace fw::db {
namespace {

struct Read {
  DatabaseSettings settings;
  std::vector<std::string> errors;
};

Read Parse(const std::string& yaml) {
  Read out;
  auto doc = LoadYaml(yaml, "f.yml");
  EXPECT_TRUE(doc) << doc.error().ToString();
  YamlReader r("f.yml");
  out.settings = ReadDatabases(r, *doc);
  for (const Error& e : r.errors()) out.errors.push_back(e.ToString());
  return out;
}

TEST(DatabaseConfigTest, ReadsEveryField) {
  auto r = Parse(R"(databases:
  - name: orders-db
    kind: mariadb
    address: db.internal:3307
    database: shop
    service: shop
    user: firewatch
    password_env: FW_DB
    app_user: shop
    pool: {idle_timeout: 10m, max_lifetime: 30m}
    timeout: 3s
    actions: {user: ops, password_file: /etc/fw/ops, max_kill: 20}
  - {name: pg, kind: postgresql, socket: /run/postgresql, user: fw}
)");
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.settings.databases.size(), 2u);
  const DatabaseConfig& d = r.settings.databases[0];
  EXPECT_EQ(d.kind, "mysql");
  EXPECT_EQ(d.host, "db.internal");
  EXPECT_EQ(d.port, 3307);
  EXPECT_EQ(d.Address(), "db.internal:3307");
  EXPECT_EQ(d.pool_idle_timeout.count(), 600'000);
  EXPECT_EQ(d.pool_max_lifetime.count(), 1'800'000);
  EXPECT_EQ(d.timeout.count(), 3'000);
  EXPECT_EQ(d.actions.user, "ops");
  EXPECT_EQ(d.max_kill, 20);
  EXPECT_EQ(r.settings.databases[1].kind, "postgres");
  EXPECT_EQ(r.settings.databases[1].Address(), "/run/postgresql");
  EXPECT_TRUE(r.settings.databases[1].actions.empty()) << "no account: actions are refused";
}

TEST(DatabaseConfigTest, MistakesAreNamedWithTheirPlace) {
  auto r = Parse(R"(databases:
  - {name: a, kind: oracle, user: x}
  - {name: b, address: "host:99999", user: x}
  - {name: c}
  - {name: d, user: x, password_file: f, password_env: E}
  - {name: a, user: x, passwd: y}
)");
  std::string all;
  for (auto& e : r.errors) all += e + "\n";
  EXPECT_NE(all.find("f.yml:2:"), std::string::npos) << all;
  EXPECT_NE(all.find("databases[0].kind: expected mysql (MariaDB, MySQL) or postgres"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("databases[1].address: expected host:port"), std::string::npos) << all;
  EXPECT_NE(all.find("databases[2].user: required"), std::string::npos) << all;
  EXPECT_NE(all.find("set one of password_file or password_env"), std::string::npos) << all;
  EXPECT_NE(all.find("passwd"), std::string::npos) << "a typo is not ignored: " << all;
}

TEST(CredentialTest, PasswordFromAFileOrTheEnvironment) {
  const std::string file = ::testing::TempDir() + "/db.pass";
  std::ofstream(file) << "s3cret \n";
  Credential c{"fw", file, ""};
  ASSERT_TRUE(c.Password());
  EXPECT_EQ(*c.Password(), "s3cret");
  ::setenv("FW_DB_TEST_PW", "from-env", 1);
  EXPECT_EQ(*Credential({"fw", "", "FW_DB_TEST_PW"}).Password(), "from-env");
  auto missing = Credential{"fw", "", "FW_DB_TEST_UNSET"}.Password();
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("FW_DB_TEST_UNSET is not set"), std::string::npos);
  EXPECT_FALSE(Credential({"fw", "/nonexistent/pass", ""}).Password());
}

}  // namespace
}  // namespace fw::db

#pragma once
// A `firewatch serve` on a free loopback port for the hardening tests that
// came after hardening_test.cpp (slow clients, read scopes): started with
// FIREWATCH_TOKEN=hard and extra flags, killed when the test ends.

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <vector>

#include "subprocess.h"

namespace fw::e2e {

class ServeFixture : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir(); }

  // Starts `firewatch serve` with `extra` flags; false when it does not come
  // up (its first line is not "listening on http://127.0.0.1:PORT").
  bool StartServe(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{FIREWATCH_BIN, "serve", "--data", dir_ + "/data", "--port", "0"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_ = std::make_unique<Background>(argv, std::vector<std::string>{"FIREWATCH_TOKEN=hard"});
    const std::string line = server_->ReadLine();
    const std::string prefix = "listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) != 0) return false;
    port_ = std::stoi(line.substr(prefix.size()));
    return true;
  }

  // A new client (new connections) for the server, 10 s timeouts.
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_connection_timeout(10, 0);
    c->set_read_timeout(10, 0);
    return c;
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Background> server_;
};

}  // namespace fw::e2e

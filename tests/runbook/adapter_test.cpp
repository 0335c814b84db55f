// The exec adapter (argv templates, no shell, timeouts, captured output), the
// http adapter against a local server, and dry runs of the shipped runbooks
// showing the exact commands.

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "alerting/memory_rule_storage.h"
#include "runbook/exec_adapter.h"
#include "runbook/http_adapter.h"
#include "runbook/runbook.h"

namespace fw::runbook {
namespace {

ExecActions EchoActions() {
  auto a = ParseExecActions(R"(defaults: {namespace: default}
actions:
  rollback:
    argv: [/bin/echo, rollout, undo, "deployment/{{ .service }}", -n, "{{ .namespace }}"]
  restart_instance:
    argv: [/bin/echo, "{{ .instance }}"]
  terminate_instance:
    argv: [/bin/sh, -c, "exit 3"]
  redeploy:
    argv: [/bin/sleep, "10"]
    timeout: 200ms
  maintenance_on:
    argv: [/nonexistent/program]
)",
                            "echo.yml");
  EXPECT_TRUE(a) << a.error().ToString();
  return a.value_or(ExecActions{});
}

TEST(ExecAdapterTest, RunsTheTemplatedArgvAndCapturesOutput) {
  RealClock clock;
  ExecAdapter exec(EchoActions(), clock);
  auto out = exec.Run({"rollback", {{"service", "shop"}}}, false);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_TRUE(out->ok);
  EXPECT_EQ(out->output, "rollout undo deployment/shop -n default");
  EXPECT_EQ(out->command, (std::vector<std::string>{"/bin/echo", "rollout", "undo",
                                                    "deployment/shop", "-n", "default"}));
}

// Shell syntax in a value reaches the program as one literal argument.
TEST(ExecAdapterTest, NeverGoesThroughAShell) {
  const std::string marker = ::testing::TempDir() + "fw_exec_injected";
  std::filesystem::remove(marker);
  const std::string evil = "i-1; touch " + marker + " $(touch " + marker + ") `id` | cat";
  RealClock clock;
  ExecAdapter exec(EchoActions(), clock);
  auto out = exec.Run({"restart_instance", {{"instance", evil}}}, false);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(out->output, evil);
  ASSERT_EQ(out->command.size(), 2u);
  EXPECT_EQ(out->command[1], evil);
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ExecAdapterTest, ReportsExitStatusTimeoutsAndMissingPrograms) {
  RealClock clock;
  ExecAdapter exec(EchoActions(), clock);
  auto fail = exec.Run({"terminate_instance", {{"instance", "x"}}}, false);
  ASSERT_TRUE(fail);
  EXPECT_FALSE(fail->ok);
  EXPECT_EQ(fail->output, "exit status 3: ");
  auto slow = exec.Run({"redeploy", {}}, false);
  ASSERT_TRUE(slow);
  EXPECT_FALSE(slow->ok);
  EXPECT_TRUE(slow->output.starts_with("timed out after 200ms")) << slow->output;
  auto missing = exec.Run({"maintenance_on", {}}, false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("cannot run /nonexistent/program"), std::string::npos);
  auto unmapped = exec.Run({"scale", {{"to", "3"}}}, false);
  ASSERT_FALSE(unmapped);
  EXPECT_EQ(unmapped.error().message(),
            "no argv template for action scale in echo.yml; add one under actions:");
}

TEST(ExecAdapterTest, MissingArgumentNamesTheActionFile) {
  RealClock clock;
  ExecAdapter exec(EchoActions(), clock);
  auto out = exec.Run({"restart_instance", {}}, true);
  ASSERT_FALSE(out);
  EXPECT_TRUE(out.error().message().starts_with(
      "echo.yml: actions.restart_instance.argv[1] \"{{ .instance }}\": variable .instance has "
      "no value"))
      << out.error().message();
}

TEST(ExecAdapterTest, DryRunShowsTheCommandAndRunsNothing) {
  const std::string marker = ::testing::TempDir() + "fw_exec_dry";
  std::filesystem::remove(marker);
  auto acts =
      ParseExecActions("actions:\n  maintenance_on: {argv: [touch, \"{{ .file }}\"]}\n", "t.yml");
  ASSERT_TRUE(acts);
  RealClock clock;
  ExecAdapter exec(std::move(*acts), clock);
  auto out = exec.Run({"maintenance_on", {{"file", marker}}}, true);
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->ok);
  EXPECT_EQ(out->command, (std::vector<std::string>{"touch", marker}));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(ExecAdapterTest, ShellQuoteIsForDisplayOnly) {
  EXPECT_EQ(ShellQuote({"kubectl", "scale", "--replicas=3"}), "kubectl scale --replicas=3");
  EXPECT_EQ(ShellQuote({"echo", "a b", "it's", ""}), "echo 'a b' 'it'\\''s' ''");
}

// Dry runs of the shipped runbooks through the shipped Kubernetes templates:
// one exact command per action step.
TEST(DryRunTest, ShippedRunbookPrintsExactCommands) {
  auto rb = LoadRunbookFile(std::string(FW_RUNBOOK_DIR) + "/db_pool_exhaustion.yml");
  ASSERT_TRUE(rb) << rb.error().ToString();
  auto acts = LoadExecActions(std::string(FW_ACTIONS_DIR) + "/kubernetes.yml");
  ASSERT_TRUE(acts) << acts.error().ToString();
  RealClock clock;
  ExecAdapter exec(std::move(*acts), clock);
  alerting::MemoryRuleStorage none;
  ExecutionOptions opt;
  opt.dry_run = true;
  opt.vars = {{"labels.service", "shop"}, {"suspect.version", "v2.5.0"}};
  Execution e(*rb, "INC-7", exec, none, nullptr, nullptr, opt);
  EXPECT_EQ(e.Advance(1'000), RunStatus::kSucceeded);
  std::vector<std::string> commands;
  for (const StepRecord& s : e.record().steps) {
    if (!s.command.empty()) commands.push_back(ShellQuote(s.command));
  }
  EXPECT_EQ(commands, (std::vector<std::string>{
                          "kubectl rollout undo deployment/shop --namespace default",
                          "pt-kill --match-command Sleep --idle-time=120 --kill --print "
                          "--run-time=1 h=localhost"}));
}

TEST(HttpAdapterTest, PostsTheActionAsJson) {
  httplib::Server server;
  std::string got_path, got_body, got_auth;
  server.Post(R"(/hooks/(\w+))", [&](const httplib::Request& req, httplib::Response& res) {
    got_path = req.path;
    got_body = req.body;
    got_auth = req.get_header_value("Authorization");
    res.set_content(req.matches[1] == "scale" ? "scaled" : "no", "text/plain");
    res.status = req.matches[1] == "scale" ? 200 : 409;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  HttpAdapterOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/hooks/{{ .action }}";
  o.headers["Authorization"] = "Bearer t0k";
  o.incident_id = "INC-3";
  auto http = HttpAdapter::Make(o);
  ASSERT_TRUE(http) << http.error().ToString();
  auto out = http->Run({"scale", {{"to", "8"}}}, false);
  auto refused = http->Run({"rollback", {}}, false);
  auto dry = http->Run({"scale", {{"to", "9"}}}, true);
  server.stop();
  t.join();
  ASSERT_TRUE(out && refused && dry);
  EXPECT_TRUE(out->ok);
  EXPECT_EQ(out->output, "scaled");
  EXPECT_EQ(got_path, "/hooks/rollback");
  EXPECT_EQ(got_auth, "Bearer t0k");
  EXPECT_EQ(got_body, R"({"action":"rollback","args":{},"incident_id":"INC-3"})");
  EXPECT_FALSE(refused->ok);
  EXPECT_EQ(refused->output, "HTTP 409: no");
  EXPECT_TRUE(dry->ok);
  EXPECT_EQ(dry->command[0], "POST");
  EXPECT_EQ(dry->command[2], R"({"action":"scale","args":{"to":"9"},"incident_id":"INC-3"})");
}

TEST(HttpAdapterTest, RejectsBadUrls) {
  HttpAdapterOptions o;
  o.url = "ftp://x/{{ .action }}";
  EXPECT_FALSE(HttpAdapter::Make(o));
  o.url = "http://x/{{ .action";
  EXPECT_FALSE(HttpAdapter::Make(o));
}

}  // namespace
}  // namespace fw::runbook

#include "sim/api/live_sim.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "sim/exposition.h"
#include "sim/simulator.h"

namespace fw::sim {
namespace {

using nlohmann::json;

// Recent lines numbered from 0 in arrival order, for cursor-based readers:
// a reader asks for lines from cursor N on and gets the cursor to ask next.
class LineBuffer {
 public:
  explicit LineBuffer(size_t cap) : cap_(cap) {}
  uint64_t first() const { return next_ - lines_.size(); }  // oldest line still held
  void Add(std::string_view line) {
    lines_.emplace_back(line);
    ++next_;
    if (lines_.size() > cap_) lines_.pop_front();
  }
  // Lines numbered `from` and later (at most limit); returns the next cursor.
  // Lines already dropped from the buffer are skipped: see first().
  uint64_t Read(uint64_t from, size_t limit, std::string& out) const {
    const uint64_t first = next_ - lines_.size();
    uint64_t seq = std::max(from, first);
    for (size_t n = 0; seq < next_ && n < limit; ++seq, ++n) {
      out += lines_[seq - first];
      out += '\n';
    }
    return seq;
  }

 private:
  size_t cap_;
  std::deque<std::string> lines_;
  uint64_t next_ = 0;  // sequence number of the next line
};

bool ParseCount(const std::string& s, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

server::Response BadRequest(const std::string& why) {
  return server::Response::FromError(Error(ErrorCode::kInvalidArgument, why));
}

}  // namespace

struct LiveSimulator::Impl final : public SimSink {
  Impl(Scenario sc, Clock& base, double speed, size_t cap)
      : clock(base, sc.start, speed), sim(std::move(sc)), logs(cap), changes(cap) {
    sim.set_sink(this);
  }

  void OnLog(std::string_view line) override {
    logs.Add(line);
    if (on_log) on_log(line);
  }
  void OnChange(std::string_view line) override {
    changes.Add(line);
    if (on_change) on_change(line);
  }
  LiveSimulator::LineHook on_log, on_change;
  void OnScrape(Timestamp, const Simulator&) override {}

  void Run() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stopping && !sim.done()) {
      const Timestamp target = clock.Now();
      while (!sim.done() && sim.now() < target) sim.Step();
      // Wake for the next step, or at once when Stop() is called.
      const double real_ms = sim.scenario().step.count() / clock.speed();
      wake.wait_for(
          lock,
          std::chrono::microseconds(static_cast<int64_t>(std::clamp(real_ms, 1.0, 250.0) * 1000)),
          [this] { return stopping; });
    }
    done = sim.done();
  }

  server::Response Metrics(const std::string& id) {
    TextExposition text(/*as_target=*/!id.empty());
    std::lock_guard<std::mutex> lock(mu);
    if (!id.empty() && id != "db-primary" && id != "cloud") {
      const InstanceView* target = nullptr;
      const std::vector<InstanceView> all = sim.Instances();
      for (const InstanceView& v : all) {
        if (v.id == id) target = &v;
      }
      if (!target) {
        return server::Response::FromError(
            Error(ErrorCode::kNotFound, "no target \"" + id + "\" (see /sim/targets)"));
      }
      if (target->hung || target->state != "in_service") {
        // The app does not answer: the scrape fails and Prometheus records up 0.
        return server::Response::ErrorJson(
            503, "unavailable",
            "target " + id + " is not answering (" + (target->hung ? "hung" : target->state) + ")");
      }
    }
    sim.Collect(text, id);
    return server::Response::Text(200, text.Render(), "text/plain; version=0.0.4; charset=utf-8");
  }

  server::Response Targets() {
    json out = json::array();
    std::lock_guard<std::mutex> lock(mu);
    auto add = [&](const std::string& id, const std::string& job) {
      out.push_back({{"targets", {advertised}},
                     {"labels",
                      {{"__metrics_path__", "/sim/targets/" + id + "/metrics"},
                       {"instance", id},
                       {"job", job}}}});
    };
    for (const InstanceView& v : sim.Instances()) {
      if (v.state != "booting") add(v.id, "app");
    }
    add("db-primary", "mysql");
    add("cloud", "cloud");
    return server::Response::Json(200, out.dump());
  }

  server::Response Lines(const server::Request& req, const LineBuffer& buf) {
    uint64_t from = 0, limit = 10'000;
    if (!ParseCount(req.Param("after", "0"), from) ||
        !ParseCount(req.Param("limit", "10000"), limit)) {
      return BadRequest("after and limit must be non-negative integers");
    }
    std::string body;
    uint64_t next, first;
    {
      std::lock_guard<std::mutex> lock(mu);
      next = buf.Read(from, std::min<uint64_t>(limit, 100'000), body);
      first = buf.first();
    }
    auto r = server::Response::Text(200, std::move(body), "application/x-ndjson");
    r.headers.push_back({"X-Next-Cursor", std::to_string(next)});
    // A reader whose cursor is below this lost lines: the buffer moved on.
    r.headers.push_back({"X-First-Cursor", std::to_string(first)});
    return r;
  }

  server::Response Status() {
    std::lock_guard<std::mutex> lock(mu);
    const StepStats& s = sim.last();
    json inst = json::array();
    for (const InstanceView& v : sim.Instances()) {
      inst.push_back({{"id", v.id},
                      {"ip", v.ip},
                      {"version", v.version},
                      {"state", v.state},
                      {"registered", v.registered},
                      {"healthy", v.healthy},
                      {"hung", v.hung},
                      {"cpu", v.cpu},
                      {"heap_used_mb", v.heap_used_mb},
                      {"pool_active", v.pool_active},
                      {"pool_idle", v.pool_idle},
                      {"pool_pending", v.pool_pending},
                      {"pool_max", v.pool_max}});
    }
    json out = {{"scenario", sim.scenario().name},
                {"now", FormatRfc3339Millis(sim.now())},
                {"end", FormatRfc3339Millis(sim.end())},
                {"speed", clock.speed()},
                {"finished", sim.done()},
                {"last_step",
                 {{"requests", s.requests},
                  {"error_rate", s.error_rate()},
                  {"mean_latency_seconds", s.mean_latency()},
                  {"p95_seconds", s.p95},
                  {"cpu", s.cpu},
                  {"db_connections", s.db_connections},
                  {"db_max_connections", s.db_max_connections}}},
                {"instances", inst}};
    return server::Response::Json(200, out.dump());
  }

  server::Response ProcessList() {
    json rows = json::array();
    std::lock_guard<std::mutex> lock(mu);
    for (const ProcessRow& r : sim.ProcessList()) {
      rows.push_back({{"id", r.id},
                      {"user", r.user},
                      {"host", r.host},
                      {"db", r.db},
                      {"command", r.command},
                      {"time", r.time},
                      {"state", r.state},
                      {"info", r.info.empty() ? json(nullptr) : json(r.info)}});
    }
    return server::Response::Json(200, rows.dump());
  }

  server::Response Action(const server::Request& req) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) {
      return BadRequest(
          "expected a JSON object with a string \"type\", e.g. {\"type\":\"rollback\"}");
    }
    auto type = ParseActionType(body["type"].get<std::string>());
    if (!type) return server::Response::FromError(type.error());
    ActionSpec a{*type, "", 0, req.principal.empty() ? "api" : req.principal};
    if (body.contains("target")) {
      if (!body["target"].is_string()) return BadRequest("\"target\" must be a string");
      a.target = body["target"].get<std::string>();
    }
    if (body.contains("value") && body["value"] != json("")) {
      // A number, or a string holding one (site actions send templated
      // strings; an empty one is an argument the step did not give).
      const json& v = body["value"];
      char* end = nullptr;
      const std::string text = v.is_string() ? v.get<std::string>() : "";
      const double parsed = v.is_string() ? std::strtod(text.c_str(), &end) : 0;
      if (v.is_number()) {
        a.value = v.get<double>();
      } else if (v.is_string() && !text.empty() && end && *end == '\0') {
        a.value = parsed;
      } else {
        return BadRequest("\"value\" must be a number");
      }
    }
    ActionResult r;
    Timestamp now;
    {
      std::lock_guard<std::mutex> lock(mu);
      r = sim.Apply(a);
      now = sim.now();
    }
    json out = {{"accepted", r.accepted}, {"message", r.message}, {"at", FormatRfc3339Millis(now)}};
    if (r.accepted) out["effective_at"] = FormatRfc3339Millis(r.effective_at);
    return server::Response::Json(r.accepted ? 200 : 409, out.dump());
  }

  server::Response Fault(const server::Request& req) {
    json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) {
      return BadRequest(
          "expected a JSON object with a string \"type\", e.g. {\"type\":\"cpu_hog\"}");
    }
    auto type = ParseFaultType(body["type"].get<std::string>());
    if (!type) return server::Response::FromError(type.error());
    FaultSpec f{*type, 0, "", std::nullopt, std::nullopt, ""};
    for (const auto& [key, v] : body.items()) {
      if (key == "type") continue;
      if (key == "magnitude" && v.is_number()) {
        f.magnitude = v.get<double>();
      } else if (key == "route" && v.is_string()) {
        f.route = v.get<std::string>();
      } else if (key == "flag" && v.is_string()) {
        f.flag = v.get<std::string>();
      } else if (key == "instance" && v.is_number_integer()) {
        const int64_t idx = v.get<int64_t>();
        if (idx < 0 || idx > 10'000) return BadRequest("\"instance\" must be between 0 and 10000");
        f.instance = static_cast<int>(idx);
      } else if (key == "duration" && v.is_string()) {
        auto d = ParseDuration(v.get<std::string>());
        if (!d) return server::Response::FromError(d.error().WithContext("\"duration\""));
        f.duration = *d;
      } else {
        return BadRequest("unexpected field \"" + key +
                          "\" or wrong type (fields: type, magnitude number, route string, "
                          "instance integer, duration string like \"10m\", flag string)");
      }
    }
    if (auto ok = ValidateFault(f); !ok) return server::Response::FromError(ok.error());
    std::lock_guard<std::mutex> lock(mu);
    sim.InjectFault(f);
    return server::Response::Json(200, json({{"accepted", true},
                                             {"fault", FaultTypeName(f.type)},
                                             {"at", FormatRfc3339Millis(sim.now())}})
                                           .dump());
  }

  ScaledClock clock;
  mutable std::mutex mu;
  std::string advertised = "127.0.0.1:9500";
  Simulator sim;
  LineBuffer logs, changes;
  std::thread thread;
  std::condition_variable wake;
  bool stopping = false;
  std::atomic<bool> done{false};
};

LiveSimulator::LiveSimulator(Scenario scenario, Clock& base, double speed, size_t buffer_lines)
    : impl_(std::make_unique<Impl>(std::move(scenario), base, speed, buffer_lines)) {}

LiveSimulator::~LiveSimulator() { Stop(); }

void LiveSimulator::SetAdvertisedAddress(const std::string& host_port) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->advertised = host_port;
}

void LiveSimulator::SetLineHooks(LineHook on_log, LineHook on_change) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->on_log = std::move(on_log);
  impl_->on_change = std::move(on_change);
}

void LiveSimulator::RegisterRoutes(server::HttpServer& s) {
  using server::Role;
  Impl* impl = impl_.get();
  s.Handle("GET", "/sim/targets", Role::kViewer,
           [impl](const server::Request&) { return impl->Targets(); });
  s.Handle("GET", "/sim/targets/:id/metrics", Role::kViewer,
           [impl](const server::Request& r) { return impl->Metrics(r.path_params.at("id")); });
  s.Handle("GET", "/sim/metrics", Role::kViewer,
           [impl](const server::Request&) { return impl->Metrics(""); });
  s.Handle("GET", "/sim/logs", Role::kViewer,
           [impl](const server::Request& r) { return impl->Lines(r, impl->logs); });
  s.Handle("GET", "/sim/changes", Role::kViewer,
           [impl](const server::Request& r) { return impl->Lines(r, impl->changes); });
  s.Handle("GET", "/sim/status", Role::kViewer,
           [impl](const server::Request&) { return impl->Status(); });
  s.Handle("GET", "/sim/processlist", Role::kViewer,
           [impl](const server::Request&) { return impl->ProcessList(); });
  s.Handle("POST", "/sim/actions", Role::kResponder,
           [impl](const server::Request& r) { return impl->Action(r); });
  s.Handle("POST", "/sim/faults", Role::kResponder,
           [impl](const server::Request& r) { return impl->Fault(r); });
}

void LiveSimulator::Start() {
  impl_->thread = std::thread([this] { impl_->Run(); });
}

void LiveSimulator::Stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool LiveSimulator::finished() const { return impl_->done; }

}  // namespace fw::sim

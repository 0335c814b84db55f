#include "logs/api/logs_api.h"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/text.h"
#include "logs/ingest/line_ingest.h"
#include "logs/insights/executor.h"
#include "logs/insights/parser.h"

namespace fw::logs::api {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

Response Bad(const std::string& why) { return Response::ErrorJson(400, "invalid_argument", why); }

// Stored log text may hold bytes that are not UTF-8 (tailed files): print
// them as U+FFFD rather than throw from dump().
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

struct QueryState {
  std::string status = "Running";  // Running | Complete | Failed
  std::string body;                // the GetQueryResults answer, once finished
  Timestamp finished = 0;          // Clock time it finished
};

struct StartRequest {
  insights::Query query;
  TimeRange range;
  std::vector<std::string> groups;
};

// A time in a StartQuery body: epoch seconds (CloudWatch's form) or any
// form ParseTimestamp takes.
Result<std::optional<Timestamp>> TimeField(const json& body, const char* a, const char* b) {
  const json* v = body.contains(a) ? &body[a] : body.contains(b) ? &body[b] : nullptr;
  if (!v || v->is_null()) return std::optional<Timestamp>();
  if (v->is_number())
    return std::optional<Timestamp>(static_cast<Timestamp>(v->get<double>() * 1000));
  if (!v->is_string())
    return Fail(ErrorCode::kInvalidArgument, std::string(a) + ": expected a time");
  auto t = ParseTimestamp(v->get<std::string>());
  if (!t) return Fail(t.error().WithContext(a));
  return std::optional<Timestamp>(*t);
}

Result<StartRequest> ParseStart(const std::string& text) {
  if (auto depth = CheckJsonDepth(text); !depth) return Fail(depth.error());
  json body = json::parse(text, nullptr, false);
  if (!body.is_object()) return Fail(ErrorCode::kInvalidArgument, "body: expected a JSON object");
  const json* q = body.contains("queryString") ? &body["queryString"]
                  : body.contains("query")     ? &body["query"]
                                               : nullptr;
  if (!q || !q->is_string()) return Fail(ErrorCode::kInvalidArgument, "missing \"queryString\"");
  auto query = insights::ParseQuery(q->get<std::string>());
  if (!query) return Fail(query.error());
  StartRequest r{std::move(*query), {}, {}};
  auto start = TimeField(body, "startTime", "start");
  if (!start) return Fail(start.error());
  auto end = TimeField(body, "endTime", "end");
  if (!end) return Fail(end.error());
  r.range.start = *start;
  r.range.end = *end;
  const json* groups = body.contains("logGroupNames") ? &body["logGroupNames"]
                       : body.contains("groups")      ? &body["groups"]
                                                      : nullptr;
  if (groups && groups->is_array()) {
    for (const json& g : *groups) {
      if (g.is_string()) r.groups.push_back(g.get<std::string>());
    }
  }
  return r;
}

class LogsApiImpl final : public LogsApi {
 public:
  LogsApiImpl(store::LogStore& store, Clock& clock, LogsApiOptions options)
      : store_(store), clock_(clock), options_(options) {}
  ~LogsApiImpl() override {
    shutdown_.request_stop();  // running queries end at their next check
    std::map<std::string, std::jthread> threads;
    {
      std::lock_guard lock(mu_);
      threads.swap(threads_);
    }
    // Joined here, without the lock their queries take to finish; a query
    // stops at its next cancellation check (every 1,024 events).
  }

  Response Push(const Request& req) {
    ingest::LineIngestOptions o;
    o.group = req.Param("group", "default");
    o.stream = req.Param("stream", "default");
    o.max_line_bytes = options_.max_line_bytes;
    auto ct = req.headers.find("content-type");
    o.expect_json = ct == req.headers.end() || !ct->second.starts_with("text/plain");
    // One UTF-8 policy at every way in: a request with bytes that are not
    // UTF-8 is refused whole, before anything is stored.
    for (const auto& [text, what] : {std::pair<std::string_view, const char*>{req.body, "body"},
                                     {o.group, "parameter \"group\""},
                                     {o.stream, "parameter \"stream\""}}) {
      if (auto ok = CheckUtf8(text, what); !ok) return Response::FromError(ok.error());
    }
    ingest::LineIngester in(store_, clock_, o);
    auto r = in.Feed(req.body);
    if (r) r = in.Finish();
    if (!r) return Response::FromError(r.error());
    const auto& c = in.counts();
    return Response::Json(200, Dump(json({{"accepted", c.accepted},
                                          {"malformed", c.malformed},
                                          {"oversized", c.oversized}})));
  }

  Response Start(const Request& req) {
    auto start = ParseStart(req.body);
    if (!start) return Bad(start.error().ToString());
    std::lock_guard lock(mu_);
    if (running_ >= options_.max_running) {
      return Response::ErrorJson(429, "too_many_queries",
                                 "too many queries running; poll them and retry later");
    }
    const std::string id = std::to_string(++next_id_);
    auto state = std::make_shared<QueryState>();
    states_[id] = state;
    order_.push_back(id);
    ++running_;
    Forget(clock_.Now());
    threads_.emplace(id,
                     std::jthread([this, state, req = std::move(*start)] { Run(req, *state); }));
    return Response::Json(200, Dump(json({{"queryId", id}})));
  }

  Response Results(const Request& req) {
    std::lock_guard lock(mu_);
    Forget(clock_.Now());
    auto it = states_.find(req.path_params.at("id"));
    if (it == states_.end()) {
      return Response::ErrorJson(404, "not_found",
                                 "no such query (finished ones are kept a while)");
    }
    const QueryState& s = *it->second;
    if (s.status == "Running") {
      static const std::string running = Dump(json{
          {"status", "Running"},
          {"results", json::array()},
          {"statistics", {{"recordsMatched", 0}, {"recordsScanned", 0}, {"bytesScanned", 0}}}});
      return Response::Json(200, running);
    }
    return Response::Json(200, s.body);
  }

 private:
  void Run(const StartRequest& r, QueryState& state) {
    store::StoreEventSource source(store_, r.groups);
    insights::QueryLimits limits;
    limits.timeout_ms = options_.query_timeout_ms;
    limits.stop = shutdown_.get_token();
    // This runs on its own thread: an exception must end the query, not the
    // process.
    Result<insights::QueryResult> result = [&]() -> Result<insights::QueryResult> {
      try {
        return insights::Execute(r.query, source, r.range, clock_, limits);
      } catch (const std::exception& e) {
        return Fail(ErrorCode::kInternal, std::string("query failed: ") + e.what());
      }
    }();
    json rows = json::array();
    if (result) {
      for (const auto& row : result->rows) {
        json cells = json::array();
        for (size_t i = 0; i < row.size() && i < result->columns.size(); ++i) {
          if (row[i].is_null()) continue;
          cells.push_back({{"field", result->columns[i]}, {"value", row[i].ToString()}});
        }
        rows.push_back(std::move(cells));
      }
    }
    json out;
    if (result) {
      out = {{"status", "Complete"},
             {"results", std::move(rows)},
             {"statistics",
              {{"recordsMatched", result->records_matched},
               {"recordsScanned", result->records_scanned},
               {"bytesScanned", source.stats().bytes_read}}}};
    }
    std::string body = result ? Dump(out) : std::string();
    if (result && body.size() > options_.max_result_bytes) {
      result = Fail(ErrorCode::kTooLarge, "query results take " + std::to_string(body.size()) +
                                              " bytes, over the limit of " +
                                              std::to_string(options_.max_result_bytes) +
                                              "; narrow the query or add a limit command");
    }
    if (!result) {
      body = Dump(
          json{{"status", "Failed"},
               {"results", json::array()},
               {"statistics", {{"recordsMatched", 0}, {"recordsScanned", 0}, {"bytesScanned", 0}}},
               {"error", result.error().ToString()}});
    }
    std::lock_guard lock(mu_);
    --running_;
    kept_bytes_ += body.size();
    state.body = std::move(body);
    state.finished = clock_.Now();
    state.status = result ? "Complete" : "Failed";  // last: Forget() may now drop it
  }

  // Drops finished queries, oldest first, while more than max_kept are
  // kept, or their results take more than max_kept_bytes (the newest query
  // is kept for its poller whatever its size: max_result_bytes bounds it),
  // and any finished longer than max_kept_age_ms ago. Their threads have
  // left Run (status is set last), so joining them here cannot wait on mu_.
  // REQUIRES: mu_ held.
  void Forget(Timestamp now) {
    for (auto it = order_.begin(); it != order_.end();) {
      auto s = states_.find(*it);
      const bool finished = s == states_.end() || s->second->status != "Running";
      const bool newest = std::next(it) == order_.end();
      const bool over =
          order_.size() > options_.max_kept || (kept_bytes_ > options_.max_kept_bytes && !newest);
      const bool old =
          finished && s != states_.end() && now - s->second->finished > options_.max_kept_age_ms;
      if (!finished || (!over && !old)) {
        ++it;
        continue;
      }
      if (s != states_.end()) kept_bytes_ -= std::min(kept_bytes_, s->second->body.size());
      states_.erase(*it);
      threads_.erase(*it);
      it = order_.erase(it);
    }
  }

  store::LogStore& store_;
  Clock& clock_;
  LogsApiOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<QueryState>> states_;
  std::deque<std::string> order_;
  int running_ = 0;
  size_t kept_bytes_ = 0;  // bytes of the finished results kept
  uint64_t next_id_ = 0;
  std::stop_source shutdown_;  // requested by the destructor: running queries end
  std::map<std::string, std::jthread> threads_;
};

}  // namespace

std::unique_ptr<LogsApi> RegisterLogsApi(server::HttpServer& server, store::LogStore& store,
                                         Clock& clock, LogsApiOptions options) {
  auto api = std::make_unique<LogsApiImpl>(store, clock, options);
  LogsApiImpl* p = api.get();
  server.Handle("POST", "/api/v1/logs/push", server::Role::kResponder,
                [p](const Request& r) { return p->Push(r); });
  server.LogQuietly("POST", "/api/v1/logs/push");  // shippers push continuously
  server.HandleReadOnly("POST", "/api/v1/logs/queries",
                        [p](const Request& r) { return p->Start(r); });
  server.Handle("GET", "/api/v1/logs/queries/:id", server::Role::kViewer,
                [p](const Request& r) { return p->Results(r); });
  return api;
}

}  // namespace fw::logs::api

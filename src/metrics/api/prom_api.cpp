#include "metrics/api/prom_api.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "metrics/api/query_json.h"
#include "metrics/ingest/remote_write.h"
#include "metrics/promql/db_storage.h"
#include "metrics/promql/engine.h"
#include "metrics/promql/parser.h"
#include "server/form.h"

namespace fw::metrics::api {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

// Stored label names and values may predate UTF-8 checks at intake: print
// bad bytes as U+FFFD rather than throw from dump().
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Response Error(int status, const char* type, const std::string& message) {
  return Response::Json(status,
                        Dump(json({{"status", "error"}, {"errorType", type}, {"error", message}})));
}

// A failed evaluation as Prometheus answers it: 503 "timeout" for the time
// limit and cancellation, 422 "execution" for everything else.
Response ExecError(const fw::Error& e) {
  if (e.code() == ErrorCode::kTimeout) return Error(503, "timeout", e.message());
  return Error(422, "execution", e.message());
}

Response BadData(const std::string& message) { return Error(400, "bad_data", message); }

json Metric(const LabelSet& l) {
  json m = json::object();
  for (const Label& x : l.labels()) m[x.name] = x.value;
  return m;
}

std::string Get(const std::multimap<std::string, std::string>& p, const std::string& k) {
  auto it = p.find(k);
  return it == p.end() ? "" : it->second;
}

Result<Timestamp> ParseTime(const std::string& s, const char* name) {
  auto t = ParseTimestamp(s);
  if (!t) return Fail(t.error().WithContext("invalid parameter \"" + std::string(name) + "\""));
  return t;
}

Result<std::vector<std::vector<LabelMatcher>>> Matchers(
    const std::multimap<std::string, std::string>& p) {
  std::vector<std::vector<LabelMatcher>> out;
  auto [lo, hi] = p.equal_range("match[]");
  for (auto it = lo; it != hi; ++it) {
    auto sel = promql::ParseSeriesSelector(it->second);
    if (!sel) return Fail(sel.error().WithContext("invalid parameter \"match[]\""));
    out.push_back((*sel)->matchers);
  }
  return out;
}

class Api {
 public:
  Api(tsdb::Db& db, Clock& clock, ApiOptions o) : db_(db), clock_(clock), options_(o) {}

  Response Query(const Request& req) {
    const auto p = server::FormParams(req);
    auto expr = promql::ParseExpr(Get(p, "query"), ParseOptions());
    if (!expr) return BadData(expr.error().ToString());
    Timestamp t = clock_.Now();
    if (const std::string ts = Get(p, "time"); !ts.empty()) {
      auto parsed = ParseTime(ts, "time");
      if (!parsed) return BadData(parsed.error().message());
      t = *parsed;
    }
    promql::DbView q(db_);
    auto r = promql::InstantQuery(q, **expr, t,
                                  promql::OptionsWithin(options_.query_limits, clock_, req.cancel));
    if (!r) return ExecError(r.error());
    return Response::Json(200, QueryResultJson(*r, t));
  }

  Response QueryRange(const Request& req) {
    const auto p = server::FormParams(req);
    auto expr = promql::ParseExpr(Get(p, "query"), ParseOptions());
    if (!expr) return BadData(expr.error().ToString());
    auto start = ParseTime(Get(p, "start"), "start");
    auto end = ParseTime(Get(p, "end"), "end");
    if (!start) return BadData(start.error().message());
    if (!end) return BadData(end.error().message());
    auto step = promql::ParseDurationPromql(Get(p, "step"));
    if (!step || *step <= 0) {
      return BadData(
          "invalid parameter \"step\": zero or negative query resolution step widths "
          "are not accepted. Try a positive integer");
    }
    if (*end < *start) return BadData("end timestamp must not be before start time");
    if ((*end - *start) / *step >= static_cast<int64_t>(options_.max_points_per_series)) {
      return BadData(
          "exceeded maximum resolution of 11,000 points per timeseries. Try "
          "decreasing the query resolution (?step=XX)");
    }
    promql::DbView q(db_);
    auto r = promql::RangeQuery(q, **expr, *start, *end, *step,
                                promql::OptionsWithin(options_.query_limits, clock_, req.cancel));
    if (!r) return ExecError(r.error());
    return Response::Json(200, QueryResultJson(*r, *end));
  }

  Response Series(const Request& req) {
    const auto p = server::FormParams(req);
    auto sets = Matchers(p);
    if (!sets) return BadData(sets.error().message());
    if (sets->empty()) return BadData("no match[] parameter provided");
    auto [mint, maxt] = Range(p);
    std::set<LabelSet> found;
    for (const auto& m : *sets) {
      auto series = db_.SeriesLabels(m, mint, maxt);
      if (!series) return BadData(series.error().message());
      for (LabelSet& l : *series) found.insert(std::move(l));
    }
    json data = json::array();
    for (const LabelSet& l : found) data.push_back(Metric(l));
    return Response::Json(200, Dump(json({{"status", "success"}, {"data", data}})));
  }

  Response Labels(const Request& req, const std::string& name) {
    const auto p = server::FormParams(req);
    auto sets = Matchers(p);
    if (!sets) return BadData(sets.error().message());
    std::set<std::string> out;
    if (sets->empty()) sets->push_back({});
    for (const auto& m : *sets) {
      if (name.empty() && m.empty()) {
        for (const std::string& n : db_.LabelNames()) out.insert(n);
        continue;
      }
      if (!name.empty()) {
        auto values = db_.LabelValues(name, m);
        if (!values) return BadData(values.error().message());
        out.insert(values->begin(), values->end());
        continue;
      }
      auto series = db_.SeriesLabels(m, INT64_MIN / 2, INT64_MAX / 2);
      if (!series) return BadData(series.error().message());
      for (const LabelSet& s : *series) {
        for (const Label& l : s.labels()) out.insert(l.name);
      }
    }
    return Response::Json(200, Dump(json({{"status", "success"}, {"data", out}})));
  }

  Response Write(const Request& req) {
    struct Collect final : ingest::RemoteWriteHandler {
      void OnSeries(const LabelSet& labels, std::span<const Sample> samples) override {
        for (const Sample& s : samples) batch.push_back({labels, s});
      }
      std::vector<tsdb::LabeledSample> batch;
    } collect;
    ingest::RemoteWriteLimits limits;
    limits.max_decompressed_bytes = options_.max_write_bytes;
    limits.labels = options_.write_label_limits;
    auto decoded = ingest::DecodeRemoteWrite(req.body, collect, limits);
    if (!decoded) {
      const int status = decoded.error().code() == ErrorCode::kTooLarge ? 413 : 400;
      return Response::Text(status, decoded.error().message() + "\n");
    }
    auto st = db_.Append(collect.batch);
    if (!st) {
      // A full or failing disk (kIo): 503, retried by senders; nothing of
      // the request was stored (tsdb/db.h).
      const int status = st.error().code() == ErrorCode::kIo ? 503 : 500;
      return Response::Text(status, st.error().message() + "\n");
    }
    if (options_.on_append && st->accepted > 0) options_.on_append(collect.batch);
    // Prometheus treats 4xx as permanent: out-of-order samples are reported
    // with 400 so the sender drops them instead of retrying forever.
    if (st->rejected > 0 && st->accepted == 0) {
      return Response::Text(400,
                            "out of order or duplicate samples: " + st->first_rejection + "\n");
    }
    return Response::Text(204, "");
  }

 private:
  promql::ParseOptions ParseOptions() const {
    promql::ParseOptions o;
    o.max_depth = options_.query_limits.max_depth;
    return o;
  }
  static std::pair<Timestamp, Timestamp> Range(const std::multimap<std::string, std::string>& p) {
    Timestamp mint = INT64_MIN / 2, maxt = INT64_MAX / 2;
    if (auto s = ParseTime(Get(p, "start"), "start")) mint = *s;
    if (auto e = ParseTime(Get(p, "end"), "end")) maxt = *e;
    return {mint, maxt};
  }

  tsdb::Db& db_;
  Clock& clock_;
  ApiOptions options_;
};

}  // namespace

void RegisterPrometheusApi(server::HttpServer& s, tsdb::Db& db, Clock& clock, ApiOptions options) {
  using server::Role;
  auto api = std::make_shared<Api>(db, clock, options);
  for (const char* method : {"GET", "POST"}) {
    s.HandleReadOnly(method, "/api/v1/query", [api](const Request& r) { return api->Query(r); });
    s.HandleReadOnly(method, "/api/v1/query_range",
                     [api](const Request& r) { return api->QueryRange(r); });
    s.HandleReadOnly(method, "/api/v1/series", [api](const Request& r) { return api->Series(r); });
    s.HandleReadOnly(method, "/api/v1/labels",
                     [api](const Request& r) { return api->Labels(r, ""); });
  }
  s.Handle("GET", "/api/v1/label/:name/values", Role::kViewer,
           [api](const Request& r) { return api->Labels(r, r.path_params.at("name")); });
  s.Handle("POST", "/api/v1/write", Role::kResponder,
           [api](const Request& r) { return api->Write(r); });
  s.LogQuietly("POST", "/api/v1/write");  // every remote-write shard, every few seconds
}

}  // namespace fw::metrics::api

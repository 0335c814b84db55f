// RemoteQueryable over cpp-httplib and the Prometheus HTTP API's JSON.

#include "metrics/remote/remote_queryable.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

namespace fw::metrics::remote {
namespace {

using nlohmann::json;

const char* OpText(MatchType t) {
  switch (t) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string Quoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// "1700000000.123" (seconds, as the API writes times) -> ms.
Timestamp ParseTime(const json& t) {
  if (t.is_number()) return static_cast<Timestamp>(std::llround(t.get<double>() * 1000));
  return 0;
}

double ParseValue(const json& v) {
  if (!v.is_string()) return std::nan("");
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "+Inf" || s == "Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  return std::strtod(s.c_str(), nullptr);
}

Result<std::vector<promql::StoredSeries>> ParseMatrix(const std::string& body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(ErrorCode::kIo, "the answer is not JSON: " + body.substr(0, 120));
  }
  if (j.value("status", "") != "success") {
    return Fail(ErrorCode::kIo, "query failed: " + j.value("errorType", std::string("?")) + ": " +
                                    j.value("error", std::string("?")));
  }
  const json& data = j["data"];
  if (!data.is_object() || data.value("resultType", "") != "matrix" || !data["result"].is_array()) {
    return Fail(ErrorCode::kIo, "expected a matrix result");
  }
  std::vector<promql::StoredSeries> out;
  for (const json& s : data["result"]) {
    promql::StoredSeries series;
    if (s.contains("metric") && s["metric"].is_object()) {
      for (const auto& [k, v] : s["metric"].items()) {
        if (v.is_string()) series.labels.Set(k, v.get<std::string>());
      }
    }
    if (s.contains("values") && s["values"].is_array()) {
      for (const json& p : s["values"]) {
        if (!p.is_array() || p.size() != 2) continue;
        series.samples.push_back({ParseTime(p[0]), ParseValue(p[1])});
      }
    }
    out.push_back(std::move(series));
  }
  return out;
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string FormatSelector(std::span<const LabelMatcher> matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i) out += ",";
    out += matchers[i].name + OpText(matchers[i].type) + Quoted(matchers[i].value);
  }
  return out + "}";
}

RemoteQueryable::RemoteQueryable(RemoteMetricsSettings settings, Logger* log)
    : settings_(std::move(settings)), log_(log) {
  const std::string& url = settings_.url;
  const size_t slash = url.find('/', url.find("://") + 3);
  host_ = slash == std::string::npos ? url : url.substr(0, slash);
  prefix_ = slash == std::string::npos ? "" : url.substr(slash);
}

Result<std::vector<promql::StoredSeries>> RemoteQueryable::Fetch(
    std::span<const LabelMatcher> matchers, Timestamp mint, Timestamp maxt) const {
  ++queries_;
  // A range selector [d] holds the samples in (time - d, time]: d one ms
  // longer than the span includes mint itself.
  const int64_t range = std::max<int64_t>(1, maxt - mint + 1);
  char time[32];
  snprintf(time, sizeof time, "%.3f", static_cast<double>(maxt) / 1000.0);
  const httplib::Params params = {
      {"query", FormatSelector(matchers) + "[" + std::to_string(range) + "ms]"}, {"time", time}};
  httplib::Client client(host_);
  const auto t = settings_.timeout.count();
  client.set_connection_timeout(t / 1000, (t % 1000) * 1000);
  client.set_read_timeout(t / 1000, (t % 1000) * 1000);
  httplib::Headers headers(settings_.headers.begin(), settings_.headers.end());
  headers.emplace("Accept", "application/json");
  const std::string path =
      prefix_ + "/api/v1/query?" + httplib::detail::params_to_query_str(params);
  auto res = client.Get(path, headers);
  if (!res) {
    return Fail(ErrorCode::kIo,
                "remote metrics " + settings_.url + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200 && res->status != 400 && res->status != 422) {
    return Fail(ErrorCode::kIo, "remote metrics " + settings_.url + ": HTTP " +
                                    std::to_string(res->status) + " " + res->body.substr(0, 200));
  }
  auto series = ParseMatrix(res->body);
  if (!series) return Fail(series.error().WithContext("remote metrics " + settings_.url));
  return series;
}

std::vector<promql::StoredSeries> RemoteQueryable::Select(std::span<const LabelMatcher> matchers,
                                                          Timestamp mint, Timestamp maxt) const {
  auto got = Fetch(matchers, mint, maxt);
  if (got) return std::move(*got);
  ++errors_;
  std::lock_guard lock(log_mu_);
  const int64_t now = SteadyMs();
  if (log_ && now - last_logged_ >= 30'000) {
    last_logged_ = now;
    log_->Warn("remote metrics query failed",
               {{"error", got.error().message()}, {"failures", std::to_string(errors_.load())}});
  }
  return {};
}

std::vector<promql::StoredSeries> UnionQueryable::Select(std::span<const LabelMatcher> matchers,
                                                         Timestamp mint, Timestamp maxt) const {
  std::vector<promql::StoredSeries> out = remote_.Select(matchers, mint, maxt);
  std::map<std::string, bool> seen;
  for (const auto& s : out) seen[s.labels.ToString()] = true;
  for (auto& s : local_.Select(matchers, mint, maxt)) {
    if (!seen.contains(s.labels.ToString())) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace fw::metrics::remote

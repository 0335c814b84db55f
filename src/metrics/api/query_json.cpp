#include "metrics/api/query_json.h"

#include <charconv>

#include "common/log.h"
#include "metrics/promql/ast.h"

namespace fw::metrics::api {
namespace {

void AppendInt(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void AppendPoint(std::string& out, Timestamp t, double v) {
  out += '[';
  AppendTimestamp(out, t);
  out += ",\"";
  out += promql::FormatFloatFixed(v);  // digits, '.', '-', NaN, Inf: nothing to escape
  out += "\"]";
}

void AppendMetric(std::string& out, const LabelSet& labels) {
  out += "{\"metric\":{";
  bool first = true;
  for (const Label& l : labels.labels()) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, l.name);
    out += ':';
    AppendJsonString(out, l.value);
  }
  out += '}';
}

void AppendStrings(std::string& out, std::string_view key, const std::vector<std::string>& list) {
  if (list.empty()) return;
  out += ",\"";
  out += key;
  out += "\":[";
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, list[i]);
  }
  out += ']';
}

void AppendData(std::string& out, const promql::Value& v, Timestamp t) {
  switch (v.type) {
    case promql::ValueType::kScalar:
      out += "{\"resultType\":\"scalar\",\"result\":";
      AppendPoint(out, t, v.scalar);
      out += '}';
      return;
    case promql::ValueType::kString:
      out += "{\"resultType\":\"string\",\"result\":[";
      AppendTimestamp(out, t);
      out += ',';
      AppendJsonString(out, v.str);
      out += "]}";
      return;
    case promql::ValueType::kVector:
      out += "{\"resultType\":\"vector\",\"result\":[";
      for (size_t i = 0; i < v.vector.size(); ++i) {
        if (i) out += ',';
        AppendMetric(out, v.vector[i].labels);
        out += ",\"value\":";
        AppendPoint(out, t, v.vector[i].v);
        out += '}';
      }
      out += "]}";
      return;
    default:
      out += "{\"resultType\":\"matrix\",\"result\":[";
      for (size_t i = 0; i < v.matrix.size(); ++i) {
        if (i) out += ',';
        AppendMetric(out, v.matrix[i].labels);
        out += ",\"values\":[";
        const auto& samples = v.matrix[i].samples;
        for (size_t k = 0; k < samples.size(); ++k) {
          if (k) out += ',';
          AppendPoint(out, samples[k].t, samples[k].v);
        }
        out += "]}";
      }
      out += "]}";
  }
}

}  // namespace

void AppendTimestamp(std::string& out, Timestamp t) {
  uint64_t u = static_cast<uint64_t>(t);
  if (t < 0) {
    out += '-';
    u = 0 - u;  // well defined for INT64_MIN too
  }
  AppendInt(out, u / 1000);
  if (const uint64_t ms = u % 1000; ms != 0) {
    out += '.';
    if (ms < 100) out += '0';
    if (ms < 10) out += '0';
    AppendInt(out, ms);
  }
}

std::string QueryResultJson(const promql::QueryResult& r, Timestamp t) {
  std::string out;
  out.reserve(4096);
  out += "{\"status\":\"success\",\"data\":";
  AppendData(out, r.value, t);
  AppendStrings(out, "warnings", r.warnings);
  AppendStrings(out, "infos", r.infos);
  out += '}';
  return out;
}

}  // namespace fw::metrics::api

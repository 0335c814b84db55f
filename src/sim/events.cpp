// Log lines and change events, as JSON lines with the fields real shippers
// produce (@timestamp in RFC 3339 with milliseconds).

#include <cstdio>

#include "common/log.h"
#include "sim/model.h"

namespace fw::sim {
namespace {

void Field(std::string& out, const char* name, std::string_view value) {
  out += ",\"";
  out += name;
  out += "\":";
  AppendJsonString(out, value);
}

void NumberField(std::string& out, const char* name, double value, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, ",\"%s\":%.*f", name, decimals, value);
  out += buf;
}

std::string Hex(Rng& rng, int digits) {
  static const char* kHex = "0123456789abcdef";
  std::string s(digits, '0');
  uint64_t bits = rng.Next();
  for (int i = 0; i < digits; ++i) {
    if (i == 16) bits = rng.Next();
    s[i] = kHex[bits & 15];
    bits >>= 4;
  }
  return s;
}

}  // namespace

void EmitChange(World& w, const std::string& type,
                const std::vector<std::pair<std::string, std::string>>& fields) {
  if (!w.sink) return;
  std::string line = "{\"@timestamp\":";
  AppendJsonString(line, FormatRfc3339Millis(w.now));
  Field(line, "type", type);
  Field(line, "service", w.sc.env.service);
  for (const auto& [k, v] : fields) Field(line, k.c_str(), v);
  line += '}';
  w.sink->OnChange(line);
}

void EmitLog(World& w, const char* level, const Instance* inst, int route, int status,
             double latency_s, const std::string& message) {
  if (!w.sink) return;
  // Spread lines over the step they happened in.
  const Timestamp t =
      w.now - w.sc.step.count() +
      static_cast<Timestamp>(w.log_rng.Uniform() * static_cast<double>(w.sc.step.count()));
  std::string line = "{\"@timestamp\":";
  AppendJsonString(line, FormatRfc3339Millis(t));
  Field(line, "level", level);
  std::string msg = message;
  if (msg.empty() && route >= 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s %s %d %.0fms", ProfileOf(route).method,
                  ProfileOf(route).path, status, latency_s * 1000);
    msg = buf;
  }
  Field(line, "message", msg);
  Field(line, "service", w.sc.env.service);
  if (inst) {
    Field(line, "instance", inst->id);
    Field(line, "version", inst->version);
  }
  if (route >= 0) {
    Field(line, "route", ProfileOf(route).path);
    Field(line, "method", ProfileOf(route).method);
    if (status > 0) {
      NumberField(line, "status", status, 0);
      NumberField(line, "latency_ms", latency_s * 1000, 1);
      Field(line, "user_id", "u-" + std::to_string(1 + w.log_rng.Below(w.sc.traffic.users)));
      Field(line, "trace_id", Hex(w.log_rng, 32));
    }
  }
  line += '}';
  w.sink->OnLog(line);
}

}  // namespace fw::sim

#include "metrics/ingest/scrape_target.h"

#include <httplib.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "metrics/ingest/scrape_config.h"

namespace fw::metrics::ingest {
namespace {

// FNV-1a: stable across runs and builds, so offsets are too.
uint64_t Fnv1a(std::string_view s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

Result<std::pair<std::string, int>> SplitHostPort(std::string_view address) {
  auto bad = [&](const char* why) {
    return Fail(ErrorCode::kInvalidArgument,
                "bad target address \"" + std::string(address) + "\": " + why);
  };
  std::string host;
  std::string_view rest;
  if (address.starts_with("[")) {
    const size_t close = address.find(']');
    if (close == std::string_view::npos) return bad("unclosed [");
    host = std::string(address.substr(1, close - 1));
    rest = address.substr(close + 1);
  } else {
    const size_t colon = address.rfind(':');
    host = std::string(address.substr(0, colon));
    rest = colon == std::string_view::npos ? "" : address.substr(colon);
  }
  if (host.empty()) return bad("empty host");
  if (host.find_first_of("/ ") != std::string::npos) return bad("expected host:port");
  int port = 80;
  if (!rest.empty()) {
    if (rest[0] != ':' || rest.size() < 2 || rest.size() > 6) return bad("expected host:port");
    port = 0;
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return bad("port is not a number");
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return bad("port out of range");
  }
  return std::make_pair(host, port);
}

// The query string from params, where a __param_<name> target label
// replaces the configured values of <name>.
std::string Query(const ScrapeConfig& cfg, const LabelSet& all) {
  std::vector<std::pair<std::string, std::string>> params;
  std::set<std::string> overridden;
  for (const Label& l : all.labels()) {
    if (l.name.starts_with("__param_")) {
      params.emplace_back(l.name.substr(8), l.value);
      overridden.insert(l.name.substr(8));
    }
  }
  for (const auto& p : cfg.params) {
    if (!overridden.count(p.first)) params.push_back(p);
  }
  std::string q;
  for (const auto& [k, v] : params) {
    q += (q.empty() ? "?" : "&") + httplib::detail::encode_query_param(k) + "=" +
         httplib::detail::encode_query_param(v);
  }
  return q;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  if (!url.starts_with("http://")) {
    return Fail(ErrorCode::kInvalidArgument,
                "unsupported URL \"" + std::string(url) + "\" (only http:// is supported)");
  }
  std::string_view rest = url.substr(7);
  const size_t slash = rest.find_first_of("/?");
  auto hp = SplitHostPort(rest.substr(0, slash));
  if (!hp) return Fail(hp.error());
  HttpUrl out{hp->first, hp->second, "/"};
  if (slash != std::string_view::npos) {
    out.path = std::string(rest.substr(slash));
    if (out.path.starts_with("?")) out.path = "/" + out.path;
  }
  return out;
}

Result<ScrapeTarget> MakeTarget(const ScrapeConfig& cfg, const std::string& address,
                                const LabelSet& group_labels) {
  // The Prometheus order: defaults first, then the group's labels win.
  LabelSet all{{"job", cfg.job_name},
               {"__address__", address},
               {"__metrics_path__", cfg.metrics_path},
               {"__scheme__", cfg.scheme}};
  for (const Label& l : group_labels.labels()) all.Set(l.name, l.value);
  if (all.Get("__scheme__") != "http") {
    return Fail(ErrorCode::kInvalidArgument, "target " + address + ": scheme \"" +
                                                 std::string(all.Get("__scheme__")) +
                                                 "\" is not supported (only http)");
  }
  const std::string addr(all.Get("__address__"));
  auto hp = SplitHostPort(addr);
  if (!hp) return Fail(hp.error());
  ScrapeTarget t;
  t.host = hp->first;
  t.port = hp->second;
  std::string path(all.Get("__metrics_path__"));
  if (!path.starts_with("/")) path = "/" + path;
  t.path = path + Query(cfg, all);
  const bool v6 = t.host.find(':') != std::string::npos;
  t.url = "http://" + (v6 ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port) + t.path;
  if (!all.Has("instance")) all.Set("instance", addr);
  for (const Label& l : all.labels()) {
    if (!l.name.starts_with("__")) t.labels.Set(l.name, l.value);
  }
  t.hash = Fnv1a(t.url, t.labels.Hash());
  return t;
}

std::vector<ScrapeTarget> TargetsFromGroups(const ScrapeConfig& cfg,
                                            const std::vector<TargetGroup>& groups,
                                            std::vector<Error>* errors) {
  std::vector<ScrapeTarget> out;
  std::set<uint64_t> seen;
  for (const TargetGroup& g : groups) {
    for (const std::string& address : g.targets) {
      auto t = MakeTarget(cfg, address, g.labels);
      if (!t) {
        if (errors) errors->push_back(t.error());
        continue;
      }
      if (seen.insert(t->hash).second) out.push_back(std::move(*t));
    }
  }
  return out;
}

Result<std::vector<TargetGroup>> ParseHttpSdResponse(std::string_view body) {
  using nlohmann::json;
  auto bad = [](const std::string& where, const std::string& why) {
    return Fail(ErrorCode::kInvalidArgument, "HTTP SD response: " + where + ": " + why);
  };
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad("body", "not valid JSON");
  if (!doc.is_array()) return bad("body", "expected a JSON array of target groups");
  std::vector<TargetGroup> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& g = doc[i];
    const std::string at = "[" + std::to_string(i) + "]";
    if (!g.is_object()) return bad(at, "expected an object");
    TargetGroup group;
    const auto targets = g.find("targets");
    if (targets == g.end() || !targets->is_array()) return bad(at + ".targets", "expected a list");
    for (const json& t : *targets) {
      if (!t.is_string()) return bad(at + ".targets", "expected strings");
      group.targets.push_back(t.get<std::string>());
    }
    if (const auto labels = g.find("labels"); labels != g.end() && !labels->is_null()) {
      if (!labels->is_object()) return bad(at + ".labels", "expected an object");
      for (const auto& [k, v] : labels->items()) {
        if (!v.is_string()) return bad(at + ".labels." + k, "expected a string");
        if (std::string why = CheckLabelName(k); !why.empty()) return bad(at + ".labels", why);
        group.labels.Set(k, v.get<std::string>());
      }
    }
    out.push_back(std::move(group));
  }
  return out;
}

Result<std::vector<TargetGroup>> FetchHttpSd(const HttpSdConfig& sd, Millis timeout) {
  auto url = ParseHttpUrl(sd.url);
  if (!url) return Fail(url.error());
  httplib::Client client(url->host, url->port);
  const auto secs = timeout.count() / 1000, usecs = (timeout.count() % 1000) * 1000;
  client.set_connection_timeout(secs, usecs);
  client.set_read_timeout(secs, usecs);
  client.set_write_timeout(secs, usecs);
  auto res = client.Get(url->path, {{"Accept", "application/json"}});
  if (!res) {
    return Fail(ErrorCode::kIo, "HTTP SD " + sd.url + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return Fail(ErrorCode::kIo, "HTTP SD " + sd.url + ": status " + std::to_string(res->status));
  }
  auto groups = ParseHttpSdResponse(res->body);
  if (!groups) return Fail(groups.error().WithContext(sd.url));
  return groups;
}

}  // namespace fw::metrics::ingest

#include "server/router.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace fw::server {

namespace {

// "/" -> {}, "/a/b" -> {"a","b"}, "/a/" -> {"a",""}: a trailing slash is a
// distinct (empty) segment, so "/a/" does not match "/a".
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  if (path.empty()) return out;
  while (true) {
    const size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool IsParam(std::string_view segment) { return !segment.empty() && segment.front() == ':'; }

// Two patterns with the same shape match exactly the same paths.
bool SameShape(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (IsParam(a[i]) != IsParam(b[i])) return false;
    if (!IsParam(a[i]) && a[i] != b[i]) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Matches decoded segments against a pattern; fills params on success.
bool Match(const Route& route, const std::vector<std::string>& decoded,
           std::map<std::string, std::string>* params) {
  if (route.segments.size() != decoded.size()) return false;
  for (size_t i = 0; i < decoded.size(); ++i) {
    const std::string& p = route.segments[i];
    if (IsParam(p)) {
      if (decoded[i].empty()) return false;
    } else if (p != decoded[i]) {
      return false;
    }
  }
  if (params) {
    params->clear();
    for (size_t i = 0; i < decoded.size(); ++i) {
      if (IsParam(route.segments[i])) (*params)[route.segments[i].substr(1)] = decoded[i];
    }
  }
  return true;
}

// True when a is more specific than b: a literal at the first position where
// one has a literal and the other a parameter.
bool MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    const bool pa = IsParam(a.segments[i]), pb = IsParam(b.segments[i]);
    if (pa != pb) return pb;
  }
  return false;
}

}  // namespace

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void Router::Add(Route route) {
  route.area = AreaOfPattern(route.pattern);
  if (route.method.empty()) throw std::invalid_argument("route method is empty");
  for (char& c : route.method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') throw std::invalid_argument("invalid route method: " + route.method);
  }
  if (route.pattern.empty() || route.pattern.front() != '/' ||
      route.pattern.find_first_of("?#") != std::string::npos) {
    throw std::invalid_argument("route pattern must be a path starting with '/': " + route.pattern);
  }
  route.segments.clear();
  std::set<std::string_view> names;
  for (std::string_view seg : SplitPath(route.pattern)) {
    if (IsParam(seg) && (seg.size() == 1 || !names.insert(seg.substr(1)).second)) {
      throw std::invalid_argument("route pattern has an empty or repeated :name: " + route.pattern);
    }
    route.segments.emplace_back(seg);
  }
  for (Route& existing : routes_) {
    if (existing.method == route.method && SameShape(existing.segments, route.segments)) {
      existing = std::move(route);
      return;
    }
  }
  routes_.push_back(std::move(route));
}

RouteLookup Router::Find(std::string_view method, std::string_view raw_path) const {
  RouteLookup out;
  if (raw_path.empty() || raw_path.front() != '/') return out;  // "*", absolute-form URIs
  std::vector<std::string> decoded;
  for (std::string_view seg : SplitPath(raw_path)) decoded.push_back(PercentDecode(seg));

  const bool has_head_route = std::any_of(routes_.begin(), routes_.end(), [&](const Route& r) {
    return r.method == "HEAD" && Match(r, decoded, nullptr);
  });
  const std::string_view wanted = (method == "HEAD" && !has_head_route) ? "GET" : method;
  std::set<std::string> allowed;
  for (const Route& r : routes_) {
    if (!Match(r, decoded, nullptr)) continue;
    allowed.insert(r.method);
    if (r.method == "GET") allowed.insert("HEAD");
    if (r.method == wanted && (!out.route || MoreSpecific(r, *out.route))) out.route = &r;
  }
  if (out.route) {
    Match(*out.route, decoded, &out.params);
  } else {
    out.allowed_methods.assign(allowed.begin(), allowed.end());
  }
  return out;
}

}  // namespace fw::server

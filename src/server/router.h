#pragma once
// Internal to src/server: maps (method, raw request path) to a registered
// route. Patterns are split on '/'; a ":name" segment matches any one
// non-empty segment. The request path is matched segment by segment BEFORE
// percent-decoding, so an id containing "%2F" stays one segment; parameter
// values and literal comparisons use the decoded segment.
//
// Not thread-safe for writers: Add() only before serving, Find() from any
// number of threads afterwards.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http.h"

namespace fw::server {

struct Route {
  std::string method;   // upper case
  std::string pattern;  // as registered; also the metrics "handler" label
  Role required = Role::kViewer;
  bool is_public = false;  // no auth at all, even with anonymous reads off
  Handler handler;
  std::vector<std::string> segments;  // filled by Router::Add
  bool read_only = false;             // reads whatever the method: anonymous access as for GET
  Area area = Area::kOther;           // filled by Router::Add from the pattern
};

struct RouteLookup {
  const Route* route = nullptr;  // null: no route for this method and path
  std::map<std::string, std::string> params;
  // When route is null: the methods some route accepts for this path (for a
  // 405's Allow header, HEAD included with GET); empty means 404.
  std::vector<std::string> allowed_methods;
};

class Router {
 public:
  // Adds or replaces (same method and same pattern shape) a route. Throws
  // std::invalid_argument on an empty/non-alphabetic method or a pattern that
  // does not start with '/', has an empty ":" name or repeats a name.
  void Add(Route route);
  // HEAD is served by GET routes unless a HEAD route exists.
  RouteLookup Find(std::string_view method, std::string_view raw_path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Decodes %XX escapes; a malformed escape is kept verbatim. '+' stays '+'.
std::string PercentDecode(std::string_view s);

}  // namespace fw::server

#include "sim/world.h"

#include <string>

namespace fw::sim {

const RouteProfile& ProfileOf(int route) {
  static const RouteProfile kProfiles[kRouteCount] = {
      {"GET", "/", 6, 0, false, "-- served from cache"},
      {"GET", "/product", 14, 3, false,
       "SELECT p.*, i.stock FROM products p JOIN inventory i ON i.sku = p.sku WHERE p.category = "
       "?"},
      {"POST", "/cart", 12, 4, false,
       "INSERT INTO cart_items (cart_id, sku, qty) VALUES (?, ?, ?)"},
      {"POST", "/checkout", 25, 6, true,
       "UPDATE inventory SET reserved = reserved + ? WHERE sku = ?"},
  };
  return kProfiles[route];
}

int RouteFromPath(const std::string& path) {
  for (int r = 0; r < kRouteCount; ++r) {
    if (path == ProfileOf(r).path) return r;
  }
  return -1;
}

const char* InstanceStateName(InstanceState s) {
  switch (s) {
    case InstanceState::kBooting:
      return "booting";
    case InstanceState::kInService:
      return "in_service";
    case InstanceState::kRestarting:
      return "restarting";
    case InstanceState::kTerminated:
      return "terminated";
  }
  return "unknown";
}

}  // namespace fw::sim

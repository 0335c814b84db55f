#include "alerting/flap.h"

namespace fw::alerting {

FlapDetectionConfig ParseFlapDetection(YamlReader& r, const YAML::Node& doc) {
  FlapDetectionConfig c;
  const YAML::Node n = YamlChild(doc, "flap_detection");
  if (!n.IsDefined() || n.IsNull()) return c;
  if (!r.Keys(n, "flap_detection", {"window", "max_changes", "stable_for"})) return c;
  r.Dur(n, "flap_detection", "window", c.window);
  r.Uint(n, "flap_detection", "max_changes", c.max_changes);
  r.Dur(n, "flap_detection", "stable_for", c.stable_for);
  if (!YamlChild(n, "max_changes").IsDefined() || c.max_changes == 0) {
    r.Fail(n, "flap_detection.max_changes",
           "required and at least 1 (remove flap_detection to turn it off)");
    c.max_changes = 0;
  }
  return c;
}

void FlapDetector::Observe(const std::string& fingerprint, bool firing, Timestamp now) {
  if (!config_.enabled()) return;
  auto it = states_.find(fingerprint);
  if (it == states_.end()) {
    if (!firing) return;  // a resolution of an alert never seen firing changes nothing
    it = states_.emplace(fingerprint, State{}).first;
  }
  State& s = it->second;
  if (s.firing == firing) return;
  s.firing = firing;
  s.changes.push_back(now);
  while (!s.changes.empty() && s.changes.front() <= now - config_.window.count()) {
    s.changes.pop_front();
  }
  if (!s.flapping && s.changes.size() > config_.max_changes) {
    s.flapping = true;
    s.since = now;
  }
}

bool FlapDetector::Flapping(const std::string& fingerprint, Timestamp now) const {
  auto it = states_.find(fingerprint);
  if (it == states_.end() || !it->second.flapping || it->second.changes.empty()) return false;
  return now - it->second.changes.back() < config_.stable_for.count();
}

void FlapDetector::Settle(Timestamp now) {
  for (auto it = states_.begin(); it != states_.end();) {
    State& s = it->second;
    if (s.flapping && (s.changes.empty() || now - s.changes.back() >= config_.stable_for.count())) {
      s.flapping = false;
      s.changes.clear();  // stable: a fresh start, not one change from flapping again
    }
    while (!s.flapping && !s.changes.empty() && s.changes.front() <= now - config_.window.count()) {
      s.changes.pop_front();
    }
    const bool forget = !s.flapping && s.changes.empty() && !s.firing;
    it = forget ? states_.erase(it) : std::next(it);
  }
}

std::string FlapDetector::Describe(const std::string& fingerprint, Timestamp now) const {
  if (!Flapping(fingerprint, now)) return "";
  const State& s = states_.at(fingerprint);
  return "flapping since " + FormatRfc3339Millis(s.since) + ": changed state " +
         std::to_string(s.changes.size()) + " times within " + FormatDuration(config_.window) +
         " (more than " + std::to_string(config_.max_changes) +
         "); notifications held until stable for " + FormatDuration(config_.stable_for);
}

}  // namespace fw::alerting

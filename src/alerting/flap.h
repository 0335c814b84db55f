#pragma once
// Flap detection: an alert that changes state (firing <-> resolved) more
// than `max_changes` times within `window` is flapping. The router then
// sends one notification saying so and holds the alert's further
// notifications until it has not changed state for `stable_for`; after that
// the alert is told normally again (e.g. its resolution). Configured by the
// top-level key
//
//   flap_detection: {window: 30m, max_changes: 6, stable_for: 10m}
//
// absent = off. Driven by the caller's clock; not thread-safe (the router
// owns it).

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/duration.h"
#include "common/yaml_reader.h"

namespace fw::alerting {

struct FlapDetectionConfig {
  Millis window{30 * 60'000};
  uint64_t max_changes = 0;  // 0: flap detection off
  Millis stable_for{10 * 60'000};
  bool enabled() const { return max_changes > 0; }
};

// Reads top-level `flap_detection`; problems go to `r`.
FlapDetectionConfig ParseFlapDetection(YamlReader& r, const YAML::Node& doc);

class FlapDetector {
 public:
  explicit FlapDetector(FlapDetectionConfig config) : config_(config) {}

  // The alert's state at `now`; only a change of state counts (an alert not
  // seen before starts as resolved).
  void Observe(const std::string& fingerprint, bool firing, Timestamp now);
  bool Flapping(const std::string& fingerprint, Timestamp now) const;
  // Ends flapping for alerts stable for stable_for and forgets the state of
  // alerts that did not change within the window.
  void Settle(Timestamp now);
  // When flapping, why ("changed state 7 times in 30m ..."); else "".
  std::string Describe(const std::string& fingerprint, Timestamp now) const;
  const FlapDetectionConfig& config() const { return config_; }

 private:
  struct State {
    std::deque<Timestamp> changes;  // within the window
    bool firing = false;
    bool flapping = false;
    Timestamp since = 0;  // flapping since
  };
  FlapDetectionConfig config_;
  std::unordered_map<std::string, State> states_;  // by fingerprint
};

}  // namespace fw::alerting

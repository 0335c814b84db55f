#include "common/label_limits.h"

#include <string>

#include "common/text.h"

namespace fw {
namespace {

// At most 50 bytes of `s` for a message (Prometheus's %.50s), made valid.
std::string Short(std::string_view s) { return ToValidUtf8(s.substr(0, 50)); }

}  // namespace

Result<void> CheckLabels(std::span<const Label> labels, const LabelLimits& limits,
                         std::string_view metric) {
  const std::string m = Short(metric);
  if (limits.label_limit > 0 && labels.size() > limits.label_limit) {
    return Fail(ErrorCode::kInvalidArgument,
                "label_limit exceeded (metric: " + m +
                    ", number of labels: " + std::to_string(labels.size()) +
                    ", limit: " + std::to_string(limits.label_limit) + ")");
  }
  for (const Label& l : labels) {
    if (!IsValidUtf8(l.name)) {
      return CheckUtf8(l.name, "label name \"" + Short(l.name) + "\" of metric " + m);
    }
    if (!IsValidUtf8(l.value)) {
      return CheckUtf8(l.value, "label value of \"" + Short(l.name) + "\" of metric " + m);
    }
    if (limits.label_name_length_limit > 0 && l.name.size() > limits.label_name_length_limit) {
      return Fail(ErrorCode::kInvalidArgument,
                  "label_name_length_limit exceeded (metric: " + m + ", label name: " +
                      Short(l.name) + ", length: " + std::to_string(l.name.size()) +
                      ", limit: " + std::to_string(limits.label_name_length_limit) + ")");
    }
    if (limits.label_value_length_limit > 0 && l.value.size() > limits.label_value_length_limit) {
      return Fail(ErrorCode::kInvalidArgument,
                  "label_value_length_limit exceeded (metric: " + m +
                      ", label name: " + Short(l.name) + ", value: \"" + Short(l.value) +
                      "\", length: " + std::to_string(l.value.size()) +
                      ", limit: " + std::to_string(limits.label_value_length_limit) + ")");
    }
  }
  return {};
}

}  // namespace fw

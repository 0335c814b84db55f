#pragma once
// Limits on the labels of one series or alert, as Prometheus has them for
// scrape jobs (label_limit, label_name_length_limit,
// label_value_length_limit), applied alike to scrape, remote write and alert
// intake, together with the UTF-8 policy (common/text.h): every name and
// value must be valid UTF-8. What breaks a limit is refused: the scrape, the
// remote-write request, the alert (docs/server.md, "Limits").

#include <cstddef>
#include <span>
#include <string_view>

#include "common/error.h"
#include "common/labels.h"

namespace fw {

struct LabelLimits {
  size_t label_limit = 0;               // labels per series, __name__ included; 0: none
  size_t label_name_length_limit = 0;   // bytes of one name; 0: none
  size_t label_value_length_limit = 0;  // bytes of one value; 0: none
};

// The defaults for remote write and alert intake, where a sender is not
// configured by the operator as a scrape job is: generous, but a 20 MB label
// value cannot reach the store, the incidents and every webhook.
inline constexpr LabelLimits kIntakeLabelLimits{
    .label_limit = 128, .label_name_length_limit = 1024, .label_value_length_limit = 64 << 10};

// kInvalidArgument with Prometheus's wording ("label_limit exceeded (metric:
// up, number of labels: 200, limit: 128)") or "label value of \"job\" is not
// valid UTF-8 (byte 3 of 5)" for the first label that fails. `metric` names
// the series in messages.
Result<void> CheckLabels(std::span<const Label> labels, const LabelLimits& limits,
                         std::string_view metric = "");

}  // namespace fw

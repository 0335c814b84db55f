#pragma once
// `firewatch demo`'s run: the embedded simulated production, firewatch's
// detection stages on it (response/sim_pipeline.h), and the responder
// handling the incident end to end with no human input; the terminal shows
// each phase as it happens, in simulated time.

#include <iosfwd>
#include <string>

#include "common/error.h"

namespace fw::cli {

struct DemoOptions {
  std::string scenario = "db-pool-exhaustion";  // a built-in scenario
  std::string scenario_file;                    // wins over `scenario`
  std::string speed = "max";                    // "max" or simulated seconds per second
  std::string out_dir = "out/demo";             // data/ and the report go here
  std::string report_file;                      // "" = OUT/report.md
  std::string report_format = "markdown";
  std::string json_file;            // "" = no summary file
  std::string rules_file;           // "" = the shipped rule pack
  std::string runbooks_dir;         // "" = the shipped runbooks
  double average_order_value = 60;  // for the report's revenue impact
  bool serve = false;               // keep the API up afterwards
  std::string bind = "127.0.0.1";
  int port = 9400;
};

Result<void> RunDemo(const DemoOptions& options, std::ostream& out);

}  // namespace fw::cli

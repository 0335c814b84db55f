#pragma once
// ScrapeClient: the HTTP GET of one scrape, as Prometheus sends it: an Accept
// header preferring OpenMetrics then text 0.0.4, the timeout announced in
// X-Prometheus-Scrape-Timeout-Seconds, the job's credentials. The whole
// request is bounded by the timeout (measured on the Clock) and the body by
// a byte limit; either aborts the scrape with an error saying which.
//
// One client per target keeps its connection between scrapes. Fetch() runs
// on the loop's thread; Interrupt() may be called from any thread to abort
// a Fetch in flight (Stop must not wait out a slow target).

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/duration.h"
#include "common/error.h"
#include "metrics/ingest/scrape_config.h"
#include "metrics/ingest/scrape_target.h"

namespace fw::metrics::ingest {

inline constexpr const char* kScrapeAcceptHeader =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

struct FetchedBody {
  std::string body;
  std::string content_type;
};

class ScrapeClient {
 public:
  // REQUIRES: clock outlives the client.
  ScrapeClient(const ScrapeConfig& cfg, const ScrapeTarget& target, Clock& clock);
  ~ScrapeClient();
  ScrapeClient(const ScrapeClient&) = delete;
  ScrapeClient& operator=(const ScrapeClient&) = delete;

  // GETs the target. Fails (kIo) on connection errors, timeouts and
  // statuses other than 200; (kTooLarge) when the body exceeds the limit.
  Result<FetchedBody> Fetch();
  void Interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::metrics::ingest

#include "metrics/ingest/scrape_http.h"

#include <httplib.h>

#include <atomic>
#include <cstdio>

#include "version.h"

namespace fw::metrics::ingest {

struct ScrapeClient::Impl {
  const ScrapeConfig& cfg;
  const ScrapeTarget& target;
  Clock& clock;
  httplib::Client client;
  httplib::Headers headers;
  std::atomic<bool> interrupted{false};

  Impl(const ScrapeConfig& c, const ScrapeTarget& t, Clock& k)
      : cfg(c), target(t), clock(k), client(t.host, t.port) {
    const auto ms = cfg.scrape_timeout.count();
    client.set_connection_timeout(ms / 1000, (ms % 1000) * 1000);
    client.set_read_timeout(ms / 1000, (ms % 1000) * 1000);
    client.set_write_timeout(ms / 1000, (ms % 1000) * 1000);
    client.set_keep_alive(true);
    if (!cfg.bearer_token.empty()) client.set_bearer_token_auth(cfg.bearer_token.c_str());
    if (cfg.basic_auth) {
      client.set_basic_auth(cfg.basic_auth->username.c_str(), cfg.basic_auth->password.c_str());
    }
    char timeout[32];
    std::snprintf(timeout, sizeof timeout, "%g", static_cast<double>(ms) / 1000);
    headers = {{"Accept", kScrapeAcceptHeader},
               {"User-Agent", std::string("firewatch/") + FIREWATCH_VERSION},
               {"X-Prometheus-Scrape-Timeout-Seconds", timeout}};
  }
};

ScrapeClient::ScrapeClient(const ScrapeConfig& cfg, const ScrapeTarget& target, Clock& clock)
    : impl_(std::make_unique<Impl>(cfg, target, clock)) {}

ScrapeClient::~ScrapeClient() = default;

void ScrapeClient::Interrupt() {
  impl_->interrupted = true;
  impl_->client.stop();
}

Result<FetchedBody> ScrapeClient::Fetch() {
  Impl& m = *impl_;
  const Timestamp deadline = m.clock.Now() + m.cfg.scrape_timeout.count();
  const uint64_t limit = m.cfg.body_size_limit ? m.cfg.body_size_limit : kMaxScrapeBodyBytes;
  FetchedBody out;
  int status = 0;
  bool too_large = false, too_slow = false;
  auto res = m.client.Get(
      m.target.path, m.headers,
      [&](const httplib::Response& r) {
        status = r.status;
        out.content_type = r.get_header_value("Content-Type");
        return r.status == 200;  // no body needed for an error
      },
      [&](const char* data, size_t n) {
        if (out.body.size() + n > limit) return !(too_large = true);
        if (m.clock.Now() > deadline) return !(too_slow = true);
        if (m.interrupted) return false;
        out.body.append(data, n);
        return true;
      });
  if (too_large) {
    return Fail(ErrorCode::kTooLarge,
                "body larger than body_size_limit (" + std::to_string(limit) + " bytes)");
  }
  if (too_slow) {
    return Fail(ErrorCode::kIo, "scrape timed out after " + FormatDuration(m.cfg.scrape_timeout));
  }
  if (status != 0 && status != 200) {
    return Fail(ErrorCode::kIo, "server returned HTTP status " + std::to_string(status));
  }
  if (!res) {
    const auto e = res.error();
    if (e == httplib::Error::Read || e == httplib::Error::ConnectionTimeout) {
      return Fail(ErrorCode::kIo, "scrape failed (" + httplib::to_string(e) + ") within timeout " +
                                      FormatDuration(m.cfg.scrape_timeout));
    }
    return Fail(ErrorCode::kIo, "scrape failed: " + httplib::to_string(e));
  }
  if (m.clock.Now() > deadline) {
    return Fail(ErrorCode::kIo, "scrape timed out after " + FormatDuration(m.cfg.scrape_timeout));
  }
  return out;
}

}  // namespace fw::metrics::ingest

#include "metrics/ingest/file_import.h"

#include <fstream>
#include <sstream>

#include "metrics/ingest/label_set_handler.h"

namespace fw::metrics::ingest {
namespace {

class Collect final : public LabelSetHandler {
 public:
  explicit Collect(Timestamp default_time) : default_time_(default_time) {}
  void OnSeries(const LabelSet& series, double value, std::optional<Timestamp> t) override {
    auto [it, fresh] = index_.try_emplace(series, out.series.size());
    if (fresh) out.series.push_back({series, {}});
    out.series[it->second].samples.push_back({t.value_or(default_time_), value});
    ++out.samples;
  }
  ImportResult out;

 private:
  Timestamp default_time_;
  std::map<LabelSet, size_t> index_;
};

}  // namespace

Result<ImportResult> ImportFile(const std::string& path, Timestamp default_time) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot read " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  const Format format = path.ends_with(".om") || path.ends_with(".openmetrics")
                            ? Format::kOpenMetrics
                            : Format::kPrometheusText;
  Collect collect(default_time);
  auto stats = ParseExposition(text, format, collect, path);
  if (!stats) return Fail(stats.error());
  return std::move(collect.out);
}

}  // namespace fw::metrics::ingest

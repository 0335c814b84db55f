// Fuzz target for the remote-write decoder (snappy block format around a
// protobuf WriteRequest). The first byte chooses how the rest is used: as
// the request body itself (the snappy layer), or compressed first, so that
// the protobuf decoder sees the bytes. Any input decodes or fails whole;
// what decodes has a __name__ and valid UTF-8 labels within the limits, and
// encodes and decodes again to the same series and samples.

#include <snappy.h>

#include <string>
#include <vector>

#include "common/text.h"
#include "fuzz_target.h"
#include "metrics/ingest/remote_write.h"

namespace {

namespace ingest = fw::metrics::ingest;

class Collect : public ingest::RemoteWriteHandler {
 public:
  void OnSeries(const fw::LabelSet& labels, std::span<const fw::metrics::Sample> samples) override {
    series.push_back({labels, std::vector<fw::metrics::Sample>(samples.begin(), samples.end())});
  }
  std::vector<ingest::SeriesSamples> series;
};

}  // namespace

FW_FUZZ_TARGET(remote_write) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string body = rest;
  if (data[0] % 4 != 0) snappy::Compress(rest.data(), rest.size(), &body);
  ingest::RemoteWriteLimits limits;
  limits.max_decompressed_bytes = 1 << 20;
  Collect out;
  auto stats = ingest::DecodeRemoteWrite(body, out, limits);
  if (!stats) {
    FW_FUZZ_CHECK(!stats.error().message().empty());
    FW_FUZZ_CHECK(out.series.empty());  // nothing of a failed request is delivered
    return 0;
  }
  FW_FUZZ_CHECK(stats->series == out.series.size());
  for (const auto& s : out.series) {
    FW_FUZZ_CHECK(!s.labels.Get("__name__").empty());
    for (const fw::Label& l : s.labels.labels()) {
      FW_FUZZ_CHECK(fw::IsValidUtf8(l.name) && fw::IsValidUtf8(l.value));
    }
  }
  Collect again;
  auto round = ingest::DecodeRemoteWrite(ingest::EncodeRemoteWrite(out.series), again, limits);
  FW_FUZZ_CHECK(round.has_value());
  FW_FUZZ_CHECK(again.series.size() == out.series.size());
  for (size_t i = 0; i < out.series.size(); ++i) {
    FW_FUZZ_CHECK(again.series[i].labels == out.series[i].labels);
    FW_FUZZ_CHECK(again.series[i].samples.size() == out.series[i].samples.size());
  }
  return 0;
}

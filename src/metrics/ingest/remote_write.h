#pragma once
// Prometheus remote-write 1.0 payloads: a snappy-compressed (block format)
// protobuf prometheus.WriteRequest. The decoder is hand-written for the few
// messages involved (WriteRequest, TimeSeries, Label, Sample), which keeps
// protoc out of the build and avoids building message objects per sample;
// fields it does not use (metadata, exemplars, native histograms) are skipped
// by wire type, as protobuf requires.
//
//   WriteRequest { repeated TimeSeries timeseries = 1; repeated Metadata metadata = 3; }
//   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; ... }
//   Label        { string name = 1; string value = 2; }
//   Sample       { double value = 1; int64 timestamp = 2; }  // timestamp in ms

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "common/label_limits.h"
#include "common/labels.h"
#include "metrics/model.h"

namespace fw::metrics::ingest {

class RemoteWriteHandler {
 public:
  virtual ~RemoteWriteHandler() = default;
  // One time series of the request with its samples, in request order.
  virtual void OnSeries(const LabelSet& labels, std::span<const Sample> samples) = 0;
};

struct RemoteWriteStats {
  size_t series = 0;
  size_t samples = 0;
  size_t skipped_histograms = 0;  // native histogram samples, not stored yet
};

struct RemoteWriteLimits {
  size_t max_decompressed_bytes = 64 << 20;
  // Every label name and value must be UTF-8 and within these; a series that
  // is not fails the whole request (400), so nothing of it is stored.
  LabelLimits labels = kIntakeLabelLimits;
  size_t sample_limit = 0;  // samples in one request; 0: none
};

// Decompresses and decodes one request body. Errors: kTooLarge past the
// limit, kInvalidArgument for bad snappy data or malformed protobuf (with the
// byte offset), a series without __name__ or with duplicate or empty label
// names, label names or values that are not UTF-8 or break limits.labels,
// more samples than limits.sample_limit. Nothing is delivered to `out` for a request that fails to
// decode.
Result<RemoteWriteStats> DecodeRemoteWrite(std::string_view body, RemoteWriteHandler& out,
                                           const RemoteWriteLimits& limits = {});

// The inverse, for tests, benchmarks and forwarding: one protobuf
// WriteRequest, snappy-compressed.
struct SeriesSamples {
  LabelSet labels;
  std::vector<Sample> samples;
};
std::string EncodeRemoteWrite(std::span<const SeriesSamples> series);

}  // namespace fw::metrics::ingest

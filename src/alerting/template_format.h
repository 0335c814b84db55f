#pragma once
// The formatting functions of Prometheus's alert templates, with Go's
// formatting rules (fmt's %.4g, %v of a float64), so expanded annotations
// read exactly as they would from Prometheus.

#include <optional>
#include <string>
#include <vector>

namespace fw::alerting {

std::string GoFloatV(double v);  // fmt %v: 0.45, 1e+06, NaN, +Inf
// 1234 -> "1.234k", 0.0012 -> "1.2m", 0 -> "0" (SI prefixes, 4 digits).
std::string Humanize(double v);
std::string Humanize1024(double v);        // 2048 -> "2ki"
std::string HumanizePercentage(double v);  // 0.4512 -> "45.12%"
// Seconds: 90061 -> "1d 1h 1m 1s", 1.5 -> "1.5s", 0.0012 -> "1.2ms".
std::string HumanizeDuration(double seconds);
// Go's fmt.Sprintf for the verbs templates use (%s %v %d %f %e %g %q %%,
// with flags, width and precision). `numbers[i]` is set when argument i is
// a number; `texts[i]` is its text either way. Mismatches print Go's
// "%!verb(...)" markers.
std::string GoPrintf(const std::string& format, const std::vector<std::string>& texts,
                     const std::vector<std::optional<double>>& numbers);
// "host:9100" -> "host", "[::1]:80" -> "::1"; anything else unchanged.
std::string StripPort(const std::string& address);

}  // namespace fw::alerting

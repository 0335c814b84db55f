#pragma once
// CRC-32C (Castagnoli), the checksum of WAL records and of block chunks and
// indexes, as in Prometheus. Table-driven; about 500 MB/s, far from the
// bottleneck next to fsync and chunk decoding.

#include <cstddef>
#include <cstdint>

namespace fw::metrics::tsdb {

// Continues `crc` (0 to start) over n bytes.
uint32_t Crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace fw::metrics::tsdb

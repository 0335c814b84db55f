#pragma once
// CRC-32C (Castagnoli), the checksum of the log store's WAL records and
// blocks. Table-driven; fast enough next to fsync and zstd. (The metrics
// store has its own copy in metrics/tsdb/crc32c.h; both compute the same
// function.)

#include <cstddef>
#include <cstdint>

namespace fw {

// Continues `crc` (0 to start) over n bytes.
uint32_t Crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace fw

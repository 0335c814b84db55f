#pragma once
// CRC-32C (Castagnoli): the checksum of the write-ahead logs, metric blocks
// and log blocks. Uses the SSE4.2 instruction where the CPU has it, a table
// otherwise; both give the same values.

#include <cstddef>
#include <cstdint>

namespace fw {

// Continues `crc` (0 to start) over n bytes.
uint32_t Crc32c(const void* data, size_t n, uint32_t crc = 0);

}  // namespace fw

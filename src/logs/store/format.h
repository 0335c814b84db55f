#pragma once
// The log store's on-disk encodings (docs/logs.md, "Store"): CRC-framed
// records, the events of a WAL batch or a block, and a block's summary.
//
//   frame   := u32 len | u32 crc32c(type, payload) | u8 type | payload[len]
//   batch   := u64 seq | varint n | event*n                  (type 1, WAL)
//   block   := summary | varint zlen | zstd(event*count)     (type 2, segment)
//   event   := zz timestamp | zz ingestion_time | str group | str stream | str message
//   summary := u64 max_seq | varint count | zz min_ts | zz max_ts
//              | zz min_ingest | zz max_ingest | varint raw_bytes
//              | varint ng str*ng | varint ns str*ns
//              | u8 fields_complete | varint nf (str name | u8 numeric | f64 min | f64 max)*nf
//
// Integers are little-endian; varints LEB128; zz is zigzag; str is a varint
// length and bytes. Decoders never trust lengths: a short or inconsistent
// input fails instead of reading past its end.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "logs/record.h"

namespace fw::logs::store {

constexpr uint8_t kBatchFrame = 1;
constexpr uint8_t kBlockFrame = 2;
constexpr size_t kFrameHeader = 9;
// A frame longer than this is corrupt (blocks are sealed far below it).
constexpr uint32_t kMaxFrame = 256u << 20;

// A stored event: what the store keeps of a LogEvent. Fields are not
// stored; they are discovered again from the message when read.
struct StoredEvent {
  Timestamp timestamp = 0;
  Timestamp ingestion_time = 0;
  std::string group, stream, message;
};

struct FieldSummary {
  std::string name;
  bool numeric = false;  // every value seen was a number; min/max are set
  double min = 0, max = 0;
};

// What a query may learn about a block without decompressing it.
struct BlockSummary {
  uint64_t max_seq = 0;  // the newest WAL batch whose events the block holds
  uint64_t count = 0;
  Timestamp min_ts = 0, max_ts = 0, min_ingest = 0, max_ingest = 0;
  uint64_t raw_bytes = 0;                    // the events' encoded size before compression
  std::vector<std::string> groups, streams;  // sorted, distinct
  bool fields_complete = true;               // false when the field list was capped
  std::vector<FieldSummary> fields;          // sorted by name
};

// Appends a frame of `type` around `payload`.
void AppendFrame(std::string& out, uint8_t type, std::string_view payload);

// Reads the frame at `pos` of `data`. Returns the payload and sets `type`
// and `next` (just past it); nullopt when truncated or its CRC fails.
std::optional<std::string_view> ReadFrame(std::string_view data, size_t pos, uint8_t& type,
                                          size_t& next);

void EncodeEvent(std::string& out, const StoredEvent& e);
std::string EncodeBatch(uint64_t seq, const std::vector<StoredEvent>& events);
Result<std::vector<StoredEvent>> DecodeBatch(std::string_view payload, uint64_t& seq);

// Builds a block from events (in arrival order), zstd level `level`.
Result<std::string> EncodeBlock(const std::vector<StoredEvent>& events, const BlockSummary& summary,
                                int level);
// Decodes a block's summary; `body_offset` is where the compressed part starts.
Result<BlockSummary> DecodeSummary(std::string_view payload, size_t& body_offset);
Result<std::vector<StoredEvent>> DecodeBlockEvents(std::string_view payload, size_t body_offset,
                                                   const BlockSummary& summary);

// Folds one event (with its discovered fields) into a summary being built.
// At most `max_fields` distinct fields are tracked.
void AddToSummary(BlockSummary& s, const StoredEvent& e, const LogEvent& decoded,
                  size_t max_fields = 256);

// The event a query sees: fields discovered again from the message.
LogEvent ToLogEvent(const StoredEvent& e);

}  // namespace fw::logs::store

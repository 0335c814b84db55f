#pragma once
// Renders a query result as a text table, a JSON array or CSV.
//
// JSON: one object per row with every column as a key; numbers and booleans
// as JSON numbers and booleans (NaN and infinities as null), timestamps as
// "YYYY-MM-DD HH:MM:SS.mmm" UTC strings, absent values as null.
// CSV: a header row, RFC 4180 quoting, absent values empty.
// Table: columns padded to their widest value, absent values empty.

#include <string>
#include <string_view>

#include "common/error.h"
#include "logs/insights/executor.h"

namespace fw::logs::insights {

enum class OutputFormat { kTable, kJson, kCsv };

Result<OutputFormat> ParseOutputFormat(std::string_view name);

std::string Render(const QueryResult& result, OutputFormat format);

}  // namespace fw::logs::insights

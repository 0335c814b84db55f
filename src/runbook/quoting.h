#pragma once
// Quoting of template values for the languages runbooks write into: PromQL
// string literals, SQL string literals, PromQL numbers. A value quoted here
// stays one literal whatever bytes it holds, so an incident's label or a
// suspect's version cannot rewrite the query around it. Internal to
// src/runbook; templates apply these through their filters (template.h).

#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runbook/template.h"

namespace fw::runbook {

// The body of a PromQL double-quoted string literal that decodes back to
// `value`: backslash and double quote escaped, newline, CR and tab as \n \r
// \t, other control bytes and bytes that are not valid UTF-8 as \xHH.
std::string QuotePromql(std::string_view value);

// The body of a MySQL/MariaDB single-quoted string literal: ' doubled,
// backslash doubled, NUL, newline, CR and Ctrl-Z as \0 \n \r \Z (as
// mysql_real_escape_string does). Assumes the default sql_mode (backslash
// escapes on); for PostgreSQL write the literal as E'...'.
std::string QuoteSql(std::string_view value);

// `value` when it is one PromQL number or duration (12, 0.5, 1e-3, 0x1f,
// Inf, 5m, optionally signed); an error saying so otherwise.
Result<std::string> PromqlNumber(std::string_view value);

// A reference in a PromQL template that is not quoted for where it stands:
// inside a string literal it must be `| promql` (and the literal
// double-quoted); outside one it must be `| number`.
struct SpliceProblem {
  size_t ref = 0;     // index into refs()
  size_t offset = 0;  // byte offset of its "{{" in text()
  std::string why;
};
std::vector<SpliceProblem> CheckPromqlSplices(const Template& t);

}  // namespace fw::runbook

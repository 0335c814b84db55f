#pragma once
// Logs Insights parser: query text -> validated syntax tree (ast.h).
//
//   query    := command ('|' command)*
//   fields   := 'fields' expr ['as' name] (',' ...)*      display: the same
//   filter   := 'filter' expr
//   stats    := 'stats' agg-expr ['as' name] (',' ...)* ['by' expr ['as' name] (',' ...)*]
//   sort     := 'sort' expr ['asc'|'desc'] (',' ...)*
//   limit    := 'limit' N
//   parse    := 'parse' [field] ("glob with *" 'as' name (',' name)* | /regex with
//   (?<named>groups)/) dedup    := 'dedup' field (',' field)* pattern  := 'pattern' [field]
//
// Expressions, loosest first: or; and; not; comparisons (= == != < <= > >=,
// like, not like, =~, !=~, in [..], not in [..]); + -; * / %; unary -; ^.
// Command names, keywords and function names are case-insensitive; field
// names are case-sensitive and may be `backquoted`. `#` comments run to the
// end of a line.
//
// Errors are ErrorCode::kInvalidArgument located at query:line:column; the
// message ends with the query line and a caret under the column.

#include <string_view>

#include "common/error.h"
#include "logs/insights/ast.h"

namespace fw::logs::insights {

// Expressions nest at most this deep (parentheses, operators, not, calls);
// deeper ones fail with "expression nested deeper than N levels" at the
// token where the limit was crossed. The executor's recursion follows the
// tree, so this bounds its stack too.
inline constexpr int kMaxExprDepth = 128;

Result<Query> ParseQuery(std::string_view text);

// Compiles a user regex with RE2, accepting (?<name>..) groups as well as
// RE2's (?P<name>..). The error message is RE2's.
Result<std::shared_ptr<const re2::RE2>> CompileRegex(const std::string& pattern);

}  // namespace fw::logs::insights

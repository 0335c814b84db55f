#pragma once
// Logs Insights lexer. Lexes one token at a time on the parser's request,
// because `/` means division after an operand and starts a /regex/ where an
// operand is expected; only the parser knows which (`parse @message /re/`).
//
// Words come out as kIdentifier: field names (@message, request.headers.host,
// items.0.id), function names and keywords alike; the parser decides
// (keywords are case-insensitive). `backquoted names` are kIdentifier too,
// with quoted = true. Strings take "..." or '...' with backslash escapes.
// "5m" and "1.5h" are kDuration. `#` starts a comment to the end of the line.
//
// Positions are byte offsets; LocationOf() turns one into line and column,
// and Caret() renders the query line with a caret under the column.

#include <string>
#include <string_view>

#include "common/error.h"

namespace fw::logs::insights {

enum class TokenKind {
  kEof,
  kIdentifier,
  kNumber,
  kDuration,  // number immediately followed by a unit word: 5m, 1h, 100ms
  kString,
  kRegex,  // /.../, body in text (only lexed in operand position)
  kPipe,
  kComma,
  kLeftParen,
  kRightParen,
  kLeftBracket,
  kRightBracket,
  kEq,   // = or ==
  kNeq,  // !=
  kLt,
  kLte,
  kGt,
  kGte,
  kMatch,     // =~
  kNotMatch,  // !=~ and !~
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kCaret,
  kBang,     // a lone !, used as `not`
  kInvalid,  // never lexed: the parser's mark for a token that failed to lex
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;     // identifier/string/regex value; else the source text
  double number = 0;    // kNumber and the amount of kDuration
  std::string unit;     // kDuration's unit as written
  bool quoted = false;  // identifier was `backquoted`
  int pos = 0;          // byte offset of the first character
  int end = 0;          // one past the last character
};

enum class LexMode { kOperand, kOperator };

// Lexes the token starting at or after `pos` (skipping space and comments).
// In kOperand mode a '/' starts a regex literal.
Result<Token> LexAt(std::string_view query, int pos, LexMode mode);

// 1-based line and column of byte offset `pos`; file is "query".
SourceLocation LocationOf(std::string_view query, int pos);

// An error at `pos` whose message ends with the offending line of the query
// and a caret under the column.
Error QueryError(std::string_view query, int pos, const std::string& message);

// "identifier \"foo\"", "\"|\"", "end of query", ... for error messages.
std::string Describe(const Token& t);

}  // namespace fw::logs::insights

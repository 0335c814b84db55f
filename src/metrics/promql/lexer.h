#pragma once
// PromQL lexer. Turns a query into a flat token vector ending in kEof, so the
// parser can look ahead freely. Words (metric names, label names, keywords,
// function names) all come out as kIdentifier: PromQL keywords are contextual
// (`by` is a fine label name), so the parser decides what a word means,
// Inf and NaN included. kNumber covers decimal, hex and scientific literals;
// "5m" and "1h30m" come out as kDuration. Comments (#...) are skipped.
//
// Positions are byte offsets into the query; LocationOf() turns one into a
// 1-based line/column for error messages.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace fw::metrics::promql {

enum class TokenKind {
  kEof,
  kIdentifier,  // [a-zA-Z_:][a-zA-Z0-9_:]*, text as written
  kNumber,      // decimal, hex or scientific; value in Token::number
  kDuration,    // 5m, 1h30m, 250ms; value in Token::millis
  kString,      // "..", '..' or `..`; unescaped value in Token::text
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  kAssign,    // =
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEql,  // ==
  kNeq,  // !=
  kLss,
  kGtr,
  kLte,
  kGte,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string text;  // identifier as written, string value unescaped, else the source text
  double number = 0;
  int64_t millis = 0;
  int pos = 0;  // byte offset of the first character
  int end = 0;  // byte offset one past the last character
};

// Returns the tokens of `query`, the last one kEof. Fails on an unterminated
// string, a bad escape, a malformed number or duration, or a stray character.
Result<std::vector<Token>> Lex(std::string_view query);

// 1-based line and column of byte offset `pos` in `query`.
SourceLocation LocationOf(std::string_view query, int pos);

// "identifier", "number", "\"(\"", ... for error messages.
std::string Describe(const Token& t);

// Decodes the Go-style escapes of a quoted PromQL string body; `quote` is the
// delimiter (" or '). Fails with a message on a bad escape.
Result<std::string> Unescape(std::string_view body, char quote);

// Parses a number literal as PromQL writes it: decimal, scientific, hex
// (0x1f), Inf and NaN (any case, optional sign). Whole text must match.
Result<double> ParseNumberLiteral(std::string_view text);

}  // namespace fw::metrics::promql

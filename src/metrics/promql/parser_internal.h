#pragma once
// Internal to the parser: the recursive-descent Parser shared by parser.cpp
// (syntax) and parser_check.cpp (Prometheus's type checks). Not installed.

#include <string>
#include <string_view>
#include <vector>

#include "metrics/promql/ast.h"
#include "metrics/promql/lexer.h"
#include "metrics/promql/parser.h"

namespace fw::metrics::promql::internal {

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> tokens, ParseOptions options)
      : query_(query), toks_(std::move(tokens)), options_(options) {}

  // Whole query as one expression; fails unless every token is consumed.
  Result<ExprPtr> ParseAll();
  Result<std::unique_ptr<VectorSelector>> ParseSelectorOnly();

 private:
  // --- syntax (parser.cpp)
  Result<ExprPtr> ParseBinary(int min_prec);
  Result<ExprPtr> ParseUnary();
  Result<ExprPtr> ParsePrimary();
  Result<ExprPtr> ParsePostfix(ExprPtr e);
  Result<ExprPtr> ParseIdentifierExpr();
  Result<ExprPtr> ParseRangeOrSubquery(ExprPtr e);
  Result<ExprPtr> ParseOffset(ExprPtr e);
  Result<ExprPtr> ParseAt(ExprPtr e);
  Result<ExprPtr> ParseExtendedModifier(ExprPtr e);
  Result<ExprPtr> ParseAggregate(AggregateOp op);
  Result<ExprPtr> ParseCall();
  // `lenient_arg`: index of the argument exempt from the empty-matcher check.
  Result<std::vector<ExprPtr>> ParseArgs(int lenient_arg = -1);
  Result<std::vector<std::string>> ParseLabelList();
  Result<std::unique_ptr<VectorSelector>> ParseSelector();
  Result<bool> ParseMatchers(VectorSelector& v);
  Result<VectorMatching> ParseMatchingModifiers(bool& return_bool);
  Result<bool> ParseFillModifiers(VectorMatching& m);
  // --- durations (parser_duration.cpp): a literal, or arithmetic over
  // literals, step(), range(), min_of() and max_of() (seconds). `expr` is set
  // only when the value depends on the query.
  struct Duration {
    int64_t ms = 0;
    ExprPtr expr;
  };
  Result<Duration> ParseDurationExpr(std::string_view what);  // inside [...]
  Result<Duration> ParseDurationAtom(std::string_view what);  // after offset
  Result<ExprPtr> ParseDurBinary(int min_prec);
  Result<ExprPtr> ParseDurUnary();
  Result<ExprPtr> ParseDurPrimary();
  Result<Duration> FinishDuration(ExprPtr e, std::string_view what);
  Result<ExprPtr> MakeSubquery(ExprPtr e, Duration range);

  // --- checks (parser_check.cpp); each returns the node or a typed error
  Result<ExprPtr> MakeBinary(BinaryOp op, ExprPtr lhs, ExprPtr rhs, bool return_bool,
                             std::optional<VectorMatching> matching, int op_pos);
  Result<ExprPtr> CheckUnary(std::unique_ptr<UnaryExpr> u);
  Result<ExprPtr> CheckCall(std::unique_ptr<Call> c);
  Result<bool> CheckExtendedArgs(const Call& c);
  Result<ExprPtr> CheckAggregate(std::unique_ptr<AggregateExpr> a, std::vector<ExprPtr> args);
  Result<bool> CheckSelector(const VectorSelector& v, int pos, bool allow_empty);
  Result<bool> CheckRegex(const std::string& re, int pos);

  // --- token helpers
  const Token& Peek(int ahead = 0) const;
  const Token& Advance();
  bool PeekKeyword(std::string_view kw, int ahead = 0) const;
  bool AcceptKind(TokenKind k);
  Result<Token> Expect(TokenKind k, std::string_view context);
  std::unexpected<Error> ErrAt(int pos, std::string msg) const;
  std::unexpected<Error> Unexpected(std::string_view context) const;
  std::unexpected<Error> TooDeep(int pos) const;

  std::string_view query_;
  std::vector<Token> toks_;
  ParseOptions options_;
  size_t i_ = 0;
  int depth_ = 0;  // nesting of the expression being parsed (common/depth.h)
  // info()'s second argument selects labels, not series, so Prometheus lets
  // it match the empty string ({data=~".*"}). Byte offset of that selector.
  int lenient_selector_pos_ = -1;
};

// Case-insensitive keyword test for an identifier token.
bool IsKeyword(const Token& t, std::string_view kw);

// + - * / % ^ as operators; nullopt for any other token. Shared by
// expressions and duration expressions.
std::optional<BinaryOp> ArithmeticOp(TokenKind k);

}  // namespace fw::metrics::promql::internal

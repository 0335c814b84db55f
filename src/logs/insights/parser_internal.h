#pragma once
// The parser's shared state, split over parser.cpp (commands) and
// parser_expr.cpp (expressions). Not part of the public interface.

#include <optional>
#include <string>
#include <string_view>

#include "logs/insights/ast.h"
#include "logs/insights/lexer.h"

namespace fw::logs::insights::internal {

// Where aggregate functions may appear while parsing an expression.
enum class AggContext { kForbidden, kAllowed, kInsideAggregate };

class Parser {
 public:
  explicit Parser(std::string_view query) : q_(query) {}
  Result<Query> Run();

  // Commands (parser.cpp).
  Result<Command> ParseCommand();
  Result<void> ParseNamedList(std::vector<NamedExpr>& out, AggContext agg);
  Result<void> ParseStats(Command& c);
  Result<void> ParseSort(Command& c);
  Result<void> ParseLimit(Command& c);
  Result<void> ParseDiff(Command& c);
  Result<void> ParseParse(Command& c);
  Result<void> ParseDedup(Command& c);
  Result<void> ParseSourceField(Command& c);
  Result<std::string> ParseName(const char* what);

  // Expressions (parser_expr.cpp).
  Result<ExprPtr> ParseExpr(AggContext agg);
  Result<ExprPtr> ParseLogical(std::string_view keyword, Op op,
                               Result<ExprPtr> (Parser::*operand)(AggContext), AggContext agg);
  Result<ExprPtr> ParseOr(AggContext agg);
  Result<ExprPtr> ParseAnd(AggContext agg);
  Result<ExprPtr> ParseNot(AggContext agg);
  Result<ExprPtr> ParseComparison(AggContext agg);
  Result<ExprPtr> ParseAdditive(AggContext agg);
  Result<ExprPtr> ParseMultiplicative(AggContext agg);
  Result<ExprPtr> ParseUnary(AggContext agg);
  Result<ExprPtr> ParsePrimary(AggContext agg);
  Result<ExprPtr> ParseCall(Token name, AggContext agg);
  Result<void> CheckCall(Expr& call);
  Result<ExprPtr> ParsePattern(Op op, ExprPtr left);
  Result<ExprPtr> ParseList(AggContext agg);

  // Tokens.
  const Token& Peek(LexMode mode = LexMode::kOperator);
  Token Take(LexMode mode = LexMode::kOperator);
  bool PeekKeyword(std::string_view kw);
  bool AcceptKeyword(std::string_view kw);
  bool Accept(TokenKind k);
  Result<Token> Expect(TokenKind k, const std::string& what);
  std::unexpected<Error> Unexpected(const Token& t, const std::string& expected);
  std::unexpected<Error> ErrorAt(int pos, const std::string& message) const;
  std::string TextFrom(int start) const;
  // Nesting (common/depth.h): "expression nested deeper than N levels" at pos.
  std::unexpected<Error> TooDeep(int pos) const;
  int depth_ = 0;
  int last_end() const { return last_end_; }

  // Aggregates collected while parsing one stats command, by slot.
  std::vector<const Expr*>* aggregates_ = nullptr;

 private:
  std::string_view q_;
  int pos_ = 0;       // where the next token's lexing starts
  int last_end_ = 0;  // end of the last taken token
  std::optional<Token> cached_;
  LexMode cached_mode_ = LexMode::kOperator;
  std::optional<Error> lex_error_;
};

bool IsKeyword(const Token& t, std::string_view kw);
std::string Lower(std::string_view s);

}  // namespace fw::logs::insights::internal

#pragma once
// Syntax tree of a Logs Insights query: a pipeline of commands, each holding
// expressions. Built by parser.h, validated there (function names and
// arities, aggregates only inside stats, regexes compiled), so the executor
// can trust it.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "logs/value.h"

namespace re2 {
class RE2;
}

namespace fw::logs::insights {

// A bin()/datefloor() period: fixed milliseconds, or calendar months (month,
// quarter, year), never both.
struct Period {
  int64_t ms = 0;
  int months = 0;
};

enum class ExprKind {
  kLiteral,   // number or string
  kField,     // a field reference
  kRegex,     // /.../ (only as the right side of like, =~ and in lists)
  kDuration,  // 5m: a period (bin, datefloor, dateceil); elsewhere its ms
  kUnary,     // not, -
  kBinary,
  kCall,       // scalar function
  kAggregate,  // aggregate function (stats only)
  kList,       // [a, b, c] after in
  kStar,       // the * of count(*)
};

enum class Op {
  kNone,
  kOr,
  kAnd,
  kNot,
  kNeg,
  kEq,
  kNeq,
  kLt,
  kLte,
  kGt,
  kGte,
  kLike,
  kNotLike,
  kMatch,
  kNotMatch,
  kIn,
  kNotIn,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

enum class AggKind {
  kCount,
  kCountDistinct,
  kSum,
  kAvg,
  kMin,
  kMax,
  kStddev,
  kPct,
  kEarliest,
  kLatest,
  kSortsFirst,
  kSortsLast,
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  Op op = Op::kNone;
  Value literal;                       // kLiteral
  Period period;                       // kDuration
  std::string name;                    // kField: field; kCall/kAggregate: lower-case name
  std::vector<ExprPtr> args;           // operands, call arguments, list items
  std::shared_ptr<const re2::RE2> re;  // kRegex, and string patterns of like/=~
  std::string text;                    // source text, names unaliased columns
  int pos = 0;                         // byte offset in the query, for errors
  int function = -1;                   // kCall: index into the function table
  AggKind agg = AggKind::kCount;       // kAggregate
  int slot = -1;                       // kAggregate: index into its stats' aggregates
};

struct NamedExpr {
  ExprPtr expr;
  std::string name;  // the alias, or the expression's text
};

struct SortKey {
  ExprPtr expr;
  bool desc = false;
};

enum class CommandKind {
  kFields,
  kDisplay,
  kFilter,
  kStats,
  kSort,
  kLimit,
  kParse,
  kDedup,
  kPattern,
  kDiff,
};

// What `diff` compares the query's time range with.
enum class DiffBaseline {
  kPrecedingRange,  // the range of the same length just before
  kPreviousDay,     // the same range a day (a week, a calendar month) earlier
  kPreviousWeek,
  kPreviousMonth,
};

struct Command {
  CommandKind kind = CommandKind::kFields;
  int pos = 0;
  std::vector<NamedExpr> items;             // fields/display columns; stats outputs
  std::vector<NamedExpr> by;                // stats groups
  std::vector<const Expr*> aggregates;      // stats: the kAggregate nodes, by slot
  ExprPtr condition;                        // filter
  std::vector<SortKey> keys;                // sort
  int64_t limit = 0;                        // limit
  ExprPtr source;                           // parse, pattern: the field read (default @message)
  std::shared_ptr<const re2::RE2> pattern;  // parse: compiled glob or regex
  std::vector<std::string> captures;        // parse: field per capture group
  std::vector<std::string> dedup_fields;    // dedup
  DiffBaseline baseline = DiffBaseline::kPrecedingRange;  // diff
};

struct Query {
  std::string text;
  std::vector<Command> commands;
};

// Human name of a command for messages: "fields", "stats", ...
const char* CommandName(CommandKind k);

}  // namespace fw::logs::insights

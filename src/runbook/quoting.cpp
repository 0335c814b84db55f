#include "runbook/quoting.h"

#include <cstdio>

#include "common/text.h"
#include "metrics/promql/lexer.h"

namespace fw::runbook {
namespace {

void Hex(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

}  // namespace

std::string QuotePromql(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  size_t i = 0;
  while (i < value.size()) {
    const size_t bad = FirstInvalidUtf8(value.substr(i));
    const size_t stop = bad == std::string_view::npos ? value.size() : i + bad;
    for (; i < stop; ++i) {
      const unsigned char c = static_cast<unsigned char>(value[i]);
      switch (c) {
        case '\\':
          out += "\\\\";
          break;
        case '"':
          out += "\\\"";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            Hex(out, c);
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    if (i < value.size()) Hex(out, static_cast<unsigned char>(value[i++]));
  }
  return out;
}

std::string QuoteSql(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 8);
  for (char c : value) {
    switch (c) {
      case '\'':
        out += "''";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Result<std::string> PromqlNumber(std::string_view value) {
  namespace promql = metrics::promql;
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument,
                "\"" + ToValidUtf8(value.substr(0, 64)) +
                    "\" is not a number or duration (| number accepts 12, 0.5, 1e-3, Inf, 5m)");
  };
  auto tokens = promql::Lex(value);
  if (!tokens) return bad();
  size_t i = 0;
  const auto& t = *tokens;
  if (i < t.size() &&
      (t[i].kind == promql::TokenKind::kAdd || t[i].kind == promql::TokenKind::kSub))
    ++i;
  if (i + 2 != t.size()) return bad();  // one operand, then kEof
  const promql::Token& x = t[i];
  const bool number =
      x.kind == promql::TokenKind::kNumber || x.kind == promql::TokenKind::kDuration ||
      (x.kind == promql::TokenKind::kIdentifier && promql::ParseNumberLiteral(x.text).has_value());
  // Comments are skipped by the lexer: "5 # x" lexes as one number.
  if (!number || value.find('#') != std::string_view::npos) return bad();
  return std::string(value);
}

// Walks the literal text between references as the PromQL lexer would,
// tracking whether a reference stands inside a string literal (and which
// quote) or inside a comment.
std::vector<SpliceProblem> CheckPromqlSplices(const Template& t) {
  std::vector<SpliceProblem> out;
  const std::string& s = t.text();
  const auto refs = t.refs();
  char quote = 0;  // the open string literal's delimiter, 0 outside
  bool comment = false;
  bool escaped = false;  // the previous literal character was an escaping "\"
  size_t next = 0, i = 0;
  while (i < s.size()) {
    if (next < refs.size() && i == refs[next].begin) {
      const Template::Ref& r = refs[next];
      std::string why;
      if (comment) {
        why = "." + r.name + " is inside a PromQL comment";
      } else if (escaped) {
        why = "." + r.name + " follows a \"\\\" that would escape its first character";
      } else if (quote == '"') {
        if (r.quote != Quote::kPromql)
          why = "." + r.name + " is inside a PromQL string: write {{ ." + r.name + " | promql }}";
      } else if (quote != 0) {
        why = "." + r.name + " is inside a " + (quote == '`' ? "`raw`" : "'single-quoted'") +
              " PromQL string: put templated values in \"double quotes\" with | promql";
      } else if (r.quote != Quote::kNumber) {
        why = "." + r.name + " stands outside a PromQL string: quote it (\"{{ ." + r.name +
              " | promql }}\") or, for a threshold, write {{ ." + r.name + " | number }}";
      }
      if (!why.empty()) out.push_back({next, r.begin, std::move(why)});
      i = r.end;
      ++next;
      continue;
    }
    const char c = s[i];
    if (escaped) {
      escaped = false;  // the escaped character is part of the string
    } else if (comment) {
      if (c == '\n') comment = false;
    } else if (quote != 0) {
      if (c == '\\' && quote != '`') {
        escaped = true;
      } else if (c == quote || (c == '\n' && quote != '`')) {
        quote = 0;
      }
    } else if (c == '"' || c == '\'' || c == '`') {
      quote = c;
    } else if (c == '#') {
      comment = true;
    }
    ++i;
  }
  return out;
}

}  // namespace fw::runbook

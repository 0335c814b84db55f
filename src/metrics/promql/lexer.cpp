#include "metrics/promql/lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "common/duration.h"
#include "common/text.h"

namespace fw::metrics::promql {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }

std::optional<TokenKind> SingleCharKind(char c) {
  switch (c) {
    case '(':
      return TokenKind::kLeftParen;
    case ')':
      return TokenKind::kRightParen;
    case '{':
      return TokenKind::kLeftBrace;
    case '}':
      return TokenKind::kRightBrace;
    case '[':
      return TokenKind::kLeftBracket;
    case ']':
      return TokenKind::kRightBracket;
    case ',':
      return TokenKind::kComma;
    case ':':
      return TokenKind::kColon;
    case '@':
      return TokenKind::kAt;
    case '+':
      return TokenKind::kAdd;
    case '-':
      return TokenKind::kSub;
    case '*':
      return TokenKind::kMul;
    case '/':
      return TokenKind::kDiv;
    case '%':
      return TokenKind::kMod;
    case '^':
      return TokenKind::kPow;
    default:
      return std::nullopt;
  }
}

// \n, \t and friends; nullopt for numeric or unknown escapes.
std::optional<char> SimpleEscape(char e) {
  switch (e) {
    case 'a':
      return '\a';
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    case '\\':
      return '\\';
    default:
      return std::nullopt;
  }
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    while (true) {
      SkipSpaceAndComments();
      if (i_ >= q_.size()) break;
      auto t = Next();
      if (!t) return std::unexpected(t.error());
      out.push_back(std::move(*t));
    }
    Token eof;
    eof.pos = eof.end = static_cast<int>(q_.size());
    out.push_back(eof);
    return out;
  }

 private:
  void SkipSpaceAndComments() {
    while (i_ < q_.size()) {
      char c = q_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '#') {
        while (i_ < q_.size() && q_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  std::unexpected<Error> Err(size_t pos, std::string msg) const {
    return Fail(ErrorCode::kInvalidArgument, std::move(msg), LocationOf(q_, static_cast<int>(pos)));
  }

  Token Make(TokenKind k, size_t start) const {
    Token t;
    t.kind = k;
    t.pos = static_cast<int>(start);
    t.end = static_cast<int>(i_);
    t.text = std::string(q_.substr(start, i_ - start));
    return t;
  }

  Result<Token> Next() {
    const size_t start = i_;
    const char c = q_[i_];
    if (IsDigit(c) || (c == '.' && i_ + 1 < q_.size() && IsDigit(q_[i_ + 1]))) {
      return NumberOrDuration();
    }
    if (IsAlpha(c) || (c == ':' && bracket_depth_ == 0)) {
      while (i_ < q_.size() && (IsAlnum(q_[i_]) || q_[i_] == ':')) ++i_;
      return Make(TokenKind::kIdentifier, start);
    }
    if (c == '"' || c == '\'' || c == '`') return QuotedString();
    ++i_;
    auto next_is = [&](char n) {
      if (i_ < q_.size() && q_[i_] == n) {
        ++i_;
        return true;
      }
      return false;
    };
    if (auto k = SingleCharKind(c)) {
      if (c == '[') ++bracket_depth_;
      if (c == ']') --bracket_depth_;
      return Make(*k, start);
    }
    switch (c) {
      case '=':
        if (next_is('=')) return Make(TokenKind::kEql, start);
        if (next_is('~')) return Make(TokenKind::kEqlRegex, start);
        return Make(TokenKind::kAssign, start);
      case '!':
        if (next_is('=')) return Make(TokenKind::kNeq, start);
        if (next_is('~')) return Make(TokenKind::kNeqRegex, start);
        return Err(start, "unexpected character after '!': expected '=' or '~'");
      case '<':
        return Make(next_is('=') ? TokenKind::kLte : TokenKind::kLss, start);
      case '>':
        return Make(next_is('=') ? TokenKind::kGte : TokenKind::kGtr, start);
      default:
        break;
    }
    return Err(start, "unexpected character: '" + ShownChar(c) + "'");
  }

  // Numbers and durations share a prefix: scan the longest alphanumeric run
  // and decide which it is, as Prometheus does ("5m" is a duration, "5e3" a
  // number, "5x" an error).
  Result<Token> NumberOrDuration() {
    const size_t start = i_;
    while (i_ < q_.size()) {
      char c = q_[i_];
      bool exp_sign = (c == '+' || c == '-') && i_ > start &&
                      (q_[i_ - 1] == 'e' || q_[i_ - 1] == 'E') && !IsHexPrefix(start);
      if (IsAlnum(c) || c == '.' || exp_sign) {
        ++i_;
      } else {
        break;
      }
    }
    std::string_view text = q_.substr(start, i_ - start);
    if (auto num = ParseNumberLiteral(text)) {  // text starts with a digit: never Inf/NaN words
      Token t = Make(TokenKind::kNumber, start);
      t.number = *num;
      return t;
    }
    if (auto d = ParseDuration(text)) {
      Token t = Make(TokenKind::kDuration, start);
      t.millis = d->count();
      return t;
    }
    return Err(start, "bad number or duration syntax: \"" + std::string(text) + "\"");
  }

  bool IsHexPrefix(size_t start) const {
    return i_ > start + 1 && q_[start] == '0' && (q_[start + 1] == 'x' || q_[start + 1] == 'X');
  }

  Result<Token> QuotedString() {
    const size_t start = i_;
    const char quote = q_[i_++];
    while (i_ < q_.size() && q_[i_] != quote) {
      if (quote != '`' && q_[i_] == '\n') break;
      if (quote != '`' && q_[i_] == '\\') ++i_;
      ++i_;
    }
    if (i_ >= q_.size() || q_[i_] != quote) return Err(start, "unterminated quoted string");
    ++i_;
    Token t = Make(TokenKind::kString, start);
    std::string_view body = q_.substr(start + 1, i_ - start - 2);
    if (quote == '`') {
      t.text = std::string(body);
      return t;
    }
    auto value = Unescape(body, quote);
    if (!value) return Err(start, value.error().message());
    t.text = std::move(*value);
    return t;
  }

  std::string_view q_;
  size_t i_ = 0;
  int bracket_depth_ = 0;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view query) { return Lexer(query).Run(); }

SourceLocation LocationOf(std::string_view query, int pos) {
  SourceLocation loc;
  loc.line = 1;
  int line_start = 0;
  for (int i = 0; i < pos && i < static_cast<int>(query.size()); ++i) {
    if (query[i] == '\n') {
      ++loc.line;
      line_start = i + 1;
    }
  }
  loc.column = pos - line_start + 1;
  return loc;
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof:
      return "end of input";
    case TokenKind::kIdentifier:
      return "identifier \"" + t.text + "\"";
    case TokenKind::kNumber:
      return "number \"" + t.text + "\"";
    case TokenKind::kDuration:
      return "duration \"" + t.text + "\"";
    case TokenKind::kString:
      return "string";
    default:
      return "\"" + t.text + "\"";
  }
}

Result<std::string> Unescape(std::string_view body, char quote) {
  std::string out;
  auto bad = [](std::string m) { return Fail(ErrorCode::kInvalidArgument, std::move(m)); };
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      out += body[i];
      continue;
    }
    if (++i >= body.size()) return bad("escape sequence not terminated");
    const char e = body[i];
    if (auto simple = SimpleEscape(e)) {
      out += *simple;
      continue;
    }
    if (e == quote) {
      out += e;
      continue;
    }
    int digits = 0, base = 16;
    if (e == 'x') digits = 2;
    if (e == 'u') digits = 4;
    if (e == 'U') digits = 8;
    if (e >= '0' && e <= '7') digits = 3, base = 8, --i;
    if (digits == 0) return bad(std::string("unknown escape sequence '\\") + e + "'");
    if (i + digits >= body.size()) return bad("escape sequence not terminated");
    uint32_t v = 0;
    for (int k = 1; k <= digits; ++k) {
      char d = body[i + k];
      bool ok = base == 16 ? HexDigitValue(d) >= 0 : (d >= '0' && d <= '7');
      if (!ok) return bad(std::string("illegal character '") + d + "' in escape sequence");
      v = v * base + static_cast<uint32_t>(fw::HexDigitValue(d));
    }
    i += digits;
    if (e == 'x' || base == 8) {
      if (v > 255) return bad("octal escape value > 255");
      out += static_cast<char>(v);  // a raw byte, as in Go
    } else {
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return bad("escape is invalid Unicode");
      fw::AppendUtf8(out, v);
    }
  }
  return out;
}

Result<double> ParseNumberLiteral(std::string_view text) {
  auto bad = [&] {
    return Fail(ErrorCode::kInvalidArgument, "invalid number \"" + std::string(text) + "\"");
  };
  if (text.empty()) return bad();
  double sign = 1;
  std::string_view t = text;
  if (t[0] == '+' || t[0] == '-') {
    sign = t[0] == '-' ? -1 : 1;
    t.remove_prefix(1);
  }
  std::string lower;
  for (char c : t) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf") return sign * std::numeric_limits<double>::infinity();
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower.size() > 2 && lower[0] == '0' && lower[1] == 'x') {
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(lower.data() + 2, lower.data() + lower.size(), v, 16);
    if (ec != std::errc() || p != lower.data() + lower.size()) return bad();
    return sign * static_cast<double>(v);
  }
  // from_chars rejects a leading '+' and "inf"/"nan" were handled; it also
  // accepts forms Go does not ("1e"), so check the shape first.
  bool digit_seen = false;
  for (size_t k = 0; k < lower.size(); ++k) {
    char c = lower[k];
    if (IsDigit(c)) digit_seen = true;
    if (!(IsDigit(c) || c == '.' || c == 'e' ||
          ((c == '+' || c == '-') && k > 0 && lower[k - 1] == 'e'))) {
      return bad();
    }
  }
  if (!digit_seen) return bad();
  double v = 0;
  auto [p, ec] = std::from_chars(lower.data(), lower.data() + lower.size(), v);
  if (p != lower.data() + lower.size()) return bad();
  if (ec == std::errc::result_out_of_range) {
    // Overflow is Inf in Go; underflow is 0.
    bool big = lower.find("e-") == std::string::npos;
    return sign * (big ? std::numeric_limits<double>::infinity() : 0.0);
  }
  if (ec != std::errc()) return bad();
  return sign * v;
}

}  // namespace fw::metrics::promql

#include "logs/insights/lexer.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "common/text.h"

namespace fw::logs::insights {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool IsWordStart(char c) { return IsAlpha(c) || c == '_' || c == '@' || c == '$'; }
bool IsWordChar(char c) { return IsWordStart(c) || IsDigit(c); }

class Lexer {
 public:
  Lexer(std::string_view q, size_t pos) : q_(q), i_(pos) {}

  Result<Token> Next(LexMode mode) {
    SkipSpaceAndComments();
    const size_t start = i_;
    if (i_ >= q_.size()) return Make(TokenKind::kEof, start);
    const char c = q_[i_];
    if (IsDigit(c) || (c == '.' && i_ + 1 < q_.size() && IsDigit(q_[i_ + 1]))) {
      return NumberOrDuration();
    }
    if (IsWordStart(c)) return Word();
    if (c == '`') return Backquoted();
    if (c == '"' || c == '\'') return Quoted(c);
    if (c == '/' && mode == LexMode::kOperand) return Regex();
    return Operator();
  }

 private:
  void SkipSpaceAndComments() {
    while (i_ < q_.size()) {
      const char c = q_[i_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i_;
      } else if (c == '#') {
        while (i_ < q_.size() && q_[i_] != '\n') ++i_;
      } else {
        break;
      }
    }
  }

  Token Make(TokenKind k, size_t start) const {
    Token t;
    t.kind = k;
    t.pos = static_cast<int>(start);
    t.end = static_cast<int>(i_);
    t.text = std::string(q_.substr(start, i_ - start));
    return t;
  }

  std::unexpected<Error> Err(size_t pos, const std::string& msg) const {
    return std::unexpected(QueryError(q_, static_cast<int>(pos), msg));
  }

  Result<Token> NumberOrDuration() {
    const size_t start = i_;
    while (i_ < q_.size() && IsDigit(q_[i_])) ++i_;
    if (i_ < q_.size() && q_[i_] == '.') {
      ++i_;
      while (i_ < q_.size() && IsDigit(q_[i_])) ++i_;
    }
    // An exponent only when digits follow, so "5e" stays a (bad) duration.
    if (i_ + 1 < q_.size() && (q_[i_] == 'e' || q_[i_] == 'E')) {
      size_t j = i_ + 1;
      if (j < q_.size() && (q_[j] == '+' || q_[j] == '-')) ++j;
      if (j < q_.size() && IsDigit(q_[j])) {
        i_ = j;
        while (i_ < q_.size() && IsDigit(q_[i_])) ++i_;
      }
    }
    const std::string num(q_.substr(start, i_ - start));
    const double value = std::strtod(num.c_str(), nullptr);
    if (i_ < q_.size() && IsAlpha(q_[i_])) {
      const size_t unit_start = i_;
      while (i_ < q_.size() && IsAlpha(q_[i_])) ++i_;
      if (i_ < q_.size() && (IsDigit(q_[i_]) || q_[i_] == '_')) {
        return Err(start, "malformed number or duration \"" +
                              std::string(q_.substr(start, i_ + 1 - start)) + "\"");
      }
      Token t = Make(TokenKind::kDuration, start);
      t.number = value;
      t.unit = std::string(q_.substr(unit_start, i_ - unit_start));
      return t;
    }
    Token t = Make(TokenKind::kNumber, start);
    t.number = value;
    return t;
  }

  Result<Token> Word() {
    const size_t start = i_;
    while (i_ < q_.size()) {
      if (IsWordChar(q_[i_])) {
        ++i_;
      } else if (q_[i_] == '.' && i_ + 1 < q_.size() && IsWordChar(q_[i_ + 1])) {
        i_ += 2;  // a dot path: request.headers.host, items.0.id
      } else {
        break;
      }
    }
    return Make(TokenKind::kIdentifier, start);
  }

  Result<Token> Backquoted() {
    const size_t start = i_++;
    const size_t close = q_.find('`', i_);
    if (close == std::string_view::npos) return Err(start, "unterminated `quoted name`");
    i_ = close + 1;
    Token t = Make(TokenKind::kIdentifier, start);
    t.text = std::string(q_.substr(start + 1, close - start - 1));
    t.quoted = true;
    if (t.text.empty()) return Err(start, "empty `quoted name`");
    return t;
  }

  Result<Token> Quoted(char quote) {
    const size_t start = i_++;
    std::string value;
    while (i_ < q_.size() && q_[i_] != quote) {
      char c = q_[i_++];
      if (c == '\\' && i_ < q_.size()) {
        const char e = q_[i_++];
        switch (e) {
          case 'n':
            value += '\n';
            break;
          case 't':
            value += '\t';
            break;
          case 'r':
            value += '\r';
            break;
          case '\\':
          case '"':
          case '\'':
            value += e;
            break;
          default:  // kept as written, so regex-like escapes survive
            value += '\\';
            value += e;
        }
        continue;
      }
      value += c;
    }
    if (i_ >= q_.size())
      return Err(start, std::string("unterminated string (missing ") + quote + ")");
    ++i_;
    Token t = Make(TokenKind::kString, start);
    t.text = std::move(value);
    return t;
  }

  // /body/: a backslash escapes the next character (so \/ is a slash); the
  // body goes to RE2 unchanged except that \/ becomes /.
  Result<Token> Regex() {
    const size_t start = i_++;
    std::string body;
    while (i_ < q_.size() && q_[i_] != '/') {
      if (q_[i_] == '\\' && i_ + 1 < q_.size()) {
        if (q_[i_ + 1] != '/') body += '\\';
        body += q_[i_ + 1];
        i_ += 2;
        continue;
      }
      if (q_[i_] == '\n') break;
      body += q_[i_++];
    }
    if (i_ >= q_.size() || q_[i_] != '/')
      return Err(start, "unterminated regular expression (missing /)");
    ++i_;
    Token t = Make(TokenKind::kRegex, start);
    t.text = std::move(body);
    return t;
  }

  Result<Token> Operator() {
    const size_t start = i_;
    const char c = q_[i_++];
    auto next_is = [&](char n) {
      if (i_ < q_.size() && q_[i_] == n) {
        ++i_;
        return true;
      }
      return false;
    };
    switch (c) {
      case '|':
        return Make(TokenKind::kPipe, start);
      case ',':
        return Make(TokenKind::kComma, start);
      case '(':
        return Make(TokenKind::kLeftParen, start);
      case ')':
        return Make(TokenKind::kRightParen, start);
      case '[':
        return Make(TokenKind::kLeftBracket, start);
      case ']':
        return Make(TokenKind::kRightBracket, start);
      case '+':
        return Make(TokenKind::kPlus, start);
      case '-':
        return Make(TokenKind::kMinus, start);
      case '*':
        return Make(TokenKind::kStar, start);
      case '/':
        return Make(TokenKind::kSlash, start);
      case '%':
        return Make(TokenKind::kPercent, start);
      case '^':
        return Make(TokenKind::kCaret, start);
      case '=':
        if (next_is('~')) return Make(TokenKind::kMatch, start);
        next_is('=');
        return Make(TokenKind::kEq, start);
      case '!':
        if (next_is('~')) return Make(TokenKind::kNotMatch, start);
        if (next_is('=')) {
          if (next_is('~')) return Make(TokenKind::kNotMatch, start);
          return Make(TokenKind::kNeq, start);
        }
        return Make(TokenKind::kBang, start);
      case '<':
        return Make(next_is('=') ? TokenKind::kLte : TokenKind::kLt, start);
      case '>':
        return Make(next_is('=') ? TokenKind::kGte : TokenKind::kGt, start);
      default:
        break;
    }
    return Err(start, "unexpected character '" + ShownChar(c) + "'");
  }

  std::string_view q_;
  size_t i_;
};

}  // namespace

Result<Token> LexAt(std::string_view query, int pos, LexMode mode) {
  return Lexer(query, static_cast<size_t>(pos)).Next(mode);
}

SourceLocation LocationOf(std::string_view query, int pos) {
  SourceLocation loc{"query", 1, 1};
  for (int i = 0; i < pos && i < static_cast<int>(query.size()); ++i) {
    if (query[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

Error QueryError(std::string_view query, int pos, const std::string& message) {
  pos = std::max(0, std::min(pos, static_cast<int>(query.size())));
  const SourceLocation loc = LocationOf(query, pos);
  size_t begin = 0;
  for (int i = pos - 1; i >= 0; --i) {
    if (query[i] == '\n') {
      begin = static_cast<size_t>(i) + 1;
      break;
    }
  }
  size_t end = query.find('\n', pos);
  if (end == std::string_view::npos) end = query.size();
  std::string line(query.substr(begin, end - begin));
  for (char& ch : line) {
    if (ch == '\t') ch = ' ';
  }
  std::string msg = message + "\n  " + line + "\n  " + std::string(loc.column - 1, ' ') + "^";
  return Error(ErrorCode::kInvalidArgument, msg, loc);
}

std::string Describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEof:
      return "end of query";
    case TokenKind::kIdentifier:
      return "\"" + t.text + "\"";
    case TokenKind::kNumber:
      return "number " + t.text;
    case TokenKind::kDuration:
      return "duration " + t.text;
    case TokenKind::kString:
      return "string";
    case TokenKind::kRegex:
      return "regular expression";
    default:
      return "\"" + t.text + "\"";
  }
}

}  // namespace fw::logs::insights

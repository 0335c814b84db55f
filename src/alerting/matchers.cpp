#include "alerting/matchers.h"

#include <re2/re2.h>

#include <cctype>

namespace fw::alerting {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<std::string> Unquote(std::string_view v) {
  if (v.empty() || v.front() != '"') return std::string(v);
  if (v.size() < 2 || v.back() != '"') {
    return Fail(ErrorCode::kInvalidArgument, "unterminated quoted value " + std::string(v));
  }
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 2 < v.size()) {
      c = v[++i];
      if (c == 'n') c = '\n';
    }
    out += c;
  }
  return out;
}

const char* OpText(Matcher::Op op) {
  switch (op) {
    case Matcher::Op::kEqual:
      return "=";
    case Matcher::Op::kNotEqual:
      return "!=";
    case Matcher::Op::kRegex:
      return "=~";
    case Matcher::Op::kNotRegex:
      return "!~";
  }
  return "=";
}

}  // namespace

Result<Matcher> Matcher::Make(std::string name, Op op, std::string value) {
  if (name.empty()) return Fail(ErrorCode::kInvalidArgument, "matcher without a label name");
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!(c == '_' || std::isalpha(static_cast<unsigned char>(c)) ||
          (i > 0 && std::isdigit(static_cast<unsigned char>(c))))) {
      return Fail(ErrorCode::kInvalidArgument, "invalid label name \"" + name + "\" in matcher");
    }
  }
  Matcher m;
  m.name_ = std::move(name);
  m.op_ = op;
  m.value_ = std::move(value);
  if (op == Op::kRegex || op == Op::kNotRegex) {
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_shared<const RE2>("^(?:" + m.value_ + ")$", options);
    if (!re->ok()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "invalid regex \"" + m.value_ + "\" in matcher: " + re->error());
    }
    m.re_ = std::move(re);
  }
  return m;
}

Result<Matcher> Matcher::Parse(std::string_view text) {
  const std::string_view t = Trim(text);
  size_t i = 0;
  while (i < t.size() && (t[i] == '_' || std::isalnum(static_cast<unsigned char>(t[i])))) ++i;
  const std::string name(t.substr(0, i));
  std::string_view rest = Trim(t.substr(i));
  Op op;
  if (rest.starts_with("=~")) {
    op = Op::kRegex;
  } else if (rest.starts_with("!~")) {
    op = Op::kNotRegex;
  } else if (rest.starts_with("!=")) {
    op = Op::kNotEqual;
  } else if (rest.starts_with("=")) {
    op = Op::kEqual;
  } else {
    return Fail(ErrorCode::kInvalidArgument,
                "bad matcher \"" + std::string(t) + "\": want name=value, !=, =~ or !~");
  }
  rest = Trim(rest.substr(op == Op::kEqual ? 1 : 2));
  auto value = Unquote(rest);
  if (!value) return Fail(value.error());
  return Make(name, op, std::move(*value));
}

bool Matcher::Matches(const LabelSet& labels) const {
  const std::string_view v = labels.Get(name_);
  switch (op_) {
    case Op::kEqual:
      return v == value_;
    case Op::kNotEqual:
      return v != value_;
    case Op::kRegex:
      return RE2::FullMatch(v, *re_);
    case Op::kNotRegex:
      return !RE2::FullMatch(v, *re_);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out = name_ + OpText(op_) + "\"";
  for (char c : value_) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

bool MatchesAll(const std::vector<Matcher>& matchers, const LabelSet& labels) {
  for (const Matcher& m : matchers) {
    if (!m.Matches(labels)) return false;
  }
  return true;
}

}  // namespace fw::alerting

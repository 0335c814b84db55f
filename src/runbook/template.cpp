#include "runbook/template.h"

#include <cctype>

#include "common/text.h"
#include "runbook/quoting.h"

namespace fw::runbook {
namespace {

bool NameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

Error At(size_t pos, std::string why) {
  return Error(ErrorCode::kInvalidArgument, std::move(why), {"", 1, static_cast<int>(pos) + 1});
}

void SkipSpaces(const std::string& s, size_t& i) {
  while (i < s.size() && s[i] == ' ') ++i;
}

// The filters after "|": `default "x"` and at most one quoting filter.
Result<void> ParseFilters(const std::string& text, size_t& i, bool& has_default,
                          std::string& fallback, Quote& quote) {
  while (i < text.size() && text[i] == '|') {
    ++i;
    SkipSpaces(text, i);
    const size_t at = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string word = text.substr(at, i - at);
    SkipSpaces(text, i);
    if (word == "default") {
      if (i >= text.size() || text[i] != '"') {
        return Fail(At(i, "default needs a quoted value: | default \"value\""));
      }
      const size_t close = text.find('"', i + 1);
      if (close == std::string::npos) return Fail(At(i, "unterminated quoted default value"));
      has_default = true;
      fallback = text.substr(i + 1, close - i - 1);
      i = close + 1;
      SkipSpaces(text, i);
      continue;
    }
    Quote q = Quote::kNone;
    for (Quote x : {Quote::kArg, Quote::kPromql, Quote::kSql, Quote::kNumber}) {
      if (word == QuoteName(x)) q = x;
    }
    if (q == Quote::kNone) {
      return Fail(At(at, "unknown filter \"" + word +
                             "\" (known: default \"value\", arg, promql, sql, number)"));
    }
    if (quote != Quote::kNone) {
      return Fail(At(at, "one quoting filter per reference (already | " +
                             std::string(QuoteName(quote)) + ")"));
    }
    quote = q;
  }
  return {};
}

}  // namespace

const char* QuoteName(Quote q) {
  switch (q) {
    case Quote::kNone:
      return "";
    case Quote::kArg:
      return "arg";
    case Quote::kPromql:
      return "promql";
    case Quote::kSql:
      return "sql";
    case Quote::kNumber:
      return "number";
  }
  return "";
}

// One reference: `{{ .name }}` or `{{ .name | default "x" | promql }}`.
Result<Template> Template::Parse(const std::string& text) {
  Template t;
  t.text_ = text;
  size_t i = 0;
  std::string literal;
  size_t literal_at = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") != 0) {
      // A lone "}}" is text, as in Go templates (JSON bodies end with it).
      if (literal.empty()) literal_at = i;
      literal += text[i++];
      continue;
    }
    const size_t open = i;
    i += 2;
    SkipSpaces(text, i);
    if (i < text.size() && text[i] == '.') ++i;
    const size_t name_at = i;
    while (i < text.size() && NameChar(text[i])) ++i;
    Part var;
    var.is_var = true;
    var.text = text.substr(name_at, i - name_at);
    if (var.text.empty() || var.text.front() == '.' || var.text.back() == '.' ||
        var.text.find("..") != std::string::npos) {
      return Fail(At(name_at, "expected a variable name like .incident.id after \"{{\""));
    }
    SkipSpaces(text, i);
    if (auto f = ParseFilters(text, i, var.has_default, var.fallback, var.quote); !f) {
      return Fail(f.error());
    }
    if (text.compare(i, 2, "}}") != 0) {
      return Fail(At(open, "unterminated reference: expected \"}}\" after the variable name"));
    }
    i += 2;
    var.begin = open;
    var.end = i;
    if (!literal.empty())
      t.parts_.push_back({false, std::move(literal), false, "", Quote::kNone, literal_at, open});
    literal.clear();
    t.parts_.push_back(std::move(var));
  }
  if (!literal.empty())
    t.parts_.push_back({false, std::move(literal), false, "", Quote::kNone, literal_at, i});
  return t;
}

const std::string* Template::Value(const Part& p, const Vars& vars) {
  auto it = vars.find(p.text);
  if (it != vars.end() && !it->second.empty()) return &it->second;
  if (p.has_default) return &p.fallback;
  return nullptr;
}

namespace {

Result<std::string> Quoted(Quote q, const std::string& value) {
  switch (q) {
    case Quote::kPromql:
      return QuotePromql(value);
    case Quote::kSql:
      return QuoteSql(value);
    case Quote::kNumber:
      return PromqlNumber(value);
    case Quote::kNone:
    case Quote::kArg:
      break;
  }
  return value;
}

}  // namespace

Result<std::string> Template::RenderImpl(const Vars& vars, bool argv) const {
  std::string out;
  const Part* first = nullptr;  // the part that wrote the first character
  for (const Part& p : parts_) {
    if (!p.is_var) {
      if (!first && !p.text.empty()) first = &p;
      out += p.text;
      continue;
    }
    const std::string* v = Value(p, vars);
    if (!v) {
      return Fail(ErrorCode::kInvalidArgument,
                  "variable ." + p.text + " has no value (pass --var " + p.text +
                      "=VALUE, give it a default with | default \"...\", or guard the step "
                      "with when: {set: [" +
                      p.text + "]})");
    }
    auto q = Quoted(p.quote, *v);
    if (!q) return Fail(q.error().WithContext("variable ." + p.text));
    if (!first && !q->empty()) first = &p;
    out += *q;
  }
  if (argv && first && first->is_var && first->quote != Quote::kArg && out.front() == '-') {
    return Fail(ErrorCode::kInvalidArgument,
                "the value of ." + first->text + " (\"" + ToValidUtf8(out.substr(0, 64)) +
                    "\") begins with \"-\" and would be read as an option; refused. If this "
                    "position is an option's value, mark it {{ ." +
                    first->text +
                    " | arg }} or write the option and value as one element "
                    "(--name={{ ." +
                    first->text + " }})");
  }
  return out;
}

Result<std::string> Template::Render(const Vars& vars) const { return RenderImpl(vars, false); }

Result<std::string> Template::RenderArg(const Vars& vars) const { return RenderImpl(vars, true); }

std::string Template::RenderLoose(const Vars& vars) const {
  std::string out;
  for (const Part& p : parts_) {
    if (!p.is_var) {
      out += p.text;
      continue;
    }
    const std::string* v = Value(p, vars);
    if (!v) {
      out += "<" + p.text + ">";
      continue;
    }
    auto q = Quoted(p.quote, *v);
    out += q ? *q : "<" + p.text + ": " + q.error().message() + ">";
  }
  return out;
}

std::vector<Template::Ref> Template::refs() const {
  std::vector<Ref> out;
  for (const Part& p : parts_) {
    if (p.is_var) out.push_back({p.text, p.has_default, p.quote, p.begin, p.end});
  }
  return out;
}

bool Template::literal() const {
  for (const Part& p : parts_) {
    if (p.is_var) return false;
  }
  return true;
}

}  // namespace fw::runbook

#include "runbook/template.h"

#include <cctype>

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

}  // namespace

// One reference: `{{ .name }}` or `{{ .name | default "x" }}`, starting after
// the opening braces; `i` ends after the closing ones.
Result<Template> Template::Parse(const std::string& text) {
  Template t;
  t.text_ = text;
  size_t i = 0;
  std::string literal;
  while (i < text.size()) {
    if (text.compare(i, 2, "{{") != 0) {
      // A lone "}}" is text, as in Go templates (JSON bodies end with it).
      literal += text[i++];
      continue;
    }
    const size_t open = i;
    i += 2;
    SkipSpaces(text, i);
    if (i < text.size() && text[i] == '.') ++i;
    const size_t name_at = i;
    while (i < text.size() && NameChar(text[i])) ++i;
    Part var{true, text.substr(name_at, i - name_at), false, ""};
    if (var.text.empty() || var.text.front() == '.' || var.text.back() == '.' ||
        var.text.find("..") != std::string::npos) {
      return Fail(At(name_at, "expected a variable name like .incident.id after \"{{\""));
    }
    SkipSpaces(text, i);
    if (i < text.size() && text[i] == '|') {
      ++i;
      SkipSpaces(text, i);
      if (text.compare(i, 7, "default") != 0) {
        return Fail(At(i, "the only filter is default, as in {{ .x | default \"value\" }}"));
      }
      i += 7;
      SkipSpaces(text, i);
      if (i >= text.size() || text[i] != '"') {
        return Fail(At(i, "default needs a quoted value: | default \"value\""));
      }
      const size_t close = text.find('"', i + 1);
      if (close == std::string::npos) return Fail(At(i, "unterminated quoted default value"));
      var.has_default = true;
      var.fallback = text.substr(i + 1, close - i - 1);
      i = close + 1;
      SkipSpaces(text, i);
    }
    if (text.compare(i, 2, "}}") != 0) {
      return Fail(At(open, "unterminated reference: expected \"}}\" after the variable name"));
    }
    i += 2;
    if (!literal.empty()) t.parts_.push_back({false, std::move(literal), false, ""});
    literal.clear();
    t.parts_.push_back(std::move(var));
  }
  if (!literal.empty()) t.parts_.push_back({false, std::move(literal), false, ""});
  return t;
}

Result<std::string> Template::Render(const Vars& vars) const {
  std::string out;
  for (const Part& p : parts_) {
    if (!p.is_var) {
      out += p.text;
      continue;
    }
    auto it = vars.find(p.text);
    if (it != vars.end() && !it->second.empty()) {
      out += it->second;
    } else if (p.has_default) {
      out += p.fallback;
    } else {
      return Fail(ErrorCode::kInvalidArgument,
                  "variable ." + p.text + " has no value (pass --var " + p.text +
                      "=VALUE, give it a default with | default \"...\", or guard the step "
                      "with when: {set: [" +
                      p.text + "]})");
    }
  }
  return out;
}

std::string Template::RenderLoose(const Vars& vars) const {
  std::string out;
  for (const Part& p : parts_) {
    if (!p.is_var) {
      out += p.text;
      continue;
    }
    auto it = vars.find(p.text);
    if (it != vars.end() && !it->second.empty())
      out += it->second;
    else
      out += p.has_default ? p.fallback : "<" + p.text + ">";
  }
  return out;
}

std::vector<Template::Ref> Template::refs() const {
  std::vector<Ref> out;
  for (const Part& p : parts_) {
    if (p.is_var) out.push_back({p.text, p.has_default});
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

#include "alerting/alert_template.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <variant>
#include <vector>

#include "alerting/template_format.h"
#include "common/depth.h"

namespace fw::alerting {

// A value inside an action: text, a number, a truth value, or a label map
// ($labels without a field).
using Value = std::variant<std::string, double, bool, LabelSet>;

struct Arg {
  enum Kind { kField, kString, kNumber, kFunc } kind;
  std::string text;                 // field root ("labels", "value"), literal, function
  std::vector<std::string> fields;  // for kField: .a.b after the root
  double number = 0;
};
using Command = std::vector<Arg>;  // a function and its arguments, or one operand
using Pipeline = std::vector<Command>;

struct AlertTemplate::Node {
  enum Kind { kList, kText, kAction, kIf } kind = kList;
  std::string text;
  Pipeline pipeline;                             // kAction, kIf condition
  std::vector<std::unique_ptr<Node>> children;   // kList; kIf then-branch
  std::vector<std::unique_ptr<Node>> otherwise;  // kIf else-branch
};

namespace {

using Node = AlertTemplate::Node;

const std::vector<std::string_view>& Functions() {
  static const std::vector<std::string_view> kFns = {"humanize",
                                                     "humanize1024",
                                                     "humanizePercentage",
                                                     "humanizeDuration",
                                                     "printf",
                                                     "toUpper",
                                                     "toLower",
                                                     "title",
                                                     "stripPort",
                                                     "eq",
                                                     "ne",
                                                     "lt",
                                                     "le",
                                                     "gt",
                                                     "ge",
                                                     "and",
                                                     "or",
                                                     "not"};
  return kFns;
}
bool IsFunction(std::string_view w) {
  for (std::string_view f : Functions()) {
    if (f == w) return true;
  }
  return false;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<std::unique_ptr<Node>> Run() {
    auto root = std::make_unique<Node>();
    std::string_view stop;
    if (auto ok = ParseList(root->children, stop); !ok) return Fail(ok.error());
    if (!stop.empty()) return Error_(stop_at_, "unexpected {{" + std::string(stop) + "}}");
    return root;
  }

 private:
  std::unexpected<Error> Error_(size_t at, const std::string& what) const {
    return Fail(ErrorCode::kInvalidArgument, "template: " + what,
                SourceLocation{"", 1, static_cast<int>(at) + 1});
  }

  // Parses until the end or a {{else}} / {{end}}, whose keyword goes to stop.
  Result<void> ParseList(std::vector<std::unique_ptr<Node>>& out, std::string_view& stop) {
    while (pos_ < text_.size()) {
      const size_t open = text_.find("{{", pos_);
      std::string literal(text_.substr(pos_, open == std::string_view::npos ? open : open - pos_));
      if (open == std::string_view::npos) {
        AddText(out, literal);
        pos_ = text_.size();
        break;
      }
      size_t inner = open + 2;
      if (inner < text_.size() && text_[inner] == '-' && inner + 1 < text_.size() &&
          std::isspace(static_cast<unsigned char>(text_[inner + 1]))) {
        while (!literal.empty() && std::isspace(static_cast<unsigned char>(literal.back()))) {
          literal.pop_back();
        }
        ++inner;
      }
      AddText(out, literal);
      const size_t close = text_.find("}}", inner);
      if (close == std::string_view::npos) return Error_(open, "unclosed action");
      size_t body_end = close;
      bool trim_after = false;
      if (body_end > inner && text_[body_end - 1] == '-' && body_end - 1 > inner &&
          std::isspace(static_cast<unsigned char>(text_[body_end - 2]))) {
        --body_end;
        trim_after = true;
      }
      pos_ = close + 2;
      if (trim_after) {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      }
      auto action = ParseAction(inner, body_end, out, stop);
      if (!action) return action;
      if (!stop.empty()) {
        stop_at_ = open;
        return {};
      }
    }
    return {};
  }

  void AddText(std::vector<std::unique_ptr<Node>>& out, const std::string& s) {
    if (s.empty()) return;
    auto n = std::make_unique<Node>();
    n->kind = Node::kText;
    n->text = s;
    out.push_back(std::move(n));
  }

  Result<void> ParseAction(size_t begin, size_t end, std::vector<std::unique_ptr<Node>>& out,
                           std::string_view& stop) {
    size_t p = begin;
    SkipSpace(p, end);
    const size_t word_start = p;
    while (p < end && std::isalpha(static_cast<unsigned char>(text_[p]))) ++p;
    const std::string_view word = text_.substr(word_start, p - word_start);
    if (word == "end" || word == "else") {
      SkipSpace(p, end);
      if (p != end) return Error_(p, "unexpected text after " + std::string(word));
      stop = word;
      return {};
    }
    if (word == "if") {
      // {{if}} inside {{if}} recurses here and in Render: bounded.
      DepthScope scope(depth_);
      if (!scope.Deeper(kMaxTemplateDepth)) {
        return Error_(word_start, NestedTooDeep("{{if}}", kMaxTemplateDepth));
      }
      auto n = std::make_unique<Node>();
      n->kind = Node::kIf;
      auto cond = ParsePipeline(p, end);
      if (!cond) return Fail(cond.error());
      n->pipeline = std::move(*cond);
      const size_t if_at = word_start;
      std::string_view inner_stop;
      if (auto ok = ParseList(n->children, inner_stop); !ok) return ok;
      if (inner_stop == "else") {
        inner_stop = {};
        if (auto ok = ParseList(n->otherwise, inner_stop); !ok) return ok;
      }
      if (inner_stop != "end") return Error_(if_at, "{{if}} without {{end}}");
      out.push_back(std::move(n));
      return {};
    }
    if (word == "range" || word == "with" || word == "define" || word == "template" ||
        word == "block" || word == "query") {
      return Error_(word_start,
                    "\"" + std::string(word) + "\" is not supported in alert templates");
    }
    auto pipeline = ParsePipeline(word_start, end);
    if (!pipeline) return Fail(pipeline.error());
    auto n = std::make_unique<Node>();
    n->kind = Node::kAction;
    n->pipeline = std::move(*pipeline);
    out.push_back(std::move(n));
    return {};
  }

  void SkipSpace(size_t& p, size_t end) const {
    while (p < end && std::isspace(static_cast<unsigned char>(text_[p]))) ++p;
  }

  Result<Pipeline> ParsePipeline(size_t p, size_t end) {
    Pipeline pipeline(1);
    while (true) {
      SkipSpace(p, end);
      if (p >= end) break;
      if (text_[p] == '|') {
        if (pipeline.back().empty()) return Error_(p, "missing command before |");
        pipeline.emplace_back();
        ++p;
        continue;
      }
      auto arg = ParseArg(p, end);
      if (!arg) return Fail(arg.error());
      pipeline.back().push_back(std::move(*arg));
    }
    if (pipeline.back().empty()) return Error_(end, "missing value for command");
    for (size_t i = 0; i < pipeline.size(); ++i) {
      const Command& c = pipeline[i];
      if (c[0].kind != Arg::kFunc && (c.size() > 1 || i > 0)) {
        return Error_(end, "can't give argument to non-function " + c[0].text);
      }
    }
    return pipeline;
  }

  Result<Arg> ParseArg(size_t& p, size_t end) {
    const size_t start = p;
    const char c = text_[p];
    if (c == '"' || c == '`') return ParseString(p, end);
    if (c == '$' || c == '.') {
      Arg a{Arg::kField, "", {}, 0};
      std::string root;
      if (c == '$') {
        ++p;
        while (p < end && (std::isalnum(static_cast<unsigned char>(text_[p])) || text_[p] == '_')) {
          root += text_[p++];
        }
        if (root != "labels" && root != "value" && root != "externalLabels") {
          return Error_(start, "undefined variable \"$" + root + "\"");
        }
      }
      std::vector<std::string> fields;
      while (p < end && text_[p] == '.') {
        ++p;
        std::string f;
        while (p < end && (std::isalnum(static_cast<unsigned char>(text_[p])) || text_[p] == '_')) {
          f += text_[p++];
        }
        if (f.empty() && !(c == '.' && fields.empty() && root.empty())) {
          return Error_(p, "bad field name");
        }
        if (!f.empty()) fields.push_back(f);
      }
      if (c == '.') {  // .Labels.x, .Value
        if (fields.empty() || (fields[0] != "Labels" && fields[0] != "Value")) {
          return Error_(start, "unknown field; use .Labels.<name> or .Value");
        }
        root = fields[0] == "Labels" ? "labels" : "value";
        fields.erase(fields.begin());
      }
      if ((root == "value" && !fields.empty()) || fields.size() > 1) {
        return Error_(start, "bad field reference");
      }
      a.text = root;
      a.fields = std::move(fields);
      return a;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+') {
      char* stop = nullptr;
      std::string s(text_.substr(p, end - p));
      const double v = std::strtod(s.c_str(), &stop);
      if (stop == s.c_str()) return Error_(start, "bad number");
      p += static_cast<size_t>(stop - s.c_str());
      return Arg{Arg::kNumber, "", {}, v};
    }
    std::string word;
    while (p < end && (std::isalnum(static_cast<unsigned char>(text_[p])) || text_[p] == '_')) {
      word += text_[p++];
    }
    if (word.empty()) return Error_(start, std::string("unexpected \"") + c + "\"");
    if (word == "true" || word == "false")
      return Arg{Arg::kNumber, "", {}, word == "true" ? 1.0 : 0};
    if (!IsFunction(word)) return Error_(start, "function \"" + word + "\" not defined");
    return Arg{Arg::kFunc, word, {}, 0};
  }

  Result<Arg> ParseString(size_t& p, size_t end) {
    const size_t start = p;
    const char quote = text_[p++];
    std::string s;
    while (p < end && text_[p] != quote) {
      char ch = text_[p++];
      if (quote == '"' && ch == '\\' && p < end) {
        const char e = text_[p++];
        ch = e == 'n' ? '\n' : e == 't' ? '\t' : e;
      }
      s += ch;
    }
    if (p >= end) return Error_(start, "unterminated string");
    ++p;
    return Arg{Arg::kString, s, {}, 0};
  }

  std::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;  // {{if}} nesting
  size_t stop_at_ = 0;
};

// ---- evaluation ----

std::string ToText(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* d = std::get_if<double>(&v)) return GoFloatV(*d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  std::string out = "map[";
  const auto& labels = std::get<LabelSet>(v).labels();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ' ';
    out += labels[i].name + ":" + labels[i].value;
  }
  return out + "]";
}

bool Truth(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return !s->empty();
  if (const auto* d = std::get_if<double>(&v)) return *d != 0;
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return !std::get<LabelSet>(v).empty();
}

// A number from a number or numeric text (labels are text; Prometheus
// converts them for humanize and friends).
std::optional<double> AsNumber(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* s = std::get_if<std::string>(&v)) {
    char* end = nullptr;
    const double x = std::strtod(s->c_str(), &end);
    if (!s->empty() && end && *end == '\0') return x;
  }
  return std::nullopt;
}

int Compare(const Value& a, const Value& b) {
  const auto x = AsNumber(a), y = AsNumber(b);
  if (x && y) return *x < *y ? -1 : *x > *y ? 1 : 0;
  const std::string s = ToText(a), t = ToText(b);
  return s < t ? -1 : s > t ? 1 : 0;
}

Value Call(const std::string& fn, const std::vector<Value>& args) {
  auto number = [&](size_t i) { return i < args.size() ? AsNumber(args[i]) : std::nullopt; };
  auto bad = [&](const char* why) {
    return Value{std::string("<error: ") + fn + ": " + why + ">"};
  };
  if (fn == "humanize" || fn == "humanize1024" || fn == "humanizePercentage" ||
      fn == "humanizeDuration") {
    const auto v = number(0);
    if (!v) return bad("not a number");
    if (fn == "humanize") return Humanize(*v);
    if (fn == "humanize1024") return Humanize1024(*v);
    if (fn == "humanizePercentage") return HumanizePercentage(*v);
    return HumanizeDuration(*v);
  }
  if (fn == "printf") {
    if (args.empty()) return bad("missing format");
    std::vector<std::string> texts;
    std::vector<std::optional<double>> numbers;
    for (size_t i = 1; i < args.size(); ++i) {
      texts.push_back(ToText(args[i]));
      numbers.push_back(std::holds_alternative<double>(args[i]) ? AsNumber(args[i]) : std::nullopt);
    }
    return GoPrintf(ToText(args[0]), texts, numbers);
  }
  if (fn == "toUpper" || fn == "toLower" || fn == "title" || fn == "stripPort") {
    if (args.size() != 1) return bad("wants one argument");
    std::string s = ToText(args[0]);
    if (fn == "stripPort") return StripPort(s);
    bool word_start = true;
    for (char& ch : s) {
      const auto u = static_cast<unsigned char>(ch);
      if (fn == "toUpper" || (fn == "title" && word_start)) ch = static_cast<char>(std::toupper(u));
      if (fn == "toLower") ch = static_cast<char>(std::tolower(u));
      word_start = std::isspace(u);
    }
    return s;
  }
  if (fn == "not") return args.size() == 1 ? Value{!Truth(args[0])} : bad("wants one argument");
  if (fn == "and" || fn == "or") {
    if (args.empty()) return bad("wants arguments");
    for (const Value& a : args) {
      if (Truth(a) != (fn == "and")) return a;
    }
    return args.back();
  }
  if (args.size() != 2) return bad("wants two arguments");
  const int c = Compare(args[0], args[1]);
  if (fn == "eq") return c == 0;
  if (fn == "ne") return c != 0;
  if (fn == "lt") return c < 0;
  if (fn == "le") return c <= 0;
  if (fn == "gt") return c > 0;
  return c >= 0;  // ge
}

Value Operand(const Arg& a, const TemplateData& data) {
  switch (a.kind) {
    case Arg::kString:
      return a.text;
    case Arg::kNumber:
      return a.number;
    case Arg::kField:
      if (a.text == "value") return data.value;
      if (a.text == "externalLabels") return a.fields.empty() ? Value{LabelSet{}} : Value{""};
      if (a.fields.empty()) return data.labels;
      return std::string(data.labels.Get(a.fields[0]));
    case Arg::kFunc:
      break;
  }
  return std::string();
}

Value RunPipeline(const Pipeline& p, const TemplateData& data) {
  Value piped;
  for (size_t i = 0; i < p.size(); ++i) {
    const Command& c = p[i];
    if (c[0].kind != Arg::kFunc) {
      piped = Operand(c[0], data);
      continue;
    }
    std::vector<Value> args;
    for (size_t k = 1; k < c.size(); ++k) args.push_back(Operand(c[k], data));
    if (i > 0) args.push_back(piped);
    piped = Call(c[0].text, args);
  }
  return piped;
}

void Render(const std::vector<std::unique_ptr<Node>>& nodes, const TemplateData& data,
            std::string& out) {
  for (const auto& n : nodes) {
    switch (n->kind) {
      case Node::kText:
        out += n->text;
        break;
      case Node::kAction:
        out += ToText(RunPipeline(n->pipeline, data));
        break;
      case Node::kIf:
        Render(Truth(RunPipeline(n->pipeline, data)) ? n->children : n->otherwise, data, out);
        break;
      case Node::kList:
        Render(n->children, data, out);
        break;
    }
  }
}

}  // namespace

AlertTemplate::AlertTemplate(AlertTemplate&&) noexcept = default;
AlertTemplate& AlertTemplate::operator=(AlertTemplate&&) noexcept = default;
AlertTemplate::~AlertTemplate() = default;

Result<AlertTemplate> AlertTemplate::Parse(std::string_view text) {
  auto root = Parser(text).Run();
  if (!root) return Fail(root.error());
  AlertTemplate t;
  t.root_ = std::move(*root);
  return t;
}

bool AlertTemplate::is_plain() const {
  for (const auto& n : root_->children) {
    if (n->kind != Node::kText) return false;
  }
  return true;
}

std::string AlertTemplate::Expand(const TemplateData& data) const {
  std::string out;
  Render(root_->children, data, out);
  return out;
}

}  // namespace fw::alerting

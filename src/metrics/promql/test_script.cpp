#include "metrics/promql/test_script.h"

#include <fstream>
#include <sstream>

#include "metrics/promql/lexer.h"
#include "metrics/promql/parser.h"

namespace fw::metrics::promql {
namespace {

struct Line {
  std::string_view text;  // trimmed; empty for blank and comment lines
  int number = 0;         // 1-based
  int indent = 0;         // bytes trimmed from the left
};

std::vector<Line> SplitLines(std::string_view input) {
  std::vector<Line> lines;
  int number = 0;
  size_t pos = 0;
  while (pos <= input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) nl = input.size();
    std::string_view raw = input.substr(pos, nl - pos);
    Line l{raw, ++number, 0};
    while (!l.text.empty() && std::isspace(static_cast<unsigned char>(l.text.front()))) {
      l.text.remove_prefix(1);
      ++l.indent;
    }
    while (!l.text.empty() && std::isspace(static_cast<unsigned char>(l.text.back()))) {
      l.text.remove_suffix(1);
    }
    if (l.text.starts_with("#")) l.text = {};
    lines.push_back(l);
    pos = nl + 1;
  }
  return lines;
}

// Whitespace-separated words, each with its offset into `s`.
std::vector<std::pair<std::string_view, size_t>> Words(std::string_view s) {
  std::vector<std::pair<std::string_view, size_t>> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start), start);
  }
  return out;
}

class ScriptParser {
 public:
  ScriptParser(std::string_view text, std::string file)
      : lines_(SplitLines(text)), file_(std::move(file)) {}
  Result<TestScript> Run();

 private:
  std::unexpected<Error> Err(const Line& l, std::string msg, int column = 0) const {
    return Fail(ErrorCode::kInvalidArgument, std::move(msg),
                SourceLocation{file_, l.number, column ? column : l.indent + 1});
  }
  Result<LoadCommand> ParseLoad(size_t& i);
  Result<EvalCommand> ParseEvalHeader(const Line& l);
  Result<bool> ParseEvalBodyLine(const Line& l, EvalCommand& eval);
  Result<bool> ParseExpect(const Line& l, EvalCommand& eval);
  Result<int64_t> Time(const Line& l, std::string_view word) const {
    auto t = ParseDurationPromql(word);
    if (!t) return Err(l, t.error().message());
    return t;
  }

  std::vector<Line> lines_;
  std::string file_;
};

Result<TestScript> ScriptParser::Run() {
  TestScript script;
  script.file = file_;
  bool ignoring = false;
  for (size_t i = 0; i < lines_.size(); ++i) {
    const Line& l = lines_[i];
    if (l.text.empty()) continue;
    auto words = Words(l.text);
    std::string_view cmd = words[0].first;
    if (cmd == "load" || cmd == "load_with_nhcb") {
      auto load = ParseLoad(i);
      if (!load) return std::unexpected(load.error());
      script.commands.push_back(std::move(*load));
    } else if (cmd == "clear") {
      ClearCommand clear;
      clear.line = l.number;
      script.commands.emplace_back(std::in_place_type<ClearCommand>, clear);
    } else if (cmd == "ignore" || cmd == "resume") {
      ignoring = cmd == "ignore";
    } else if (cmd.starts_with("eval")) {
      auto eval = ParseEvalHeader(l);
      if (!eval) return std::unexpected(eval.error());
      eval->ignored = ignoring;
      while (i + 1 < lines_.size() && !lines_[i + 1].text.empty()) {
        auto ok = ParseEvalBodyLine(lines_[++i], *eval);
        if (!ok) return std::unexpected(ok.error());
      }
      script.commands.push_back(std::move(*eval));
    } else {
      return Err(l, "unknown command \"" + std::string(cmd) + "\"");
    }
  }
  return script;
}

Result<LoadCommand> ScriptParser::ParseLoad(size_t& i) {
  const Line& head = lines_[i];
  auto words = Words(head.text);
  if (words.size() != 2) return Err(head, "expected \"load <step>\"");
  LoadCommand load;
  load.line = head.number;
  load.with_nhcb = words[0].first == "load_with_nhcb";
  auto step = Time(head, words[1].first);
  if (!step) return std::unexpected(step.error());
  load.step_ms = *step;
  while (i + 1 < lines_.size() && !lines_[i + 1].text.empty()) {
    const Line& l = lines_[++i];
    auto s = ParseSeriesLine(l.text);
    if (!s) return Err(l, s.error().message());
    LoadedSeries ls{std::move(s->labels), {}, {}, s->start_timestamps, l.number};
    for (size_t k = 0; k < s->values.size(); ++k) {
      const SeriesValue& v = s->values[k];
      const int64_t t = static_cast<int64_t>(k) * load.step_ms;
      if (v.kind == SeriesValue::Kind::kFloat) ls.samples.push_back({t, v.value});
      if (v.kind == SeriesValue::Kind::kStale) ls.samples.push_back({t, StaleNaN()});
      if (v.kind == SeriesValue::Kind::kHistogram) ls.histograms.push_back({t, v.histogram});
    }
    load.series.push_back(std::move(ls));
  }
  return load;
}

Result<EvalCommand> ScriptParser::ParseEvalHeader(const Line& l) {
  EvalCommand eval;
  eval.file = file_;
  eval.line = l.number;
  auto words = Words(l.text);
  std::string_view cmd = words[0].first;
  auto expect = [&](ExpectKind k) {
    eval.expectations.push_back(Expectation{k, Expectation::Match::kAny, ""});
  };
  if (cmd == "eval_fail")
    expect(ExpectKind::kFail);
  else if (cmd == "eval_warn")
    expect(ExpectKind::kWarn);
  else if (cmd == "eval_info")
    expect(ExpectKind::kInfo);
  else if (cmd == "eval_ordered")
    expect(ExpectKind::kOrdered);
  else if (cmd != "eval")
    return Err(l, "unknown command \"" + std::string(cmd) + "\"");
  auto word = [&](size_t k) { return k < words.size() ? words[k].first : std::string_view{}; };
  size_t query_word = 0;
  if (word(1) == "instant") {
    query_word = 2;
    if (word(2) == "at") {
      auto at = Time(l, word(3));
      if (!at) return std::unexpected(at.error());
      eval.at_ms = *at;
      query_word = 4;
    }
  } else if (word(1) == "range" && word(2) == "from" && word(4) == "to" && word(6) == "step") {
    eval.is_range = true;
    auto start = Time(l, word(3));
    auto end = Time(l, word(5));
    auto step = Time(l, word(7));
    if (!start || !end || !step) return Err(l, "invalid time in range eval");
    eval.start_ms = *start, eval.end_ms = *end, eval.step_ms = *step;
    query_word = 8;
  } else {
    return Err(l,
               "expected \"eval instant at <time> <query>\" or \"eval range from <t> to <t> "
               "step <d> <query>\"");
  }
  if (query_word >= words.size()) return Err(l, "missing query");
  const size_t offset = words[query_word].second;
  eval.query = std::string(l.text.substr(offset));
  eval.query_column = l.indent + static_cast<int>(offset) + 1;
  return eval;
}

Result<bool> ScriptParser::ParseEvalBodyLine(const Line& l, EvalCommand& eval) {
  if (l.text.starts_with("expect ")) return ParseExpect(l, eval);
  for (std::string_view key : {"expected_fail_message", "expected_fail_regexp"}) {
    if (l.text.starts_with(key)) {
      std::string_view rest = l.text.substr(key.size());
      while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
        rest.remove_prefix(1);
      Expectation::Match m =
          key == "expected_fail_message" ? Expectation::Match::kExact : Expectation::Match::kRegex;
      eval.expectations.push_back({ExpectKind::kFail, m, std::string(rest)});
      return true;
    }
  }
  if (auto v = ParseNumberLiteral(l.text)) {
    eval.expected_scalar = *v;
    return true;
  }
  auto s = ParseSeriesLine(l.text);
  if (!s) return Err(l, s.error().message());
  eval.unsupported |= s->start_timestamps;
  eval.expected_series.push_back(std::move(*s));
  return true;
}

Result<bool> ScriptParser::ParseExpect(const Line& l, EvalCommand& eval) {
  auto words = Words(l.text);
  std::string_view kind = words.size() > 1 ? words[1].first : std::string_view{};
  if (kind == "string") {
    std::string_view lit = l.text.substr(words[1].second + kind.size());
    auto toks = Lex(lit);
    if (!toks || (*toks)[0].kind != TokenKind::kString || (*toks)[1].kind != TokenKind::kEof) {
      return Err(l, "expected a quoted string after \"expect string\"");
    }
    eval.expected_string = (*toks)[0].text;
    return true;
  }
  if (kind == "range") {
    auto w = [&](size_t k) { return k < words.size() ? words[k].first : std::string_view{}; };
    if (w(2) != "vector" || w(3) != "from" || w(5) != "to" || w(7) != "step" || words.size() != 9) {
      return Err(l, "expected \"expect range vector from <t> to <t> step <d>\"");
    }
    auto start = Time(l, w(4)), end = Time(l, w(6)), step = Time(l, w(8));
    if (!start || !end || !step) return Err(l, "invalid time in expect range vector");
    eval.expected_range_vector = EvalCommand::RangeVector{*start, *end, *step};
    return true;
  }
  static constexpr std::pair<std::string_view, ExpectKind> kKinds[] = {
      {"fail", ExpectKind::kFail},      {"warn", ExpectKind::kWarn},
      {"info", ExpectKind::kInfo},      {"no_warn", ExpectKind::kNoWarn},
      {"no_info", ExpectKind::kNoInfo}, {"ordered", ExpectKind::kOrdered},
  };
  Expectation e;
  bool known = false;
  for (const auto& [name, k] : kKinds) {
    if (kind == name) e.kind = k, known = true;
  }
  if (!known) return Err(l, "unknown expectation \"" + std::string(kind) + "\"");
  std::string_view rest = words.size() > 2 ? l.text.substr(words[2].second) : std::string_view{};
  if (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string_view match = rest.substr(0, colon);
    if (colon == std::string_view::npos || (match != "msg" && match != "regex")) {
      return Err(
          l, "expected \"msg: <text>\" or \"regex: <pattern>\" after expect " + std::string(kind));
    }
    e.match = match == "msg" ? Expectation::Match::kExact : Expectation::Match::kRegex;
    std::string_view text = rest.substr(colon + 1);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = text.substr(1, text.size() - 2);
    e.text = std::string(text);
  }
  eval.expectations.push_back(std::move(e));
  return true;
}

}  // namespace

bool EvalCommand::Has(ExpectKind k) const {
  for (const auto& e : expectations) {
    if (e.kind == k) return true;
  }
  return false;
}

int TestScript::CountEvals() const {
  int n = 0;
  for (const auto& c : commands) n += std::holds_alternative<EvalCommand>(c);
  return n;
}

int TestScript::CountLoads() const {
  int n = 0;
  for (const auto& c : commands) n += std::holds_alternative<LoadCommand>(c);
  return n;
}

Result<TestScript> ParseTestScript(std::string_view text, const std::string& file_name) {
  return ScriptParser(text, file_name).Run();
}

Result<TestScript> ReadTestScript(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(ErrorCode::kIo, "cannot open test script " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseTestScript(ss.str(), path);
}

}  // namespace fw::metrics::promql

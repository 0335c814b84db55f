#include "logs/insights/pattern.h"

#include <algorithm>

namespace fw::logs::insights {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a token and stay in the template as written, so JSON
// and key=value lines keep their keys: {"status":<*>,"route":"/cart"}.
bool IsDelimiter(char c) {
  switch (c) {
    case ',':
    case ';':
    case ':':
    case '=':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case '\'':
      return true;
    default:
      return false;
  }
}

void Flush(std::string& out, std::string_view token) {
  if (token.empty()) return;
  const bool variable =
      std::any_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (variable) {
    out += "<*>";
  } else {
    out += token;
  }
}

}  // namespace

std::string PatternOf(std::string_view text) {
  std::string out;
  size_t start = 0;
  bool pending_space = false;
  for (size_t i = 0; i <= text.size(); ++i) {
    const bool end = i == text.size();
    if (!end && !IsSpace(text[i]) && !IsDelimiter(text[i])) continue;
    if (i > start) {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      Flush(out, text.substr(start, i - start));
    }
    start = i + 1;
    if (end) break;
    if (IsSpace(text[i])) {
      pending_space = true;
    } else {
      if (pending_space && !out.empty()) out += ' ';
      pending_space = false;
      out += text[i];
    }
  }
  // A time or an address splits at ':' into variable parts; show it as one.
  for (size_t at; (at = out.find("<*>:<*>")) != std::string::npos;) out.erase(at, 4);
  return out;
}

Result<void> PatternRunner::Add(const Row& row) {
  const Value v = Eval(*c_.source, row);
  if (v.is_null()) return {};
  const std::string text = v.ToString();
  std::string p = PatternOf(text);
  auto [it, added] = index_.try_emplace(p, clusters_.size());
  if (added) {
    if (static_cast<int64_t>(clusters_.size()) >= max_groups_) {
      return Fail(ErrorCode::kTooLarge, "pattern found more than " + std::to_string(max_groups_) +
                                            " templates (memory limit); filter first, or raise "
                                            "--max-groups");
    }
    clusters_.push_back(Cluster{std::move(p), text, 0});
  }
  ++clusters_[it->second].count;
  ++total_;
  return {};
}

std::vector<Row> PatternRunner::Finish() {
  std::sort(clusters_.begin(), clusters_.end(), [](const Cluster& a, const Cluster& b) {
    return a.count != b.count ? a.count > b.count : a.pattern < b.pattern;
  });
  std::vector<Row> out;
  for (const Cluster& c : clusters_) {
    Row r;
    r.from_stats = true;
    r.seq = static_cast<int64_t>(out.size());
    r.Set("@pattern", Value::String(c.pattern));
    r.Set("@sampleCount", Value::Number(static_cast<double>(c.count)));
    r.Set("@ratio", Value::Number(static_cast<double>(c.count) / static_cast<double>(total_)));
    r.Set("@sample", Value::String(c.sample));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace fw::logs::insights

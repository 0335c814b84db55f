#include "common/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "common/depth.h"

namespace fw {

YAML::Node YamlChild(const YAML::Node& map, const std::string& key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : map) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

namespace {

// Walks the parser's events once, counting nodes as a reader would see them
// (an alias counts the whole anchored node again) and the nesting, and stops
// at the first bound crossed. Iterative: the parser recurses, not this.
class BoundsCheck final : public YAML::EventHandler {
 public:
  struct Exceeded {
    YAML::Mark mark;
    std::string why;
  };

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t anchor) override { Leaf(m, anchor); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t anchor) override {
    auto it = sizes_.find(anchor);
    Add(m, it == sizes_.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Leaf(m, anchor);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(m, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(m, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  void Add(const YAML::Mark& m, uint64_t n) {
    nodes_ = std::min(nodes_ + n, kMaxYamlNodes + 1);
    if (nodes_ > kMaxYamlNodes) {
      throw Exceeded{m, "document expands to more than " + std::to_string(kMaxYamlNodes) +
                            " nodes through aliases; write it out without aliases"};
    }
  }
  void Leaf(const YAML::Mark& m, YAML::anchor_t anchor) {
    Add(m, 1);
    if (anchor) sizes_[anchor] = 1;
  }
  void Open(const YAML::Mark& m, YAML::anchor_t anchor) {
    if (static_cast<int>(open_.size()) >= kMaxYamlDepth) {
      throw Exceeded{m, NestedTooDeep("document", kMaxYamlDepth)};
    }
    open_.push_back({anchor, nodes_});
    Add(m, 1);
  }
  void Close() {
    if (open_.empty()) return;
    const auto [anchor, start] = open_.back();
    open_.pop_back();
    if (anchor) sizes_[anchor] = nodes_ - start;
  }

  uint64_t nodes_ = 0;
  std::vector<std::pair<YAML::anchor_t, uint64_t>> open_;
  std::map<YAML::anchor_t, uint64_t> sizes_;
};

}  // namespace

Result<YAML::Node> LoadYaml(const std::string& text, const std::string& source_name) {
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    BoundsCheck check;
    while (parser.HandleNextDocument(check)) {
    }
  } catch (const BoundsCheck::Exceeded& e) {
    return Fail(ErrorCode::kInvalidArgument, "YAML " + e.why,
                {source_name, e.mark.line + 1, e.mark.column + 1});
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, "malformed YAML: " + e.msg,
                {source_name, e.mark.line + 1, e.mark.column + 1});
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kInvalidArgument, "malformed YAML: " + e.msg,
                {source_name, e.mark.line + 1, e.mark.column + 1});
  }
}

void YamlReader::Fail(const YAML::Node& at, const std::string& path, const std::string& why) {
  SourceLocation loc{source_, 1, 1};
  if (at.IsDefined() && at.Mark().line >= 0) {
    loc.line = at.Mark().line + 1;
    loc.column = at.Mark().column + 1;
  }
  errors_.emplace_back(ErrorCode::kInvalidArgument, (path.empty() ? "" : path + ": ") + why, loc);
}

void YamlReader::FailAt(int line, int column, const std::string& path, const std::string& why) {
  errors_.emplace_back(ErrorCode::kInvalidArgument, (path.empty() ? "" : path + ": ") + why,
                       SourceLocation{source_, line, column});
}

bool YamlReader::Keys(const YAML::Node& map, const std::string& path,
                      const std::set<std::string>& allowed) {
  if (!map.IsDefined() || map.IsNull()) return true;
  if (!map.IsMap()) {
    Fail(map, path, "expected a mapping");
    return false;
  }
  for (const auto& kv : map) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    Fail(kv.first, Join(path, key), "unknown field (expected one of: " + list + ")");
  }
  return true;
}

void YamlReader::Str(const YAML::Node& map, const std::string& path, const char* key,
                     std::string& out) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsScalar()) return Fail(n, Join(path, key), "expected a string");
  out = n.Scalar();
}

void YamlReader::Bool(const YAML::Node& map, const std::string& path, const char* key, bool& out) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) {
    return Fail(n, Join(path, key), "expected true or false");
  }
  out = v;
}

void YamlReader::Uint(const YAML::Node& map, const std::string& path, const char* key,
                      uint64_t& out) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  uint64_t v = 0;
  bool digits = !s.empty() && s.size() <= 18;
  for (char c : s) {
    digits = digits && std::isdigit(static_cast<unsigned char>(c));
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!digits) return Fail(n, Join(path, key), "expected a whole number >= 0, got \"" + s + "\"");
  out = v;
}

void YamlReader::Dur(const YAML::Node& map, const std::string& path, const char* key, Millis& out) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  if (!n.IsScalar()) return Fail(n, Join(path, key), "expected a duration like 15s");
  auto d = ParseDuration(n.Scalar());
  if (!d) return Fail(n, Join(path, key), d.error().message());
  if (d->count() == 0) return Fail(n, Join(path, key), "must be > 0");
  out = *d;
}

void YamlReader::StrMap(const YAML::Node& map, const std::string& path, const char* key,
                        std::vector<std::pair<std::string, std::string>>& out,
                        std::string (*valid_key)(const std::string&)) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  const std::string here = Join(path, key);
  if (!n.IsMap()) return Fail(n, here, "expected a mapping of names to strings");
  for (const auto& kv : n) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (valid_key) {
      if (std::string why = valid_key(name); !why.empty()) {
        Fail(kv.first, Join(here, name), why);
        continue;
      }
    }
    if (!kv.second.IsScalar() && !kv.second.IsNull()) {
      Fail(kv.second, Join(here, name), "expected a string");
      continue;
    }
    out.emplace_back(name, kv.second.IsNull() ? "" : kv.second.Scalar());
  }
}

void YamlReader::StrList(const YAML::Node& map, const std::string& path, const char* key,
                         std::vector<std::string>& out) {
  const YAML::Node n = YamlChild(map, key);
  if (!n.IsDefined() || n.IsNull()) return;
  const std::string here = Join(path, key);
  if (!n.IsSequence()) return Fail(n, here, "expected a list of strings");
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) {
      Fail(n[i], Index(here, i), "expected a string");
      continue;
    }
    out.push_back(n[i].Scalar());
  }
}

}  // namespace fw

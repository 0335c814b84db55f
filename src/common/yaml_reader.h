#pragma once
// YamlReader walks a YAML document for a config parser: it converts fields,
// rejects unknown keys, and records every problem as an Error naming
// file:line:column and the dotted field path ("scrape_configs[2].job_name:
// required"). Parsers keep going after an error, so `firewatch check` can
// list them all; ok() says whether any was found. Not thread-safe.
//
// Missing keys leave the output untouched (its default); explicit nulls too.

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/error.h"

namespace fw {

// A child that is safe to inspect even when absent (yaml-cpp's operator[] on
// a missing key yields a node that throws on use). Undefined when absent.
YAML::Node YamlChild(const YAML::Node& map, const std::string& key);

// Bounds on a YAML document before it is loaded: nesting, and nodes counted
// with every alias expanded (an alias bomb of a few hundred bytes expands to
// billions of nodes for whoever walks or prints it).
inline constexpr int kMaxYamlDepth = 128;
inline constexpr uint64_t kMaxYamlNodes = 1'000'000;

// Parses `text` into a document; an empty document is a null node. Syntax
// errors carry the source position, and so do documents over the bounds
// above ("nested deeper than 128 levels", "expands to more than 1000000
// nodes through aliases").
Result<YAML::Node> LoadYaml(const std::string& text, const std::string& source_name);

class YamlReader {
 public:
  explicit YamlReader(std::string source) : source_(std::move(source)) {}

  bool ok() const { return errors_.empty(); }
  size_t error_count() const { return errors_.size(); }
  const std::vector<Error>& errors() const { return errors_; }
  const std::string& source() const { return source_; }

  // Records an error at `at` (or at the start of the file when `at` has no
  // position): "path: why".
  void Fail(const YAML::Node& at, const std::string& path, const std::string& why);
  // The same at an explicit 1-based line and column (a position inside a
  // scalar, found by the caller).
  void FailAt(int line, int column, const std::string& path, const std::string& why);

  // Rejects keys outside `allowed`: a typo must not be silently ignored.
  // Returns false (after recording) when `map` is not a mapping.
  bool Keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& allowed);

  // Field readers: absent or null leaves `out` unchanged; a wrong type or
  // value records an error and leaves `out` unchanged.
  void Str(const YAML::Node& map, const std::string& path, const char* key, std::string& out);
  void Bool(const YAML::Node& map, const std::string& path, const char* key, bool& out);
  void Uint(const YAML::Node& map, const std::string& path, const char* key, uint64_t& out);
  void Dur(const YAML::Node& map, const std::string& path, const char* key, Millis& out);
  // A mapping of string to string, e.g. labels. `valid_key` (optional)
  // returns an error message for a bad key, "" when fine.
  void StrMap(const YAML::Node& map, const std::string& path, const char* key,
              std::vector<std::pair<std::string, std::string>>& out,
              std::string (*valid_key)(const std::string&) = nullptr);
  // A sequence of strings.
  void StrList(const YAML::Node& map, const std::string& path, const char* key,
               std::vector<std::string>& out);

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
  static std::string Index(const std::string& path, size_t i) {
    return path + "[" + std::to_string(i) + "]";
  }

 private:
  std::string source_;
  std::vector<Error> errors_;
};

}  // namespace fw

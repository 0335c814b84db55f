#include "common/labels.h"

#include <algorithm>

namespace fw {

LabelSet::LabelSet(std::initializer_list<Label> labels) {
  for (const Label& l : labels) Set(l.name, l.value);
}

void LabelSet::Set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  const bool present = it != labels_.end() && it->name == name;
  if (value.empty()) {
    if (present) labels_.erase(it);
    return;
  }
  if (present) {
    it->value = std::string(value);
  } else {
    labels_.insert(it, Label{std::string(name), std::string(value)});
  }
}

std::string_view LabelSet::Get(std::string_view name) const {
  auto it = std::lower_bound(labels_.begin(), labels_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != labels_.end() && it->name == name) return it->value;
  return {};
}

bool LabelSet::Has(std::string_view name) const { return !Get(name).empty(); }

uint64_t LabelSet::Hash() const {
  // FNV-1a over name\xff value\xff; the separator keeps {a="bc"} != {ab="c"}.
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
  };
  for (const Label& l : labels_) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string LabelSet::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (i) out += ',';
    out += labels_[i].name;
    out += "=\"";
    out += EscapeLabelValue(labels_[i].value);
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace fw

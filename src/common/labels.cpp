#include "common/labels.h"

#include <algorithm>

namespace fw {

LabelSet::LabelSet(std::initializer_list<Label> labels) {
  for (const Label& l : labels) Set(l.name, l.value);
}

const std::vector<Label>& LabelSet::Empty() {
  static const std::vector<Label> empty;
  return empty;
}

std::vector<Label>& LabelSet::Mutable() {
  if (!rep_) {
    rep_ = std::make_shared<Rep>();
  } else if (rep_.use_count() > 1) {
    auto copy = std::make_shared<Rep>();
    copy->labels = rep_->labels;
    rep_ = std::move(copy);
  }
  rep_->hash.store(0, std::memory_order_relaxed);
  return rep_->labels;
}

void LabelSet::Set(std::string_view name, std::string_view value) {
  const std::vector<Label>& cur = labels();
  auto pos = std::lower_bound(cur.begin(), cur.end(), name,
                              [](const Label& l, std::string_view n) { return l.name < n; });
  const bool present = pos != cur.end() && pos->name == name;
  if (value.empty() && !present) return;
  if (present && pos->value == value) return;
  const size_t i = pos - cur.begin();
  std::vector<Label>& labels = Mutable();  // may reallocate: index, not iterator
  if (value.empty()) {
    labels.erase(labels.begin() + i);
    if (labels.empty()) rep_.reset();
  } else if (present) {
    labels[i].value = std::string(value);
  } else {
    labels.insert(labels.begin() + i, Label{std::string(name), std::string(value)});
  }
}

std::string_view LabelSet::Get(std::string_view name) const {
  const std::vector<Label>& cur = labels();
  auto it = std::lower_bound(cur.begin(), cur.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != cur.end() && it->name == name) return it->value;
  return {};
}

bool LabelSet::Has(std::string_view name) const { return !Get(name).empty(); }

uint64_t LabelSet::Hash() const {
  if (!rep_) return 1469598103934665603ULL;  // FNV offset: the hash of no labels
  if (uint64_t cached = rep_->hash.load(std::memory_order_relaxed)) return cached;
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
  for (const Label& l : rep_->labels) {
    mix(l.name);
    mix(l.value);
  }
  if (h == 0) h = 1;  // 0 means "not computed"
  rep_->hash.store(h, std::memory_order_relaxed);
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
  const std::vector<Label>& cur = labels();
  for (size_t i = 0; i < cur.size(); ++i) {
    if (i) out += ',';
    out += cur[i].name;
    out += "=\"";
    out += EscapeLabelValue(cur[i].value);
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace fw

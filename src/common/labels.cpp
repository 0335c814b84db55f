#include "common/labels.h"

#include <algorithm>
#include <cstring>

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

LabelSet::LabelSet(std::vector<Label> labels) {
  // Stable, so that among equal names the later pair stays last.
  std::stable_sort(labels.begin(), labels.end(),
                   [](const Label& a, const Label& b) { return a.name < b.name; });
  size_t out = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i + 1 < labels.size() && labels[i + 1].name == labels[i].name) continue;
    if (labels[i].value.empty()) continue;
    if (out != i) labels[out] = std::move(labels[i]);
    ++out;
  }
  labels.resize(out);
  if (labels.empty()) return;
  rep_ = std::make_shared<Rep>();
  rep_->labels = std::move(labels);
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

namespace {

// One multiply-xorshift round per 8 bytes: series lookups hash every
// incoming label set, so a byte-at-a-time hash shows up in ingest profiles.
inline uint64_t Absorb(uint64_t h, uint64_t word) {
  h ^= word;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 32);
}

// Absorbs the length first, which keeps {a="bc"} and {ab="c"} apart.
uint64_t AbsorbString(uint64_t h, std::string_view s) {
  h = Absorb(h, s.size());
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    h = Absorb(h, word);
  }
  if (i < s.size()) {
    uint64_t word = 0;
    std::memcpy(&word, s.data() + i, s.size() - i);
    h = Absorb(h, word);
  }
  return h;
}

}  // namespace

uint64_t LabelSet::Hash() const {
  constexpr uint64_t kSeed = 0x6A09E667F3BCC908ULL;
  if (!rep_) return kSeed;
  if (uint64_t cached = rep_->hash.load(std::memory_order_relaxed)) return cached;
  uint64_t h = kSeed;
  for (const Label& l : rep_->labels) {
    h = AbsorbString(h, l.name);
    h = AbsorbString(h, l.value);
  }
  // splitmix64's finalizer spreads the last word's bits over the whole hash.
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ULL;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBULL;
  h ^= h >> 31;
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

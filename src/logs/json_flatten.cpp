#include "logs/json_flatten.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "common/text.h"

namespace fw::logs {
namespace {

constexpr int kMaxDepth = 64;

// The length of the run at p (of at most n bytes) holding no quote, no
// backslash and no control character: the bytes a string copies as they are.
// Sixteen at a time where SSE2 is there; strings are most of a log line.
size_t PlainRun(const char* p, size_t n) {
  size_t i = 0;
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i below_space = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // x <= 0x1F unsigned exactly when min(x, 0x1F) == x.
    const __m128i stop =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, backslash)),
                     _mm_cmpeq_epi8(_mm_min_epu8(x, below_space), x));
    if (const int mask = _mm_movemask_epi8(stop))
      return i + static_cast<size_t>(__builtin_ctz(mask));
  }
#endif
  for (; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '"' || c == '\\' || c < 0x20) break;
  }
  return i;
}

class Flattener {
 public:
  Flattener(std::string_view s, std::vector<std::pair<std::string, Value>>& out,
            const FieldSet* wanted)
      : s_(s), out_(out), first_field_(out.size()), wanted_(wanted) {}

  bool Run() {
    SkipSpace();
    if (!Peek('{')) return false;
    std::string path;
    if (!ParseValue(path, 0)) return false;
    SkipSpace();
    return i_ == s_.size();
  }

 private:
  bool Peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void SkipSpace() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  bool Wanted(const std::string& path) const { return !wanted_ || wanted_->Contains(path); }

  void Emit(const std::string& path, Value v) {
    if (!Wanted(path)) return;
    for (size_t k = first_field_; k < out_.size(); ++k) {
      if (out_[k].first == path) {  // a repeated key: the last one wins
        out_[k].second = std::move(v);
        return;
      }
    }
    out_.emplace_back(path, std::move(v));
  }

  bool ParseValue(std::string& path, int depth) {
    SkipSpace();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if ((c == '{' || c == '[') && depth >= kMaxDepth) {
      const size_t start = i_;
      if (!SkipComposite()) return false;
      Emit(path, Value::String(std::string(s_.substr(start, i_ - start))));
      return true;
    }
    if (c == '{') return ParseObject(path, depth);
    if (c == '[') return ParseArray(path, depth);
    if (c == '"') {
      if (!Wanted(path)) return SkipString();  // validated, not kept
      std::string str;
      if (!ParseString(str)) return false;
      Emit(path, Value::String(std::move(str)));
      return true;
    }
    if (c == 't' || c == 'f') {
      const bool b = c == 't';
      if (!Literal(b ? "true" : "false")) return false;
      return Emit(path, Value::Bool(b)), true;
    }
    if (c == 'n') return Literal("null");
    double d;
    if (!Wanted(path)) return SkipNumber();
    if (!ParseNumber(d)) return false;
    Emit(path, Value::Number(d));
    return true;
  }

  bool ParseObject(std::string& path, int depth) {
    ++i_;  // {
    SkipSpace();
    if (Peek('}')) return ++i_, true;
    const size_t base = path.size();
    while (true) {
      SkipSpace();
      if (!Peek('"')) return false;
      if (base > 0) path += '.';
      // Most keys have no escapes: append them straight from the line.
      const size_t run = PlainRun(s_.data() + i_ + 1, s_.size() - i_ - 1);
      if (i_ + 1 + run < s_.size() && s_[i_ + 1 + run] == '"') {
        path.append(s_.data() + i_ + 1, run);
        i_ += run + 2;
      } else {
        key_.clear();  // reused: no allocation per key
        if (!ParseString(key_)) return false;
        path += key_;
      }
      SkipSpace();
      if (!Peek(':')) return false;
      ++i_;
      if (!ParseValue(path, depth + 1)) return false;
      path.resize(base);
      SkipSpace();
      if (Peek(',')) {
        ++i_;
        continue;
      }
      if (Peek('}')) return ++i_, true;
      return false;
    }
  }

  bool ParseArray(std::string& path, int depth) {
    ++i_;  // [
    SkipSpace();
    if (Peek(']')) return ++i_, true;
    const size_t base = path.size();
    for (size_t n = 0;; ++n) {
      if (base > 0) path += '.';
      path += std::to_string(n);
      if (!ParseValue(path, depth + 1)) return false;
      path.resize(base);
      SkipSpace();
      if (Peek(',')) {
        ++i_;
        continue;
      }
      if (Peek(']')) return ++i_, true;
      return false;
    }
  }

  // Skips a nested object or array, checking only that brackets and strings balance.
  bool SkipComposite() {
    int level = 0;
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '"') {
        std::string ignored;
        if (!ParseString(ignored)) return false;
        continue;
      }
      ++i_;
      if (c == '{' || c == '[') ++level;
      if ((c == '}' || c == ']') && --level == 0) return true;
    }
    return false;
  }

  bool Hex4(uint32_t& cp) {
    if (i_ + 4 > s_.size()) return false;
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = HexDigitValue(s_[i_ + k]);
      if (h < 0) return false;
      cp = cp * 16 + static_cast<uint32_t>(h);
    }
    i_ += 4;
    return true;
  }

  bool Escape(std::string& out) {
    if (i_ >= s_.size()) return false;
    const char e = s_[i_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return false;
    }
    uint32_t cp;
    if (!Hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      uint32_t low;
      if (!Literal("\\u") || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, cp);
    return true;
  }

  bool ParseString(std::string& out) {
    ++i_;  // "
    while (i_ < s_.size()) {
      // Copy the run up to the next quote, backslash or control character at once.
      const size_t j = i_ + PlainRun(s_.data() + i_, s_.size() - i_);
      out.append(s_.data() + i_, j - i_);
      i_ = j;
      if (i_ >= s_.size()) return false;
      const char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\' || !Escape(out)) return false;
    }
    return false;
  }

  // ParseString without keeping the text (escapes are still checked).
  bool SkipString() {
    ++i_;  // "
    const size_t n = s_.size();
    while (i_ < n) {
      i_ += PlainRun(s_.data() + i_, n - i_);
      if (i_ >= n) return false;
      const char c = s_[i_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c == '\\') {
        scratch_.clear();
        if (!Escape(scratch_)) return false;
      }
    }
    return false;
  }

  // Moves past a number, checking its grammar; false when it has none.
  bool ScanNumber(bool& exponent) {
    if (Peek('-')) ++i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ - from;
    };
    if (Peek('0')) {
      ++i_;
    } else if (digits() == 0) {
      return false;
    }
    if (Peek('.')) {
      ++i_;
      if (digits() == 0) return false;
    }
    exponent = Peek('e') || Peek('E');
    if (exponent) {
      ++i_;
      if (Peek('+') || Peek('-')) ++i_;
      if (digits() == 0) return false;
    }
    return true;
  }

  // A number not kept: converted only when it could be out of a double's
  // range, which makes the line not JSON.
  bool SkipNumber() {
    const size_t start = i_;
    bool exponent;
    if (!ScanNumber(exponent)) return false;
    if (!exponent && i_ - start <= 300) return true;
    i_ = start;
    double d;
    return ParseNumber(d);
  }

  bool ParseNumber(double& d) {
    const size_t start = i_;
    bool exponent;
    if (!ScanNumber(exponent)) return false;
    const auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + i_, d);
    // Too small for a double is 0; too large is not a number we can hold,
    // and the line is kept as plain text (nlohmann-json agrees on both).
    if (ec == std::errc::result_out_of_range) {
      d = std::strtod(std::string(s_.substr(start, i_ - start)).c_str(), nullptr);
      return !std::isinf(d);
    }
    return ec == std::errc() && end == s_.data() + i_;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::vector<std::pair<std::string, Value>>& out_;
  size_t first_field_;
  const FieldSet* wanted_;
  std::string scratch_, key_;
};

}  // namespace

bool FlattenJsonObject(std::string_view line, std::vector<std::pair<std::string, Value>>& out,
                       const FieldSet* wanted) {
  const size_t before = out.size();
  if (Flattener(line, out, wanted).Run()) return true;
  out.resize(before);
  return false;
}

}  // namespace fw::logs

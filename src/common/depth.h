#pragma once
// Bounds the recursion of a parser or evaluator by a fixed nesting limit, so
// that no input, however deeply nested, can overflow the stack. Every
// recursive descent reachable from a request holds one DepthScope per call
// (PromQL, Logs Insights, templates); docs/server.md lists the limits.
//
//   Result<ExprPtr> Parser::ParseOperand() {
//     DepthScope scope(depth_);
//     if (!scope.Deeper(max_depth_)) return error(NestedTooDeep("expression", max_depth_));
//     ...
//     while (more operators) {  // each turn nests the left side one level deeper
//       if (!scope.Deeper(max_depth_)) return error(...);
//
// The counter goes back to its value at construction when the scope ends.
// Counting loop turns too keeps the tree that a loop builds (a + b + c ...)
// within the limit, so that walking or destroying it later is bounded as well.

#include <string>
#include <string_view>

namespace fw {

class DepthScope {
 public:
  explicit DepthScope(int& depth) : depth_(depth), saved_(depth) {}
  ~DepthScope() { depth_ = saved_; }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;

  // One level deeper; false once the depth is over `max`.
  [[nodiscard]] bool Deeper(int max) { return ++depth_ <= max; }

 private:
  int& depth_;
  int saved_;
};

// "<what> nested deeper than <max> levels", the one wording of this error.
inline std::string NestedTooDeep(std::string_view what, int max) {
  return std::string(what) + " nested deeper than " + std::to_string(max) + " levels";
}

}  // namespace fw

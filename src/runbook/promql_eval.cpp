#include "runbook/promql_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "metrics/promql/engine.h"
#include "metrics/promql/parser.h"

namespace fw::runbook {
namespace {

namespace promql = metrics::promql;

Result<promql::QueryResult> Query(const promql::Queryable& metrics, const Template& expr,
                                  const Vars& vars, Timestamp at, std::string& rendered) {
  auto text = expr.Render(vars);
  if (!text) return Fail(text.error());
  rendered = *text;
  auto parsed = promql::ParseExpr(rendered);
  if (!parsed) return Fail(parsed.error().WithContext("invalid PromQL \"" + rendered + "\""));
  return promql::InstantQuery(metrics, **parsed, at);
}

std::string Describe(const promql::VectorElement& e) {
  LabelSet l = e.labels;
  l.Set("__name__", "");
  return l.ToString() + " = " + FormatNumber(e.v);
}

void SortByLabels(promql::Vector& v) {
  std::sort(v.begin(), v.end(), [](const promql::VectorElement& a, const promql::VectorElement& b) {
    return a.labels < b.labels;
  });
}

}  // namespace

std::string FormatNumber(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

Result<ConditionResult> EvalCondition(const promql::Queryable& metrics, const Template& expr,
                                      const Vars& vars, Timestamp at) {
  ConditionResult out;
  auto r = Query(metrics, expr, vars, at, out.query);
  if (!r) return Fail(r.error());
  promql::Value& v = r->value;
  if (v.type == promql::ValueType::kScalar) {
    out.holds = v.scalar != 0;
    out.summary = "scalar " + FormatNumber(v.scalar);
  } else if (v.vector.empty()) {
    out.summary = "no result";
  } else {
    SortByLabels(v.vector);
    out.holds = true;
    out.summary = (v.vector.size() == 1 ? "" : std::to_string(v.vector.size()) + " series; ") +
                  Describe(v.vector.front());
  }
  return out;
}

Result<ConditionResult> EvalCondition(const promql::Queryable& metrics, const std::string& expr,
                                      const Vars& vars, Timestamp at) {
  auto t = Template::Parse(expr);
  if (!t) return Fail(t.error());
  return EvalCondition(metrics, *t, vars, at);
}

Result<std::string> EvalCapture(const promql::Queryable& metrics, const Template& expr,
                                const std::map<std::string, std::string>& capture, Vars& vars,
                                Timestamp at) {
  std::string rendered;
  auto r = Query(metrics, expr, vars, at, rendered);
  if (!r) return Fail(r.error());
  promql::Value& v = r->value;
  if (v.type == promql::ValueType::kScalar) {
    promql::VectorElement e;
    e.v = v.scalar;
    v.vector.push_back(e);
  }
  if (v.vector.empty()) {
    return Fail(ErrorCode::kNotFound, "query " + rendered + " returned nothing: nothing to act on");
  }
  SortByLabels(v.vector);
  const promql::VectorElement& first = v.vector.front();
  std::string out;
  for (const auto& [var, source] : capture) {
    std::string value =
        source == "$value" ? FormatNumber(first.v) : std::string(first.labels.Get(source));
    if (value.empty()) {
      return Fail(ErrorCode::kNotFound, "query " + rendered + ": the result " + Describe(first) +
                                            " has no label " + source);
    }
    out += (out.empty() ? "" : ", ") + var + "=" + value;
    vars[var] = std::move(value);
  }
  if (v.vector.size() > 1) out += " (first of " + std::to_string(v.vector.size()) + " results)";
  return out;
}

Result<ActionCall> RenderCall(const ActionTemplate& a, const Vars& vars) {
  ActionCall call;
  call.action = a.action;
  for (const auto& [k, t] : a.args) {
    auto v = t.Render(vars);
    if (!v) return Fail(v.error().WithContext("argument " + k));
    call.args[k] = std::move(*v);
  }
  return call;
}

}  // namespace fw::runbook

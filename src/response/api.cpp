#include "response/api.h"

#include <cmath>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "logs/store/log_store.h"
#include "report/records_json.h"
#include "report/report.h"
#include "response/report_assembly.h"
#include "response/responder.h"

namespace fw::response {
namespace {

using nlohmann::json;
using server::Request;
using server::Response;

Response ErrorOf(const Error& e) {
  const int status = e.code() == ErrorCode::kNotFound          ? 404
                     : e.code() == ErrorCode::kInvalidArgument ? 400
                                                               : 500;
  return Response::ErrorJson(status, status == 404 ? "not_found" : "bad_data", e.ToString());
}

Response Analyze(incident::IncidentService& incidents, const rca::EvidenceSources& sources,
                 const std::string& id, Timestamp now) {
  auto inc = incidents.Get(id);
  if (!inc) return ErrorOf(inc.error());
  auto analysis = rca::Analyze(sources, AnalysisWindowFor(*inc, now));
  if (!analysis) return ErrorOf(analysis.error());
  std::string ranked;
  for (size_t i = 0; i < analysis->hypotheses.size() && i < 3; ++i) {
    const rca::Hypothesis& h = analysis->hypotheses[i];
    ranked += (i ? ", " : "") + h.category + " " +
              std::to_string(static_cast<int>(h.confidence * 100 + 0.5)) + "%";
  }
  auto noted = incidents.AddNote(id, "root-cause analysis: " + ranked,
                                 {"firewatch", std::string(report::kRcaSource)},
                                 report::AnalysisDetails(*analysis));
  if (!noted) return ErrorOf(noted.error());
  return Response::Json(200,
                        json({{"status", "success"}, {"data", report::AnalysisToJson(*analysis)}})
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// A number from the query string; `fallback` when absent.
Result<double> NumberParam(const Request& req, const char* name, double fallback) {
  const std::string text = req.Param(name);
  if (text.empty()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(v)) {
    return Fail(ErrorCode::kInvalidArgument,
                std::string(name) + ": expected a number, got \"" + text + "\"");
  }
  return v;
}

// GET renders; POST also stores the proposed action items when the incident
// has none (`firewatch report --save-action-items`).
Response Report(incident::IncidentService& incidents, const rca::EvidenceSources& sources,
                const Request& req, Timestamp now, const ResponseApiOptions& options) {
  const std::string& id = req.path_params.at("id");
  auto format = report::ParseReportFormat(req.Param("format", "markdown"));
  if (!format) return ErrorOf(format.error());
  ReportAssemblyOptions ro;
  ro.impact = options.impact;
  auto aov = NumberParam(req, "average_order_value", ro.impact.average_order_value);
  auto sample = NumberParam(req, "access_sample", ro.impact.access_sample);
  if (!aov) return ErrorOf(aov.error());
  if (!sample) return ErrorOf(sample.error());
  if (*aov < 0 || !(*sample > 0 && *sample <= 1)) {
    return ErrorOf(Error(ErrorCode::kInvalidArgument,
                         "average_order_value must be >= 0 and access_sample in (0, 1]"));
  }
  ro.impact.average_order_value = *aov;
  ro.impact.access_sample = *sample;
  ro.impact.currency = req.Param("currency", ro.impact.currency);
  ro.impact.checkout_route = req.Param("checkout_route", ro.impact.checkout_route);
  ro.store_action_items = req.method == "POST";
  std::vector<std::string> groups;
  for (auto [it, end] = req.query.equal_range("log_group"); it != end; ++it) {
    groups.push_back(it->second);
  }
  ReportSources rs{sources.logs, sources.changes};
  std::optional<logs::store::StoreEventSource> grouped;
  if (!groups.empty() && options.log_store) {
    grouped.emplace(*options.log_store, groups);
    rs.logs = &*grouped;
  }
  if (req.Param("impact") == "false") rs.logs = nullptr;
  auto in = AssembleReport(incidents, id, rs, now, ro);
  if (!in) return ErrorOf(in.error());
  const char* type = *format == report::ReportFormat::kJson   ? "application/json"
                     : *format == report::ReportFormat::kHtml ? "text/html; charset=utf-8"
                                                              : "text/markdown; charset=utf-8";
  Response r;
  r.status = 200;
  r.content_type = type;
  r.body = report::RenderReport(*in, *format);
  return r;
}

}  // namespace

void RegisterResponseApi(server::HttpServer& http, incident::IncidentService& incidents,
                         rca::EvidenceSources sources, Clock& clock, ResponseApiOptions options) {
  // One analysis or report at a time: the evidence sources keep scan state,
  // and both are rare, heavy requests.
  auto mu = std::make_shared<std::mutex>();
  http.Handle("POST", "/api/v1/incidents/:id/analysis", server::Role::kResponder,
              [&incidents, sources, &clock, mu](const Request& req) {
                std::lock_guard lock(*mu);
                return Analyze(incidents, sources, req.path_params.at("id"), clock.Now());
              });
  for (auto [method, role] :
       {std::pair{"GET", server::Role::kViewer}, std::pair{"POST", server::Role::kResponder}}) {
    http.Handle(method, "/api/v1/incidents/:id/report", role,
                [&incidents, sources, &clock, options, mu](const Request& req) {
                  std::lock_guard lock(*mu);
                  return Report(incidents, sources, req, clock.Now(), options);
                });
  }
}

}  // namespace fw::response

#include "response/api.h"

#include <mutex>
#include <nlohmann/json.hpp>

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
  return Response::Json(
      200, json({{"status", "success"}, {"data", report::AnalysisToJson(*analysis)}}).dump());
}

Response Report(incident::IncidentService& incidents, const rca::EvidenceSources& sources,
                const Request& req, Timestamp now, const ResponseApiOptions& options) {
  const std::string& id = req.path_params.at("id");
  auto it = req.query.find("format");
  auto format = report::ParseReportFormat(it == req.query.end() ? "markdown" : it->second);
  if (!format) return ErrorOf(format.error());
  ReportAssemblyOptions ro;
  ro.impact.average_order_value = options.average_order_value;
  auto in = AssembleReport(incidents, id, {sources.logs, sources.changes}, now, ro);
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
  http.Handle("GET", "/api/v1/incidents/:id/report", server::Role::kViewer,
              [&incidents, sources, &clock, options, mu](const Request& req) {
                std::lock_guard lock(*mu);
                return Report(incidents, sources, req, clock.Now(), options);
              });
}

}  // namespace fw::response

#include "notify/page_api.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "server/form.h"

namespace fw::notify {
namespace {

using server::Request;
using server::Response;

Response Page(int status, const std::string& title, const std::string& inner) {
  Response r = Response::Text(status,
                              "<!doctype html><html><head><meta charset=\"utf-8\"><meta "
                              "name=\"viewport\" content=\"width=device-width\"><title>" +
                                  XmlEscape(title) + "</title></head><body><h1>" +
                                  XmlEscape(title) + "</h1>" + inner + "</body></html>",
                              "text/html; charset=utf-8");
  // The token is in the URL: keep it out of other sites' Referer headers.
  r.headers.push_back({"Referrer-Policy", "no-referrer"});
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

Response Refused(const Error& e) {
  return Page(server::HttpStatusFor(e.code()), "Link refused",
              "<p>" + XmlEscape(e.message()) + "</p>");
}

std::string Param(const std::multimap<std::string, std::string>& p, const std::string& k) {
  auto it = p.find(k);
  return it == p.end() ? "" : it->second;
}

std::string AckForm(const std::string& id, const std::string& token) {
  return "<form method=\"post\" action=\"/page/" + XmlEscape(id) +
         "/ack\"><input type=\"hidden\" name=\"t\" value=\"" + XmlEscape(token) +
         "\"><button type=\"submit\">Acknowledge " + XmlEscape(id) + "</button></form>";
}

// Twilio signs the URL it called followed by every POST parameter, sorted
// by name, as name then value.
bool TwilioSigned(const Request& req, const PagingSettings& s, const std::string& url) {
  auto sig = req.headers.find("x-twilio-signature");
  if (sig == req.headers.end()) return false;
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [k, v] : server::FormParams(req)) fields.push_back({k, v});
  std::sort(fields.begin(), fields.end());
  std::string data = url;
  for (const auto& [k, v] : fields) data += k + v;
  for (const SmsProvider& p : s.sms_providers) {
    const std::string want = TwilioSignature(p.auth_token, data);
    if (want.size() == sig->second.size() &&
        CRYPTO_memcmp(want.data(), sig->second.data(), want.size()) == 0) {
      return true;
    }
  }
  return false;
}

Response TwiML(const std::string& text) {
  return Response::Text(200,
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>" +
                            XmlEscape(text) + "</Message></Response>",
                        "application/xml");
}

std::string Mask(const std::string& address) {
  if (address.size() <= 4) return "****";
  return std::string(address.size() - 4, '*') + address.substr(address.size() - 4);
}

}  // namespace

void RegisterPageApi(server::HttpServer& http, Pager& pager, AckLinks& links,
                     incident::IncidentService& incidents, Clock& clock,
                     const std::string& public_url) {
  http.HandlePublic("GET", "/page/:id", [&](const Request& req) {
    const std::string id = req.path_params.at("id"), token = req.Param("t");
    auto claim = links.Check(token, id, clock.Now());
    if (!claim && claim.error().code() != ErrorCode::kForbidden) return Refused(claim.error());
    auto inc = incidents.Get(id);
    if (!inc) return Refused(inc.error());
    std::string inner = "<p><b>" + std::string(incident::SeverityName(inc->severity)) + "</b> " +
                        XmlEscape(inc->title) +
                        "</p><p>State: " + std::string(incident::StateName(inc->state)) + "</p>";
    if (claim && inc->state == incident::State::kTriggered) inner += AckForm(id, token);
    return Page(200, id, inner);
  });
  http.HandlePublic("GET", "/page/:id/ack", [&](const Request& req) {
    const std::string id = req.path_params.at("id"), token = req.Param("t");
    auto claim = links.Check(token, id, clock.Now());
    if (!claim) return Refused(claim.error());
    return Page(200, "Acknowledge " + id + "?",
                "<p>As " + XmlEscape(claim->person) + ".</p>" + AckForm(id, token));
  });
  http.HandlePublic("POST", "/page/:id/ack", [&](const Request& req) {
    const std::string id = req.path_params.at("id");
    const std::string token = Param(server::FormParams(req), "t");
    auto claim = links.Redeem(token, id, clock.Now());
    if (!claim) return Refused(claim.error());
    pager.Acknowledge(id);
    auto inc = incidents.Acknowledge(id, {claim->person, "page"});
    if (!inc && inc.error().code() != ErrorCode::kInvalidArgument) return Refused(inc.error());
    return Page(200, id + " acknowledged",
                "<p>By " + XmlEscape(claim->person) + ". Pages stopped.</p>");
  });
  const std::string sms_url = public_url + "/api/v1/paging/sms";  // what Twilio signs
  http.HandlePublic("POST", "/api/v1/paging/sms", [&, sms_url](const Request& req) {
    if (!TwilioSigned(req, pager.settings(), sms_url)) {
      return Response::ErrorJson(403, "forbidden", "the request's X-Twilio-Signature is wrong");
    }
    const auto form = server::FormParams(req);
    const Person* person = pager.settings().FindByPhone(Param(form, "From"));
    if (!person) return TwiML("This number is not one of firewatch's people.");
    std::string body = Param(form, "Body");
    for (char& c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!body.starts_with("ACK")) return TwiML("Reply ACK to acknowledge your last page.");
    std::string id = body.size() > 4 ? body.substr(4) : pager.LastPaged(person->name).value_or("");
    id.erase(0, id.find_first_not_of(' '));
    if (id.empty()) return TwiML("No page to acknowledge.");
    auto inc = incidents.Acknowledge(id, {person->name, "sms"});
    if (!inc && inc.error().code() != ErrorCode::kInvalidArgument) {
      return TwiML("Cannot acknowledge " + id + ": " + inc.error().message());
    }
    pager.Acknowledge(id);
    return TwiML(id + " acknowledged. Pages stopped.");
  });
  http.Handle("GET", "/api/v1/people", server::Role::kViewer, [&](const Request&) {
    nlohmann::json people = nlohmann::json::array();
    for (const Person& p : pager.settings().people) {
      nlohmann::json methods = nlohmann::json::array();
      for (const ContactMethod& m : p.methods) {
        methods.push_back({{"type", MethodTypeName(m.type)},
                           {"address", Mask(m.address)},
                           {"after_seconds", m.after.count() / 1000}});
      }
      people.push_back({{"name", p.name}, {"time_zone", p.tz.name()}, {"methods", methods}});
    }
    return Response::Json(
        200, nlohmann::json{{"status", "success"}, {"data", {{"people", people}}}}.dump());
  });
}

}  // namespace fw::notify

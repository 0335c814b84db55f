#include "notify/channels.h"

#include <nlohmann/json.hpp>

#include "alerting/receivers.h"
#include "notify/http_post.h"
#include "notify/smtp.h"

namespace fw::notify {
namespace {

using json = nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string Sev(const PageMessage& m) { return "P" + std::to_string(m.severity); }

// An HTTP answer as a status (and detail) for the notifier.
int StatusOf(const Result<HttpAnswer>& a, std::string& detail) {
  if (!a) {
    detail = a.error().message();
    return a.error().code() == ErrorCode::kInvalidArgument ? 400 : 0;
  }
  if (a->status / 100 != 2) detail = "HTTP " + std::to_string(a->status);
  return a->status;
}

std::string SlackText(const PageMessage& m) {
  return "*[" + Sev(m) + "] " + m.incident + "*: " + alerting::SlackEscape(m.title) + "\n<" +
         m.ack_url + "|Acknowledge> · <" + m.open_url + "|Open the incident>";
}

json TeamsCard(const PageMessage& m) {
  json card = {{"type", "AdaptiveCard"},
               {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"version", "1.4"},
               {"body",
                {{{"type", "TextBlock"},
                  {"text", "[" + Sev(m) + "] " + m.incident},
                  {"weight", "Bolder"},
                  {"size", "Medium"}},
                 {{"type", "TextBlock"}, {"text", m.title}, {"wrap", true}}}},
               {"actions",
                {{{"type", "Action.OpenUrl"}, {"title", "Acknowledge"}, {"url", m.ack_url}},
                 {{"type", "Action.OpenUrl"}, {"title", "Open"}, {"url", m.open_url}}}}};
  return {{"type", "message"},
          {"attachments",
           {{{"contentType", "application/vnd.microsoft.card.adaptive"}, {"content", card}}}}};
}

// A message as each kind of channel carries it.
struct Rendered {
  std::string subject;  // e-mail subject, push title
  std::string text;     // e-mail body, SMS, push body
  std::string slack;    // Slack mrkdwn
  json teams;           // the Teams message
  json webhook;         // the webhook body
  std::string spoken;   // a voice call
  std::vector<std::pair<std::string, std::string>> push_headers;
  std::string message_id;
};

// Twilio: each provider in order until one takes the message or call.
int SendTwilio(const PagingSettings& s, const Rendered& r, const std::string& to, bool voice,
               Millis timeout, std::string& detail) {
  std::string failures;
  bool retry = false;
  for (const SmsProvider& p : s.sms_providers) {
    HttpPost post;
    post.url = p.url + "/2010-04-01/Accounts/" + p.account_sid +
               (voice ? "/Calls.json" : "/Messages.json");
    post.content_type = "application/x-www-form-urlencoded";
    post.body =
        voice
            ? FormEncode({{"To", to},
                          {"From", p.from},
                          {"Twiml", "<Response><Say>" + XmlEscape(r.spoken) + "</Say></Response>"}})
            : FormEncode({{"To", to}, {"From", p.from}, {"Body", r.text}});
    post.headers.push_back({"Authorization", BasicAuth(p.account_sid, p.auth_token)});
    std::string why;
    const int status = StatusOf(Post(post, timeout), why);
    if (status / 100 == 2) {
      detail = "via " + p.name + (failures.empty() ? "" : " (" + failures + ")");
      return status;
    }
    retry = retry || status == 0 || status == 429 || status >= 500;
    failures += (failures.empty() ? "" : "; ") + p.name + " failed: " + why;
  }
  detail = failures.empty() ? "no SMS provider configured" : failures;
  return retry ? 503 : 400;
}

int Send(const PagingSettings& s, const ContactMethod& c, const Rendered& r, Millis timeout,
         Timestamp now, std::string& detail) {
  HttpPost post;
  post.url = c.address;
  switch (c.type) {
    case MethodType::kEmail: {
      if (!s.smtp) {
        detail = "no smtp settings";
        return 400;
      }
      auto sent = SendEmail(*s.smtp, {c.address, r.subject, r.text, r.message_id}, timeout, now);
      if (sent) return 200;
      detail = sent.error().message();
      return sent.error().code() == ErrorCode::kInvalidArgument ? 400 : 0;
    }
    case MethodType::kSlack:
      post.body = Dump({{"text", r.slack}});
      break;
    case MethodType::kSlackDm: {
      post.url = s.slack_api_url + "/chat.postMessage";
      post.content_type = "application/json; charset=utf-8";
      post.headers.push_back({"Authorization", "Bearer " + s.slack_bot_token});
      post.body = Dump({{"channel", c.address}, {"text", r.slack}});
      auto answer = Post(post, timeout);
      const int status = StatusOf(answer, detail);
      if (status / 100 != 2) return status;
      const json j = json::parse(answer->body, nullptr, false);
      if (j.is_object() && j.value("ok", false)) return status;
      detail = "Slack refused: " + (j.is_object() ? j.value("error", "no ok") : "not JSON");
      return j.is_object() && j.value("error", "") == "ratelimited" ? 429 : 400;
    }
    case MethodType::kTeams:
      post.body = Dump(r.teams);
      break;
    case MethodType::kWebhook:
      post.body = Dump(r.webhook);
      break;
    case MethodType::kPush:
      post.content_type = "text/plain; charset=utf-8";
      post.body = r.text;
      post.headers = r.push_headers;
      break;
    case MethodType::kSms:
    case MethodType::kVoice:
      return SendTwilio(s, r, c.address, c.type == MethodType::kVoice, timeout, detail);
  }
  return StatusOf(Post(post, timeout), detail);
}

}  // namespace

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c == '&'   ? "&amp;"
           : c == '<' ? "&lt;"
           : c == '>' ? "&gt;"
           : c == '"' ? "&quot;"
                      : std::string(1, c);
  }
  return out;
}

std::string PageText(const PageMessage& m) {
  return "[" + Sev(m) + "] " + m.incident + ": " + m.title + "\nAck: " + m.ack_url +
         "\nOpen: " + m.open_url;
}

int SendPage(const PagingSettings& s, const PageMessage& m, Millis timeout, Timestamp now,
             std::string& detail) {
  const Person* person = s.FindPerson(m.person);
  if (!person || m.method >= person->methods.size()) {
    detail = "no contact method " + std::to_string(m.method) + " for " + m.person;
    return 400;
  }
  Rendered r;
  r.subject = "[" + Sev(m) + "] " + m.incident + ": " + m.title;
  r.text = PageText(m);
  r.slack = SlackText(m);
  r.teams = TeamsCard(m);
  r.webhook = {{"version", "firewatch-page/1"},
               {"incident", m.incident},
               {"title", m.title},
               {"severity", Sev(m)},
               {"person", m.person},
               {"level", m.level},
               {"ack_url", m.ack_url},
               {"open_url", m.open_url}};
  r.spoken = "firewatch page. Severity " + Sev(m) + ". Incident " + m.incident + ". " + m.title +
             ". Reply or press the link to acknowledge.";
  r.message_id = "<" + m.incident + "." + std::to_string(now) + "@firewatch>";
  const ContactMethod& c = person->methods[m.method];
  if (c.type == MethodType::kEmail) r.text += "\n\nReply with ACK to acknowledge.\n";
  if (c.type == MethodType::kPush) {
    r.text = "[" + Sev(m) + "] " + m.title;
    r.push_headers = {{"Title", m.incident + " needs you"},
                      {"Priority", m.severity <= 1   ? "5"
                                   : m.severity == 2 ? "4"
                                                     : "3"},
                      {"Tags", "rotating_light"},
                      {"Click", m.open_url},
                      {"Actions", "view, Acknowledge, " + m.ack_url + ", clear=true"}};
  }
  return Send(s, c, r, timeout, now, detail);
}

int SendText(const PagingSettings& s, const ContactMethod& c, const std::string& subject,
             const std::string& text, Millis timeout, Timestamp now, std::string& detail) {
  Rendered r;
  r.subject = subject;
  r.text = c.type == MethodType::kSms ? subject + "\n" + text : text;
  r.slack = "*" + alerting::SlackEscape(subject) + "*\n" + alerting::SlackEscape(text);
  r.teams = {{"type", "message"},
             {"attachments",
              {{{"contentType", "application/vnd.microsoft.card.adaptive"},
                {"content",
                 {{"type", "AdaptiveCard"},
                  {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                  {"version", "1.4"},
                  {"body",
                   {{{"type", "TextBlock"}, {"text", subject}, {"weight", "Bolder"}},
                    {{"type", "TextBlock"}, {"text", text}, {"wrap", true}}}}}}}}}};
  r.webhook = {{"version", "firewatch-update/1"}, {"subject", subject}, {"text", text}};
  r.spoken = subject + ". " + text;
  r.push_headers = {{"Title", subject}, {"Tags", "loudspeaker"}};
  return Send(s, c, r, timeout, now, detail);
}

}  // namespace fw::notify

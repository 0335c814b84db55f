#include "notify/contacts.h"

#include <set>

#include "incident/oncall.h"

namespace fw::notify {
namespace {

constexpr struct {
  MethodType type;
  const char* name;
} kMethodNames[] = {{MethodType::kEmail, "email"},      {MethodType::kSlack, "slack"},
                    {MethodType::kSlackDm, "slack_dm"}, {MethodType::kTeams, "teams"},
                    {MethodType::kWebhook, "webhook"},  {MethodType::kPush, "push"},
                    {MethodType::kSms, "sms"},          {MethodType::kVoice, "voice"}};

bool InQuiet(const QuietHours& q, int minute) {
  if (q.start_minute <= q.end_minute) return minute >= q.start_minute && minute < q.end_minute;
  return minute >= q.start_minute || minute < q.end_minute;
}

std::optional<QuietHours> ParseQuiet(YamlReader& r, const YAML::Node& n, const std::string& path) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!r.Keys(n, path, {"start", "end", "up_to"})) return std::nullopt;
  std::string start = "22:00", end = "07:00", up_to = "P3";
  r.Str(n, path, "start", start);
  r.Str(n, path, "end", end);
  r.Str(n, path, "up_to", up_to);
  QuietHours q;
  auto a = incident::ParseClock(start), b = incident::ParseClock(end);
  if (!a || !b) {
    r.Fail(n, path, "start and end must be local times like \"22:00\"");
    return std::nullopt;
  }
  q.start_minute = *a;
  q.end_minute = *b;
  if (up_to.size() != 2 || (up_to[0] != 'P' && up_to[0] != 'p') || up_to[1] < '1' ||
      up_to[1] > '4') {
    r.Fail(YamlChild(n, "up_to"), path + ".up_to", "expected a severity P1..P4");
    return std::nullopt;
  }
  q.up_to = up_to[1] - '0';
  return q;
}

Person ParsePerson(YamlReader& r, const YAML::Node& n, const std::string& path) {
  Person p;
  if (!r.Keys(n, path, {"name", "time_zone", "quiet_hours", "contact_methods"})) return p;
  r.Str(n, path, "name", p.name);
  if (p.name.empty()) r.Fail(n, path + ".name", "required");
  std::string zone = "UTC";
  r.Str(n, path, "time_zone", zone);
  if (auto tz = TimeZone::Load(zone)) {
    p.tz = *tz;
  } else {
    r.Fail(YamlChild(n, "time_zone"), path + ".time_zone", tz.error().message());
  }
  p.quiet = ParseQuiet(r, YamlChild(n, "quiet_hours"), path + ".quiet_hours");
  p.methods = ParseContactMethods(r, YamlChild(n, "contact_methods"), path + ".contact_methods");
  if (p.methods.empty()) r.Fail(n, path + ".contact_methods", "a person needs a contact method");
  return p;
}

void ParseSmtp(YamlReader& r, const YAML::Node& n, PagingSettings& out) {
  const std::string path = "paging.smtp";
  if (!n.IsDefined() || n.IsNull()) return;
  if (!r.Keys(n, path,
              {"host", "port", "username", "password", "from", "tls", "allow_insecure_auth",
               "ca_file"})) {
    return;
  }
  SmtpSettings s;
  uint64_t port = 587;
  std::string tls = "starttls";
  r.Str(n, path, "host", s.host);
  r.Uint(n, path, "port", port);
  r.Str(n, path, "username", s.username);
  r.Str(n, path, "password", s.password);
  r.Str(n, path, "from", s.from);
  r.Str(n, path, "tls", tls);
  r.Bool(n, path, "allow_insecure_auth", s.allow_insecure_auth);
  r.Str(n, path, "ca_file", s.ca_file);
  if (s.host.empty()) r.Fail(n, path + ".host", "required");
  if (s.from.empty()) r.Fail(n, path + ".from", "required");
  if (port == 0 || port > 65535) r.Fail(YamlChild(n, "port"), path + ".port", "not a port");
  if (tls != "starttls" && tls != "none") {
    r.Fail(YamlChild(n, "tls"), path + ".tls", "expected starttls or none");
  }
  if (tls == "none" && !s.username.empty() && !s.allow_insecure_auth) {
    r.Fail(YamlChild(n, "tls"), path + ".tls",
           "tls: none would send the password in clear; set allow_insecure_auth: true to "
           "accept that");
  }
  s.port = static_cast<int>(port);
  s.starttls = tls == "starttls";
  out.smtp = std::move(s);
}

void ParseSettings(YamlReader& r, const YAML::Node& n, PagingSettings& out) {
  const std::string path = "paging";
  if (!r.Keys(n, path,
              {"public_url", "secret_file", "link_ttl", "smtp", "slack", "sms_providers"})) {
    return;
  }
  r.Str(n, path, "public_url", out.public_url);
  r.Str(n, path, "secret_file", out.secret_file);
  r.Dur(n, path, "link_ttl", out.link_ttl);
  ParseSmtp(r, YamlChild(n, "smtp"), out);
  const YAML::Node slack = YamlChild(n, "slack");
  if (slack.IsDefined() && r.Keys(slack, "paging.slack", {"bot_token", "api_url"})) {
    r.Str(slack, "paging.slack", "bot_token", out.slack_bot_token);
    r.Str(slack, "paging.slack", "api_url", out.slack_api_url);
  }
  const YAML::Node ps = YamlChild(n, "sms_providers");
  for (size_t i = 0; ps.IsSequence() && i < ps.size(); ++i) {
    const std::string pp = YamlReader::Index("paging.sms_providers", i);
    if (!r.Keys(ps[i], pp, {"name", "url", "account_sid", "auth_token", "from"})) continue;
    SmsProvider p;
    p.url = "https://api.twilio.com";
    r.Str(ps[i], pp, "name", p.name);
    r.Str(ps[i], pp, "url", p.url);
    r.Str(ps[i], pp, "account_sid", p.account_sid);
    r.Str(ps[i], pp, "auth_token", p.auth_token);
    r.Str(ps[i], pp, "from", p.from);
    if (p.name.empty()) p.name = "provider" + std::to_string(i + 1);
    if (p.account_sid.empty() || p.auth_token.empty() || p.from.empty()) {
      r.Fail(ps[i], pp, "account_sid, auth_token and from are required");
    }
    out.sms_providers.push_back(std::move(p));
  }
}

}  // namespace

std::vector<ContactMethod> ParseContactMethods(YamlReader& r, const YAML::Node& ms,
                                               const std::string& path) {
  std::vector<ContactMethod> out;
  for (size_t i = 0; ms.IsSequence() && i < ms.size(); ++i) {
    const std::string mp = YamlReader::Index(path, i);
    if (!r.Keys(ms[i], mp, {"type", "url", "to", "user", "after"})) continue;
    std::string type, url, to, user;
    ContactMethod m;
    r.Str(ms[i], mp, "type", type);
    r.Str(ms[i], mp, "url", url);
    r.Str(ms[i], mp, "to", to);
    r.Str(ms[i], mp, "user", user);
    r.Dur(ms[i], mp, "after", m.after);
    auto parsed = ParseMethodType(type);
    if (!parsed) {
      r.Fail(YamlChild(ms[i], "type"), mp + ".type",
             "unknown type \"" + type +
                 "\" (use email, slack, slack_dm, teams, webhook, push, sms or voice)");
      continue;
    }
    m.type = *parsed;
    const bool wants_url = m.type == MethodType::kSlack || m.type == MethodType::kTeams ||
                           m.type == MethodType::kWebhook || m.type == MethodType::kPush;
    m.address = wants_url ? url : m.type == MethodType::kSlackDm ? user : to;
    const char* key = wants_url ? "url" : m.type == MethodType::kSlackDm ? "user" : "to";
    if (m.address.empty()) r.Fail(ms[i], mp + "." + key, "required for type " + type);
    if (wants_url && !m.address.starts_with("http://") && !m.address.starts_with("https://")) {
      r.Fail(YamlChild(ms[i], "url"), mp + ".url", "expected an http:// or https:// URL");
    }
    out.push_back(std::move(m));
  }
  return out;
}

const char* MethodTypeName(MethodType t) {
  for (const auto& m : kMethodNames) {
    if (m.type == t) return m.name;
  }
  return "?";
}

std::optional<MethodType> ParseMethodType(std::string_view name) {
  for (const auto& m : kMethodNames) {
    if (name == m.name) return m.type;
  }
  return std::nullopt;
}

Timestamp Person::DeliverAt(Timestamp t, int severity) const {
  if (!quiet || severity < quiet->up_to) return t;
  // Walk minutes forward to the end of the quiet hours (at most a day).
  constexpr Timestamp kMinute = 60'000;
  Timestamp at = t;
  for (int i = 0; i <= 24 * 60; ++i) {
    const CivilTime local = tz.ToLocal(at);
    if (!InQuiet(*quiet, local.hour * 60 + local.minute)) return at;
    at = (at / kMinute + 1) * kMinute;
  }
  return t;
}

const Person* PagingSettings::FindPerson(const std::string& name) const {
  for (const Person& p : people) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const Person* PagingSettings::FindByPhone(const std::string& number) const {
  for (const Person& p : people) {
    for (const ContactMethod& m : p.methods) {
      if ((m.type == MethodType::kSms || m.type == MethodType::kVoice) && m.address == number) {
        return &p;
      }
    }
  }
  return nullptr;
}

void CheckTransports(YamlReader& r, const YAML::Node& at, const std::string& path,
                     const PagingSettings& s, const std::vector<ContactMethod>& methods) {
  for (const ContactMethod& m : methods) {
    const char* missing = nullptr;
    if (m.type == MethodType::kEmail && !s.smtp) missing = "paging.smtp";
    if ((m.type == MethodType::kSms || m.type == MethodType::kVoice) && s.sms_providers.empty()) {
      missing = "paging.sms_providers";
    }
    if (m.type == MethodType::kSlackDm && s.slack_bot_token.empty()) {
      missing = "paging.slack.bot_token";
    }
    if (missing) {
      r.Fail(at, path, std::string(MethodTypeName(m.type)) + " needs " + missing);
    }
  }
}

PagingSettings ParsePaging(YamlReader& r, const YAML::Node& doc) {
  PagingSettings out;
  const YAML::Node paging = YamlChild(doc, "paging");
  if (paging.IsDefined() && !paging.IsNull()) ParseSettings(r, paging, out);
  const YAML::Node people = YamlChild(doc, "people");
  std::set<std::string> names;
  for (size_t i = 0; people.IsSequence() && i < people.size(); ++i) {
    const std::string path = YamlReader::Index("people", i);
    out.people.push_back(ParsePerson(r, people[i], path));
    if (!names.insert(out.people.back().name).second) {
      r.Fail(people[i], path + ".name", "person \"" + out.people.back().name + "\" repeats");
    }
  }
  for (size_t i = 0; i < out.people.size(); ++i) {
    CheckTransports(r, people[i], YamlReader::Index("people", i) + ".contact_methods", out,
                    out.people[i].methods);
  }
  return out;
}

}  // namespace fw::notify

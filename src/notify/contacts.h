#pragma once
// People, their contact methods, and the providers that reach them, as
// firewatch.yml declares them (docs/paging.md):
//
//   paging:
//     public_url: https://firewatch.example.com   # base of the links in pages
//     secret_file: paging.key      # HMAC key for ack links; made (0600) if missing
//     link_ttl: 24h
//     smtp: {host, port: 587, username, password, from, tls: starttls|none,
//            allow_insecure_auth: false}
//     slack: {bot_token, api_url: https://slack.com/api}
//     sms_providers:               # Twilio's API; tried in order (fallback)
//       - {name, url: https://api.twilio.com, account_sid, auth_token, from}
//   people:
//     - name: alice
//       time_zone: Europe/Berlin
//       quiet_hours: {start: "22:00", end: "07:00", up_to: P3}  # P3, P4 wait
//       contact_methods:            # in order; `after` counts from the page
//         - {type: push, url: https://ntfy.example.com/alice}
//         - {type: sms, to: "+4915100000", after: 2m}
//         - {type: voice, to: "+4915100000", after: 5m}
//
// Method types: email (to), slack (url: an incoming webhook), slack_dm
// (user: a Slack user id, through the bot token), teams (url: a Workflows
// webhook), webhook (url), push (url: an ntfy topic), sms and voice (to).
// Immutable after parsing; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "common/timezone.h"
#include "common/yaml_reader.h"

namespace fw::notify {

enum class MethodType { kEmail, kSlack, kSlackDm, kTeams, kWebhook, kPush, kSms, kVoice };
const char* MethodTypeName(MethodType t);  // as written in config: "slack_dm"
std::optional<MethodType> ParseMethodType(std::string_view name);

struct ContactMethod {
  MethodType type = MethodType::kWebhook;
  std::string address;  // url, e-mail address, phone number or Slack user id
  Millis after{0};      // after the page reaches this person
};

struct QuietHours {
  int start_minute = 22 * 60, end_minute = 7 * 60;  // local; end below start = overnight
  int up_to = 3;  // pages of severity P<up_to> and below (P3, P4) wait for the end
};

struct Person {
  std::string name;
  TimeZone tz = TimeZone::Utc();
  std::optional<QuietHours> quiet;
  std::vector<ContactMethod> methods;

  // When a page of `severity` (1 = P1) arriving at `t` may go out: `t`, or
  // the end of the quiet hours holding it.
  Timestamp DeliverAt(Timestamp t, int severity) const;
};

struct SmtpSettings {
  std::string host;
  int port = 587;
  std::string username, password, from;
  bool starttls = true;  // tls: none turns it off (a relay on localhost)
  // AUTH over a connection without TLS would send the password in clear:
  // refused unless this is set.
  bool allow_insecure_auth = false;
  std::string ca_file;  // "" = the system's trust store
};

struct SmsProvider {
  std::string name, url, account_sid, auth_token, from;
};

struct PagingSettings {
  std::string public_url;   // "" = the server's external URL
  std::string secret_file;  // resolved path; "" = DATA/paging.key
  Millis link_ttl{24 * 3'600'000};
  std::optional<SmtpSettings> smtp;
  std::string slack_bot_token, slack_api_url = "https://slack.com/api";
  std::vector<SmsProvider> sms_providers;
  std::vector<Person> people;

  const Person* FindPerson(const std::string& name) const;
  // The person whose sms or voice method has this number; nullptr if none.
  const Person* FindByPhone(const std::string& number) const;
};

// A list of contact methods ({type, url|to|user, after}) at `path`.
std::vector<ContactMethod> ParseContactMethods(YamlReader& r, const YAML::Node& list,
                                               const std::string& path);
// Every method needs its transport: email smtp, sms and voice a provider,
// slack_dm the bot token; problems go to `r` at `at`/`path`.
void CheckTransports(YamlReader& r, const YAML::Node& at, const std::string& path,
                     const PagingSettings& s, const std::vector<ContactMethod>& methods);

// Reads `paging` and `people` from a config document; problems go to `r`
// (a method whose transport is not configured, e.g. email without smtp).
PagingSettings ParsePaging(YamlReader& r, const YAML::Node& doc);

}  // namespace fw::notify

#pragma once
// A page as each contact method carries it, and its sending:
//  - email: SMTP (smtp.h), subject "[P1] INC-7: title", links in the text;
//  - slack: an incoming webhook {"text"} with Slack's <url|label> links;
//  - slack_dm: chat.postMessage with the bot token, channel = the user id
//    (Slack answers 200 with {"ok": false} on errors: read as a failure);
//  - teams: a Workflows webhook message holding an Adaptive Card with
//    Acknowledge and Open buttons;
//  - webhook: firewatch's JSON ({"version": "firewatch-page/1", ...});
//  - push: ntfy's HTTP publish (body text; Title, Priority, Tags, Click and
//    Actions headers);
//  - sms / voice: Twilio's REST API, a form POST to
//    {url}/2010-04-01/Accounts/{sid}/Messages.json (To, From, Body) or
//    Calls.json (To, From, Twiml) with basic auth, each provider in order
//    until one takes it.
// Send() answers like an HTTP status for the notifier's retry rules: 2xx
// delivered, 0/429/5xx retried, other 4xx given up; `detail` says why, or
// for a delivered page which provider took it.

#include <string>

#include "common/clock.h"
#include "notify/contacts.h"

namespace fw::notify {

struct PageMessage {
  std::string incident, title;
  int severity = 1;  // 1 = P1
  std::string person;
  size_t method = 0;  // index into the person's contact methods
  std::string ack_url, open_url;
  int level = 1;  // escalation level, from 1
};

std::string PageText(const PageMessage& m);  // the short text (SMS, push, chat)
// &, <, > and " as XML/HTML entities (TwiML, the ack pages).
std::string XmlEscape(const std::string& s);

// REQUIRES: m.person names a person of `settings` with method m.method.
int SendPage(const PagingSettings& settings, const PageMessage& m, Millis timeout, Timestamp now,
             std::string& detail);
// Any text (a stakeholder update, a reminder) through one method: the
// subject as the mail's subject, push title, Slack's bold first line; the
// webhook gets {"version": "firewatch-update/1", "subject", "text"}.
int SendText(const PagingSettings& settings, const ContactMethod& method,
             const std::string& subject, const std::string& text, Millis timeout, Timestamp now,
             std::string& detail);

}  // namespace fw::notify

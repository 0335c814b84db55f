#pragma once
// Stakeholder updates: every status update posted on an incident (`firewatch
// incident status INC-7 "..."`, POST /api/v1/incidents/ID/status) goes to
// each audience rendered from its template, on the audience's channels
// through the durable outbox; and when an open incident has gone without an
// update for its severity's cadence, its commander (the incident's
// commander role, else whoever the escalation paged last) is reminded
// through their first contact method. Both go on the timeline.
//
//   stakeholders:
//     cadence: {P1: 30m, P2: 1h, P3: 4h}     # absent severities: no reminders
//     audiences:
//       - name: executives
//         template: "{{severity}} {{id}} {{title}}: {{message}}"   # optional
//         channels: [{type: email, to: execs@example.com}, {type: slack, url: ...}]
//
// Placeholders: {{id}} {{title}} {{severity}} {{state}} {{services}}
// {{commander}} {{message}}. Audiences named engineering, support or
// executives have default templates. Thread-safe.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "alerting/outbox.h"
#include "incident/service.h"
#include "notify/contacts.h"

namespace fw::notify {

struct Audience {
  std::string name, template_text;
  std::vector<ContactMethod> channels;
};

struct StakeholderSettings {
  std::map<int, Millis> cadence;  // severity (1 = P1) -> at most this between updates
  std::vector<Audience> audiences;
};

// Reads `stakeholders`; checks the channels' transports against `paging`.
StakeholderSettings ParseStakeholders(YamlReader& r, const YAML::Node& doc,
                                      const PagingSettings& paging);

// The template with the placeholders filled in.
std::string RenderUpdate(const std::string& template_text, const incident::Incident& inc,
                         const std::string& message);
// The default template for an audience name ("" for other names: the message).
std::string DefaultTemplate(const std::string& audience);

inline constexpr std::string_view kUpdateScheme = "update:";

class Stakeholders {
 public:
  using SendFn = std::function<Result<void>(alerting::Delivery)>;
  // Who was paged last for an incident (reminders when it has no commander).
  using LastPagedFn = std::function<std::string(const std::string& incident)>;

  // REQUIRES: incidents outlives this object.
  Stakeholders(StakeholderSettings settings, const PagingSettings& paging,
               incident::IncidentService& incidents, SendFn send, LastPagedFn last_paged,
               Millis timeout);

  // Sends the updates posted since the last call and the reminders due.
  // The first call takes the updates already on timelines as sent.
  void Step(Timestamp now);
  // The notifier's transport for update: deliveries.
  int Deliver(const alerting::Delivery& d, std::string& detail, Timestamp now) const;
  // The incident and a timeline line for an update: delivery's outcome.
  static std::optional<std::pair<std::string, std::string>> Outcome(const alerting::Delivery& d,
                                                                    bool delivered,
                                                                    const std::string& detail);

 private:
  struct Seen {
    int64_t version = -1;
    int64_t last_seq = 0;         // the newest timeline entry looked at
    Timestamp last_update = 0;    // the newest status update, else the opening
    Timestamp reminded_for = -1;  // the due time a reminder was sent for
  };
  void Queue(const std::string& incident, const std::string& audience, const ContactMethod& c,
             const std::string& subject, const std::string& text);
  void Remind(const incident::Incident& inc, Seen& seen, Timestamp now);

  const StakeholderSettings settings_;
  const PagingSettings& paging_;
  incident::IncidentService& incidents_;
  SendFn send_;
  LastPagedFn last_paged_;
  Millis timeout_;
  std::mutex mu_;
  bool primed_ = false;
  std::map<std::string, Seen> seen_;  // by incident id
};

}  // namespace fw::notify

#pragma once
// Pager turns an escalation's page ("level 1 reaches alice and bob") into
// deliveries: each person's contact methods in their order, each at the
// page's time plus its `after`, held past the person's quiet hours for low
// severities. A method's delivery goes through the durable outbox (the
// notifier retries it; SendPage delivers it, falling over between SMS
// providers) and carries signed links to acknowledge and open the incident.
// Acknowledge() drops what has not gone out yet, here and in the outbox, so
// acknowledging on any channel stops the pages everywhere.
//
// Steps not yet due live in memory, like the escalation that made them: a
// restart re-runs the escalation of incidents still unacknowledged.
// Thread-safe.

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerting/outbox.h"
#include "common/clock.h"
#include "notify/ack_links.h"
#include "notify/channels.h"
#include "notify/contacts.h"

namespace fw::notify {

// A delivery of Pager's: its url starts with this.
inline constexpr std::string_view kPageScheme = "page:";

class Pager {
 public:
  struct Options {
    std::string public_url = "http://127.0.0.1:9400";  // base of the links
    Millis timeout{10'000};                            // per delivery attempt
  };
  // Queues a delivery durably (the notifier's Send).
  using SendFn = std::function<Result<void>(alerting::Delivery)>;

  struct Request {
    std::string incident, title;
    int severity = 1;  // 1 = P1
    int level = 1;     // escalation level, from 1
    std::vector<std::string> people;
  };

  // REQUIRES: links and clock outlive the pager.
  Pager(PagingSettings settings, AckLinks& links, Clock& clock, SendFn send, Options options);

  // Plans every person's methods; returns a line per person for the
  // timeline ("alice: push now, sms at 14:02 ...", "bob: not in people:").
  std::vector<std::string> Page(const Request& r, Timestamp now);
  // Queues the planned deliveries due by `now`; returns when the next is
  // due, if any. Failures to queue stay planned and are retried.
  std::optional<Timestamp> Step(Timestamp now);
  // Stops the pages of an incident. Idempotent.
  void Acknowledge(const std::string& incident);
  bool Acknowledged(const std::string& incident) const;
  // Incidents with deliveries still planned (their escalation may be over).
  std::set<std::string> Planned() const;

  // The notifier's transport for page: deliveries.
  int Deliver(const alerting::Delivery& d, std::string& detail);
  // The incident of a page: delivery and its outcome as a timeline line;
  // nullopt for other deliveries.
  static std::optional<std::pair<std::string, std::string>> Outcome(const alerting::Delivery& d,
                                                                    bool delivered,
                                                                    const std::string& detail);
  // The incident last paged to a person (an SMS reply "ACK" means it).
  std::optional<std::string> LastPaged(const std::string& person) const;
  // The person an incident's last page reached first ("" if none).
  std::string LastPerson(const std::string& incident) const;
  const PagingSettings& settings() const { return settings_; }
  const std::string& public_url() const { return options_.public_url; }

 private:
  struct Planned {
    Timestamp at = 0;
    PageMessage message;
  };
  alerting::Delivery DeliveryOf(const PageMessage& m) const;

  const PagingSettings settings_;
  AckLinks& links_;
  Clock& clock_;
  SendFn send_;
  Options options_;
  mutable std::mutex mu_;
  std::multimap<Timestamp, PageMessage> planned_;   // by due time
  std::set<std::string> acknowledged_;              // incidents
  std::map<std::string, std::string> last_paged_;   // person -> incident
  std::map<std::string, std::string> last_person_;  // incident -> person
};

}  // namespace fw::notify

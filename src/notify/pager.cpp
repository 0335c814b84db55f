#include "notify/pager.h"

#include <nlohmann/json.hpp>

namespace fw::notify {
namespace {

using json = nlohmann::json;

std::string LocalHhMm(const Person& p, Timestamp t) {
  const CivilTime c = p.tz.ToLocal(t);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", c.hour, c.minute);
  return buf;
}

std::optional<PageMessage> MessageOf(const alerting::Delivery& d) {
  if (!d.url.starts_with(kPageScheme)) return std::nullopt;
  const json j = json::parse(d.body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  PageMessage m;
  m.incident = j.value("incident", "");
  m.title = j.value("title", "");
  m.severity = j.value("severity", 1);
  m.person = j.value("person", "");
  m.method = j.value("method", size_t{0});
  m.ack_url = j.value("ack_url", "");
  m.open_url = j.value("open_url", "");
  m.level = j.value("level", 1);
  return m;
}

}  // namespace

Pager::Pager(PagingSettings settings, AckLinks& links, Clock& clock, SendFn send, Options options)
    : settings_(std::move(settings)),
      links_(links),
      clock_(clock),
      send_(std::move(send)),
      options_(std::move(options)) {}

std::vector<std::string> Pager::Page(const Request& r, Timestamp now) {
  std::vector<std::string> lines;
  std::lock_guard lock(mu_);
  acknowledged_.erase(r.incident);  // a new page (a reopen) pages again
  if (!r.people.empty()) last_person_[r.incident] = r.people.front();
  for (const std::string& name : r.people) {
    const Person* p = settings_.FindPerson(name);
    if (!p) {
      lines.push_back(name + ": no contact methods (not under people:)");
      continue;
    }
    last_paged_[name] = r.incident;
    const Timestamp start = p->DeliverAt(now, r.severity);
    std::string line = name + ":";
    if (start > now) line += " quiet hours until " + LocalHhMm(*p, start) + " local;";
    for (size_t i = 0; i < p->methods.size(); ++i) {
      const ContactMethod& m = p->methods[i];
      const Timestamp at = start + m.after.count();
      const std::string token = links_.Make(r.incident, name, now + settings_.link_ttl.count());
      const std::string base = options_.public_url + "/page/" + r.incident;
      planned_.emplace(at, PageMessage{r.incident, r.title, r.severity, name, i,
                                       base + "/ack?t=" + token, base + "?t=" + token, r.level});
      line += std::string(i ? "," : "") + " " + MethodTypeName(m.type) +
              (at == now ? " now" : " in " + FormatDuration(Millis(at - now)));
    }
    lines.push_back(line);
  }
  return lines;
}

alerting::Delivery Pager::DeliveryOf(const PageMessage& m) const {
  const json body = {{"incident", m.incident}, {"title", m.title},   {"severity", m.severity},
                     {"person", m.person},     {"method", m.method}, {"ack_url", m.ack_url},
                     {"open_url", m.open_url}, {"level", m.level}};
  const Person* p = settings_.FindPerson(m.person);
  const char* type =
      p && m.method < p->methods.size() ? MethodTypeName(p->methods[m.method].type) : "unknown";
  // Priority 0: the notifier's page lane, never behind a storm of others.
  return {"",
          "page:" + m.person,
          std::string(kPageScheme) + type,
          body.dump(-1, ' ', false, json::error_handler_t::replace),
          0,
          0};
}

std::optional<Timestamp> Pager::Step(Timestamp now) {
  std::vector<PageMessage> due;
  {
    std::lock_guard lock(mu_);
    for (auto it = planned_.begin(); it != planned_.end() && it->first <= now;) {
      if (!acknowledged_.contains(it->second.incident)) due.push_back(it->second);
      it = planned_.erase(it);
    }
  }
  for (const PageMessage& m : due) {
    if (!send_(DeliveryOf(m))) {
      std::lock_guard lock(mu_);
      planned_.emplace(now + 1'000, m);  // the outbox's disk failed: try again shortly
    }
  }
  std::lock_guard lock(mu_);
  if (planned_.empty()) return std::nullopt;
  return planned_.begin()->first;
}

void Pager::Acknowledge(const std::string& incident) {
  std::lock_guard lock(mu_);
  if (!acknowledged_.insert(incident).second) return;
  std::erase_if(planned_, [&](const auto& e) { return e.second.incident == incident; });
}

std::set<std::string> Pager::Planned() const {
  std::lock_guard lock(mu_);
  std::set<std::string> out;
  for (const auto& [at, m] : planned_) out.insert(m.incident);
  return out;
}

bool Pager::Acknowledged(const std::string& incident) const {
  std::lock_guard lock(mu_);
  return acknowledged_.contains(incident);
}

int Pager::Deliver(const alerting::Delivery& d, std::string& detail) {
  auto m = MessageOf(d);
  if (!m) {
    detail = "malformed page delivery";
    return 400;
  }
  if (Acknowledged(m->incident)) {
    detail = "not sent: " + m->incident + " was acknowledged";
    return 410;  // gone: not retried
  }
  return SendPage(settings_, *m, options_.timeout, clock_.Now(), detail);
}

std::optional<std::pair<std::string, std::string>> Pager::Outcome(const alerting::Delivery& d,
                                                                  bool delivered,
                                                                  const std::string& detail) {
  auto m = MessageOf(d);
  if (!m) return std::nullopt;
  const std::string how = d.url.substr(kPageScheme.size());
  std::string text = delivered ? "paged " + m->person + " by " + how
                     : detail.starts_with("not sent")
                         ? "page to " + m->person + " by " + how + " " + detail
                         : "page to " + m->person + " by " + how + " failed: " + detail;
  if (delivered && !detail.empty()) text += " " + detail;
  return std::pair{m->incident, text};
}

std::string Pager::LastPerson(const std::string& incident) const {
  std::lock_guard lock(mu_);
  auto it = last_person_.find(incident);
  return it == last_person_.end() ? "" : it->second;
}

std::optional<std::string> Pager::LastPaged(const std::string& person) const {
  std::lock_guard lock(mu_);
  auto it = last_paged_.find(person);
  if (it == last_paged_.end()) return std::nullopt;
  return it->second;
}

}  // namespace fw::notify

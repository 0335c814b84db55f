#include "notify/stakeholders.h"

#include <nlohmann/json.hpp>

#include "notify/channels.h"

namespace fw::notify {
namespace {

using json = nlohmann::json;

void ReplaceAll(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

std::string Commander(const incident::Incident& inc) {
  auto it = inc.roles.find(incident::Role::kCommander);
  return it == inc.roles.end() ? "" : it->second;
}

std::string Subject(const incident::Incident& inc) {
  return "[" + std::string(incident::SeverityName(inc.severity)) + "] " + inc.id + ": " + inc.title;
}

}  // namespace

std::string DefaultTemplate(const std::string& audience) {
  if (audience == "executives") {
    return "{{severity}} incident {{id}} ({{services}}): {{message}}\nStatus: {{state}}. "
           "Commander: {{commander}}.";
  }
  if (audience == "support") {
    return "Customer-facing update on {{title}}: {{message}}\nWe are {{state}}; next update "
           "follows.";
  }
  if (audience == "engineering") {
    return "{{id}} {{title}} [{{severity}}, {{state}}, services {{services}}, commander "
           "{{commander}}]\n{{message}}";
  }
  return "{{message}}";
}

std::string RenderUpdate(const std::string& template_text, const incident::Incident& inc,
                         const std::string& message) {
  std::string services;
  for (const std::string& s : inc.services) services += (services.empty() ? "" : ", ") + s;
  const std::string commander = Commander(inc);
  // {{message}} last: the message is user text and may itself hold "{{...}}".
  std::string out = template_text;
  ReplaceAll(out, "{{id}}", inc.id);
  ReplaceAll(out, "{{title}}", inc.title);
  ReplaceAll(out, "{{severity}}", std::string(incident::SeverityName(inc.severity)));
  ReplaceAll(out, "{{state}}", std::string(incident::StateName(inc.state)));
  ReplaceAll(out, "{{services}}", services.empty() ? "-" : services);
  ReplaceAll(out, "{{commander}}", commander.empty() ? "not assigned" : commander);
  ReplaceAll(out, "{{message}}", message);
  return out;
}

StakeholderSettings ParseStakeholders(YamlReader& r, const YAML::Node& doc,
                                      const PagingSettings& paging) {
  StakeholderSettings out;
  const YAML::Node n = YamlChild(doc, "stakeholders");
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!r.Keys(n, "stakeholders", {"cadence", "audiences"})) return out;
  std::vector<std::pair<std::string, std::string>> cadence;
  r.StrMap(n, "stakeholders", "cadence", cadence);
  for (const auto& [sev, every] : cadence) {
    auto d = ParseDuration(every);
    const bool sev_ok =
        sev.size() == 2 && (sev[0] == 'P' || sev[0] == 'p') && sev[1] >= '1' && sev[1] <= '4';
    if (!sev_ok || !d || d->count() <= 0) {
      r.Fail(YamlChild(n, "cadence"), "stakeholders.cadence." + sev,
             "expected a severity P1..P4 and a positive duration like 30m");
      continue;
    }
    out.cadence[sev[1] - '0'] = *d;
  }
  const YAML::Node list = YamlChild(n, "audiences");
  for (size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
    const std::string path = YamlReader::Index("stakeholders.audiences", i);
    if (!r.Keys(list[i], path, {"name", "template", "channels"})) continue;
    Audience a;
    r.Str(list[i], path, "name", a.name);
    if (a.name.empty()) r.Fail(list[i], path + ".name", "required");
    a.template_text = DefaultTemplate(a.name);
    r.Str(list[i], path, "template", a.template_text);
    a.channels = ParseContactMethods(r, YamlChild(list[i], "channels"), path + ".channels");
    if (a.channels.empty()) r.Fail(list[i], path + ".channels", "an audience needs a channel");
    CheckTransports(r, list[i], path + ".channels", paging, a.channels);
    out.audiences.push_back(std::move(a));
  }
  return out;
}

Stakeholders::Stakeholders(StakeholderSettings settings, const PagingSettings& paging,
                           incident::IncidentService& incidents, SendFn send,
                           LastPagedFn last_paged, Millis timeout)
    : settings_(std::move(settings)),
      paging_(paging),
      incidents_(incidents),
      send_(std::move(send)),
      last_paged_(std::move(last_paged)),
      timeout_(timeout) {}

void Stakeholders::Queue(const std::string& incident, const std::string& audience,
                         const ContactMethod& c, const std::string& subject,
                         const std::string& text) {
  const json body = {
      {"incident", incident}, {"audience", audience}, {"type", MethodTypeName(c.type)},
      {"address", c.address}, {"subject", subject},   {"text", text}};
  (void)send_({"", "update:" + audience, std::string(kUpdateScheme) + MethodTypeName(c.type),
               body.dump(-1, ' ', false, json::error_handler_t::replace), 0, 1});
}

void Stakeholders::Remind(const incident::Incident& inc, Seen& seen, Timestamp now) {
  auto every = settings_.cadence.find(static_cast<int>(inc.severity));
  if (every == settings_.cadence.end()) return;
  const Timestamp due = seen.last_update + every->second.count();
  if (now < due || seen.reminded_for == due) return;
  seen.reminded_for = due;
  std::string who = Commander(inc);
  if (who.empty() && last_paged_) who = last_paged_(inc.id);
  const Person* p = who.empty() ? nullptr : paging_.FindPerson(who);
  const std::string text = "A stakeholder update on " + inc.id + " is due (every " +
                           FormatDuration(every->second) + " for " +
                           std::string(incident::SeverityName(inc.severity)) +
                           "): firewatch incident status " + inc.id + " \"...\"";
  std::string note = "stakeholder update due (every " + FormatDuration(every->second) + "); ";
  if (p && !p->methods.empty()) {
    Queue(inc.id, "reminder", p->methods[0], "Update due: " + Subject(inc), text);
    note += "reminded " + who + " by " + MethodTypeName(p->methods[0].type);
  } else {
    note += who.empty() ? "no commander to remind" : who + " has no contact method to remind";
  }
  (void)incidents_.AddNote(inc.id, note, {std::string(incident::kSystemActor), "stakeholders"});
}

void Stakeholders::Step(Timestamp now) {
  if (settings_.audiences.empty() && settings_.cadence.empty()) return;
  incident::IncidentFilter open;
  open.open_only = true;
  auto list = incidents_.List(open);
  if (!list) return;
  std::lock_guard lock(mu_);
  const bool first = !primed_;
  primed_ = true;
  for (const incident::Incident& inc : *list) {
    Seen& seen = seen_[inc.id];
    if (seen.version != inc.version) {
      seen.version = inc.version;
      if (seen.last_update == 0) seen.last_update = inc.created_at;
      auto timeline = incidents_.Timeline(inc.id);
      if (!timeline) continue;
      for (const incident::TimelineEntry& e : *timeline) {
        if (e.seq <= seen.last_seq) continue;
        seen.last_seq = e.seq;
        if (e.kind != incident::EntryKind::kStatusUpdate) continue;
        seen.last_update = std::max(seen.last_update, e.time);
        if (first) continue;  // sent before a restart (or before paging was configured)
        std::string sent_to;
        for (const Audience& a : settings_.audiences) {
          const std::string text = RenderUpdate(a.template_text, inc, e.text);
          for (const ContactMethod& c : a.channels) Queue(inc.id, a.name, c, Subject(inc), text);
          sent_to += (sent_to.empty() ? "" : ", ") + a.name;
        }
        if (!sent_to.empty()) {
          (void)incidents_.RecordNotification(inc.id, incident::NotificationStatus::kSent,
                                              "stakeholders", "status update sent to " + sent_to);
        }
      }
    }
    Remind(inc, seen, now);
  }
}

int Stakeholders::Deliver(const alerting::Delivery& d, std::string& detail, Timestamp now) const {
  const json j = json::parse(d.body, nullptr, false);
  auto type = j.is_object() ? ParseMethodType(j.value("type", "")) : std::nullopt;
  if (!type) {
    detail = "malformed update delivery";
    return 400;
  }
  const ContactMethod c{*type, j.value("address", ""), Millis(0)};
  return SendText(paging_, c, j.value("subject", ""), j.value("text", ""), timeout_, now, detail);
}

std::optional<std::pair<std::string, std::string>> Stakeholders::Outcome(
    const alerting::Delivery& d, bool delivered, const std::string& detail) {
  if (!d.url.starts_with(kUpdateScheme)) return std::nullopt;
  const json j = json::parse(d.body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  const std::string what =
      j.value("audience", "") == "reminder" ? "reminder" : "update to " + j.value("audience", "");
  const std::string how = d.url.substr(kUpdateScheme.size());
  return std::pair{j.value("incident", ""), delivered ? what + " delivered by " + how
                                                      : what + " by " + how + " failed: " + detail};
}

}  // namespace fw::notify

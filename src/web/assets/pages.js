// Console pages: sign-in, the incident list, alerts and silences, on-call.
"use strict";
(function () {
const { el } = FW;
const SEVERITIES = ["P1", "P2", "P3", "P4"];
const STATES = ["triggered", "acknowledged", "mitigated", "resolved", "closed"];

FW.pages = FW.pages || {};

FW.pages.login = function (main) {
  const token = el("input", { type: "password", id: "token", autocomplete: "current-password", placeholder: "token", required: true });
  const form = el("form", { class: "card login", id: "login-form" },
    el("h1", {}, "Sign in"),
    el("p", { class: "muted" }, "with a firewatch token (its role applies: viewer, responder or admin)."),
    token, el("button", { type: "submit", id: "sign-in" }, "Sign in"));
  form.addEventListener("submit", FW.guard(async (ev) => {
    ev.preventDefault();
    const r = await FW.post("/ui/login", { token: token.value });
    FW.session = r.data;
    const next = new URLSearchParams(location.search).get("next");
    FW.go(next && next.startsWith("/ui/") ? next : "/ui/incidents");
  }));
  main.append(form);
  token.focus();
};

function badge(text, kind) {
  return el("span", { class: "badge " + (kind || String(text).toLowerCase()) }, text);
}
FW.badge = badge;

// Declaring an incident by hand (responders): POST /api/v1/incidents.
function declareForm() {
  if (!FW.canWrite()) return "";
  const title = el("input", { placeholder: "what is wrong", "aria-label": "title", size: 40, required: true });
  const services = el("input", { placeholder: "services, comma separated", "aria-label": "services" });
  const sev = el("select", { "aria-label": "severity" }, SEVERITIES.map((s) => el("option", { value: s }, s)));
  sev.value = "P3";
  const f = el("form", { class: "inline declare" }, title, services, sev, el("button", { type: "submit" }, "Declare incident"));
  f.addEventListener("submit", FW.guard(async (ev) => {
    ev.preventDefault();
    const r = await FW.post("/api/v1/incidents", { title: title.value.trim(), severity: sev.value,
      services: services.value.split(",").map((s) => s.trim()).filter((s) => s) });
    FW.go("/ui/incidents/" + encodeURIComponent(r.data.id));
  }));
  return el("details", { class: "declare" }, el("summary", {}, "Declare an incident"), f);
}

FW.pages.incidents = function (main) {
  const filters = { status: "open", severity: "", service: "" };
  const counts = el("div", { class: "counts", id: "counts" });
  const list = el("div", { id: "incident-list" });
  const select = (name, options) => {
    const s = el("select", { "aria-label": name }, options.map(([v, t]) => el("option", { value: v }, t)));
    s.value = filters[name];
    s.addEventListener("change", () => { filters[name] = s.value; render(); });
    return s;
  };
  const service = el("input", { placeholder: "service", "aria-label": "service" });
  service.addEventListener("input", () => { filters.service = service.value.trim(); render(); });
  let incidents = [];
  main.append(el("h1", {}, "Incidents"), counts,
    el("div", { class: "filters" },
      select("status", [["open", "open"], ["", "any status"]].concat(STATES.map((s) => [s, s]))),
      select("severity", [["", "any severity"]].concat(SEVERITIES.map((s) => [s, s]))),
      service),
    list, declareForm());
  function render() {
    const open = incidents.filter((i) => ["triggered", "acknowledged", "mitigated"].includes(i.status));
    counts.textContent = "";
    counts.append(el("span", {}, open.length + " open"),
      ...SEVERITIES.map((s) => el("span", { class: "sev-" + s }, s + ": " + open.filter((i) => i.severity === s).length)),
      el("span", {}, incidents.length + " in all"));
    const shown = incidents.filter((i) =>
      (filters.status === "" || (filters.status === "open" ? open.includes(i) : i.status === filters.status)) &&
      (filters.severity === "" || i.severity === filters.severity) &&
      (filters.service === "" || i.services.some((s) => s.includes(filters.service))));
    list.textContent = "";
    if (!shown.length) list.append(el("p", { class: "muted" }, "No incident matches."));
    else list.append(FW.table(["", "incident", "title", "status", "services", "opened"], shown.map((i) => [
      badge(i.severity, "sev-" + i.severity),
      el("a", { href: "/ui/incidents/" + encodeURIComponent(i.id) }, i.id),
      i.title, badge(i.status), i.services.join(", "), FW.time(i.created_at)])));
  }
  FW.poll(FW.guard(async () => {
    incidents = (await FW.get("/api/v1/incidents")).incidents;
    render();
  }), 3000);
};

function matchersOf(labels) {
  return Object.entries(labels).filter(([k]) => k !== "severity")
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

FW.pages.alerts = function (main) {
  const alertsBox = el("div", { id: "alerts" }), silencesBox = el("div", { id: "silences" });
  const explainBox = el("pre", { class: "explain", id: "explain", hidden: true });
  main.append(el("h1", {}, "Alerts"), alertsBox, explainBox, el("h2", {}, "Silences"), silencesBox);
  const silence = async (a) => {
    const hours = prompt("Silence " + a.labels.alertname + " for how many hours?", "2");
    if (!hours) return;
    const now = await FW.serverNow();
    await FW.post("/api/v1/silences", {
      matchers: matchersOf(a.labels), startsAt: new Date(now).toISOString(),
      endsAt: new Date(now + Number(hours) * 3600e3).toISOString(),
      comment: "silenced from the console by " + FW.session.name,
    });
    FW.flash("silence created", "note");
    await load();
  };
  const explain = async (a) => {
    const r = await FW.get("/api/v1/alerts/explain?alert=" + encodeURIComponent(JSON.stringify(a.labels)));
    explainBox.hidden = false;
    explainBox.textContent = (r.data && r.data.text) || JSON.stringify(r.data || r, null, 2);
  };
  async function load() {
    const [alerts, v2, silences] = await Promise.all([
      FW.get("/api/v1/alerts"), FW.get("/api/v2/alerts"), FW.get("/api/v1/silences")]);
    // An alert the router holds back (silenced or inhibited) shows as such.
    const key = (labels) => JSON.stringify(Object.entries(labels).sort());
    const held = new Map((v2 || []).filter((a) => a.status && a.status.state === "suppressed")
      .map((a) => [key(a.labels), a]));
    const rows = alerts.data.alerts.map((a) => {
      const muted = held.get(key(a.labels));
      held.delete(key(a.labels));
      return [badge(muted ? "silenced" : a.state), a.labels.alertname, (a.annotations && a.annotations.summary) || "",
        Object.entries(a.labels).filter(([k]) => k !== "alertname").map(([k, v]) => k + "=" + v).join(" "),
        FW.time(a.activeAt),
        el("span", {}, muted ? "" : FW.action("Silence", () => silence(a)),
          el("button", { type: "button", onclick: FW.guard(() => explain(a)) }, "Explain"))];
    });
    for (const a of held.values()) {
      rows.push([badge("silenced"), a.labels.alertname, (a.annotations || {}).summary || "", "", FW.time(a.startsAt), ""]);
    }
    alertsBox.textContent = "";
    alertsBox.append(rows.length ? FW.table(["state", "alert", "summary", "labels", "since", ""], rows) : el("p", { class: "muted" }, "Nothing is firing or pending."));
    silencesBox.textContent = "";
    const live = (silences || []).filter((s) => s.status.state !== "expired");
    silencesBox.append(live.length ? FW.table(["state", "matchers", "until", "by", "comment", ""], live.map((s) => [
      badge(s.status.state), s.matchers.map((m) => m.name + (m.isEqual ? "=" : "!=") + m.value).join(", "),
      FW.time(s.endsAt), s.createdBy, s.comment,
      FW.action("Expire", async () => { await FW.api("DELETE", "/api/v1/silences/" + encodeURIComponent(s.id)); await load(); })])) :
      el("p", { class: "muted" }, "No silence is active."));
  }
  FW.poll(FW.guard(load), 5000);
};

FW.pages.oncall = function (main) {
  const now = el("div"), ahead = el("div"), policies = el("div");
  main.append(el("h1", {}, "On-call"), now, el("h2", {}, "The schedule ahead"), ahead,
    el("h2", {}, "Escalation policies"), policies);
  FW.guard(async () => {
    const oc = (await FW.get("/api/v1/oncall")).data;
    now.append(FW.table(["schedule", "on call now", "since", "until"], oc.schedules.map((s) =>
      [s.name, el("strong", {}, s.on_call || "nobody"), s.since_local || FW.time(s.since), s.until_local || FW.time(s.until)])));
    const shifts = [];
    for (const s of oc.schedules) {
      try {
        const r = await FW.get("/api/v1/oncall/shifts?schedule=" + encodeURIComponent(s.name));
        for (const sh of (r.data.shifts || r.data || [])) shifts.push([s.name, sh.user || sh.person || "", sh.start_local || FW.time(sh.start), sh.end_local || FW.time(sh.end)]);
      } catch (e) { shifts.push([s.name, e.message, "", ""]); }
    }
    ahead.append(shifts.length ? FW.table(["schedule", "who", "from", "to"], shifts) : el("p", { class: "muted" }, "No shifts."));
    const p = (await FW.get("/api/v1/escalation_policies")).data.policies;
    policies.append(p.length ? FW.table(["policy", "levels", "repeat"], p.map((x) => [x.name,
      x.levels.map((l, i) => "level " + (i + 1) + " after " + l.delay_seconds / 60 + " min: " + l.targets.join(", ")).join("; "),
      String(x.repeat)])) : el("p", { class: "muted" }, "No escalation policy."));
  })();
};
})();

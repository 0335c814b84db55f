// The public status page: overall state, components, open incidents with
// their public updates, and the last 90 days. Reads only
// /api/v1/status/page, which holds nothing internal.
"use strict";
(function () {
const el = (tag, cls, ...kids) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
};
const LABEL = { operational: "Operational", degraded: "Degraded performance",
  partial_outage: "Partial outage", major_outage: "Major outage" };
const when = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "");
const day = (iso) => iso.slice(0, 10);

function incident(i) {
  const box = el("article", "card status-incident impact-" + i.impact,
    el("h3", "", i.title), el("p", "muted", i.severity + " · " + i.state + " · since " + when(i.started) +
      (i.resolved ? " · resolved " + when(i.resolved) : "")));
  const ul = el("ul", "updates");
  for (const u of i.updates.slice().reverse()) ul.append(el("li", "", el("time", "", when(u.time)), " ", u.text));
  if (!i.updates.length) ul.append(el("li", "muted", "We are investigating."));
  box.append(ul);
  return box;
}

function bars(d) {
  const end = new Date(d.generated), strip = el("div", "days");
  const byDay = new Map();
  for (const i of d.history.concat(d.incidents)) {
    const k = day(i.started);
    const worst = byDay.get(k);
    if (!worst || i.severity < worst) byDay.set(k, i.severity);
  }
  for (let n = d.days - 1; n >= 0; n--) {
    const k = new Date(end.getTime() - n * 86400e3).toISOString().slice(0, 10);
    const sev = byDay.get(k);
    const b = el("span", "day " + (sev ? "sev-" + sev : "ok"));
    b.title = k + (sev ? ": incident (" + sev + ")" : ": no incident");
    strip.append(b);
  }
  return strip;
}

async function load() {
  const main = document.getElementById("status");
  let d;
  try {
    const r = await fetch("/api/v1/status/page", { credentials: "same-origin" });
    if (!r.ok) throw new Error(r.status === 401 ? "This status page is not public." : "Status unavailable (" + r.status + ").");
    d = (await r.json()).data;
  } catch (e) {
    main.textContent = e.message;
    return;
  }
  main.textContent = "";
  main.append(el("h1", "", "System status"),
    el("div", "overall impact-" + d.overall, LABEL[d.overall] || d.overall),
    el("h2", "", "Components"));
  const comps = el("ul", "components");
  for (const c of d.components) comps.append(el("li", "impact-" + c.state, el("span", "", c.name), el("span", "state", LABEL[c.state] || c.state)));
  if (!d.components.length) comps.append(el("li", "muted", "No component has had an incident."));
  main.append(comps, el("h2", "", "Open incidents"));
  if (!d.incidents.length) main.append(el("p", "muted", "No open incident."));
  for (const i of d.incidents) main.append(incident(i));
  main.append(el("h2", "", "The last " + d.days + " days"), bars(d));
  for (const i of d.history.slice(0, 20)) main.append(incident(i));
  main.append(el("p", "muted", "Updated " + when(d.generated)));
}
load();
setInterval(load, 30000);
})();

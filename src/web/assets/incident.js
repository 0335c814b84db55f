// The incident page: summary, severity and roles, the response (runbook
// steps, Approve / Reject), hypotheses with their evidence (graphs, log
// lines, tables), the live timeline, notes and status updates, the report,
// action items. Every write goes through the existing JSON API.
"use strict";
(function () {
const { el } = FW;
const WINDOW = 20 * 60e3;  // graphs show the onset -20 min .. +20 min

function section(title, id, ...children) {
  return el("section", { class: "card", id }, el("h2", {}, title), ...children);
}

function summary(box, inc, reload) {
  const base = "/api/v1/incidents/" + encodeURIComponent(inc.id);
  const sev = el("select", { id: "severity", "aria-label": "severity", disabled: !FW.canWrite() },
    ["P1", "P2", "P3", "P4"].map((s) => el("option", { value: s }, s)));
  sev.value = inc.severity;
  sev.addEventListener("change", FW.guard(async () => {
    const reason = prompt("Why change the severity to " + sev.value + "?", "reassessed from the console");
    if (!reason) { sev.value = inc.severity; return; }
    await FW.post(base + "/severity", { severity: sev.value, reason });
    reload();
  }));
  const roles = ["commander", "scribe", "communications"].map((r) => {
    const input = el("input", { value: inc.roles[r] || "", placeholder: "nobody", "aria-label": r, disabled: !FW.canWrite() });
    input.addEventListener("change", FW.guard(async () => {
      await FW.post(base + "/roles", { role: r, person: input.value.trim() });
      reload();
    }));
    return el("label", {}, r, input);
  });
  const verbs = { triggered: ["ack", "mitigate", "resolve"], acknowledged: ["mitigate", "resolve"],
    mitigated: ["resolve"], resolved: ["close"], closed: [] }[inc.status] || [];
  box.textContent = "";
  box.append(
    el("div", { class: "title-row" }, FW.badge(inc.severity, "sev-" + inc.severity),
      el("h1", {}, inc.id + " · " + inc.title), FW.badge(inc.status)),
    el("p", { class: "muted" }, "opened " + FW.time(inc.created_at) +
      (inc.services.length ? " · services: " + inc.services.join(", ") : "") +
      (inc.resolved_at ? " · resolved " + FW.time(inc.resolved_at) : "")),
    el("div", { class: "controls" }, el("label", {}, "severity", sev), ...roles,
      ...verbs.map((v) => FW.action(v, async () => { await FW.post(base + "/" + v); reload(); }))));
}

function stepRow(s) {
  return [FW.badge(s.status), s.name, s.phase, s.kind, s.message || "",
    s.output ? el("pre", { class: "output" }, s.output) : ""];
}

function response(box, id, r, reload) {
  box.textContent = "";
  if (!r || !r.phase) {
    box.append(el("p", { class: "muted" }, "The responder has not taken this incident up."));
    return;
  }
  box.append(el("p", {}, "phase ", FW.badge(r.phase), r.runbook ? " · runbook " + r.runbook : ""));
  for (const w of r.waiting_for || []) {
    const body = { step: w.step };
    const base = "/api/v1/incidents/" + encodeURIComponent(id);
    box.append(el("div", { class: "waiting", id: "waiting" },
      el("strong", {}, "Waiting for approval: "), w.step, " (since " + FW.clock(w.since) + ") ",
      FW.action("Approve", async () => { await FW.post(base + "/approve", body); reload(); }, "primary approve"),
      FW.action("Reject", async () => { await FW.post(base + "/reject", body); reload(); }, "danger reject")));
  }
  const runs = (r.finished_runs || []).concat(r.run ? [r.run] : []);
  for (const run of runs) {
    box.append(el("h3", {}, run.runbook + " — " + run.status),
      FW.table(["state", "step", "phase", "kind", "message", "output"], run.steps.map(stepRow), "grid steps"));
  }
}

// Marks for a graph: the onset, when the evidence moved, and changes.
async function marks(onset, changesRead) {
  const changes = await changesRead;
  const m = [{ t: onset, label: "onset", color: "#c92a2a" }];
  for (const c of changes) m.push({ t: FW.ms(c["@timestamp"]), label: (c.version || c.type) + " " + (c.status || ""), color: "#5c7cfa" });
  return m;
}

function logLinesQuery(q) {
  const filter = FW.splitPipes(q).filter((p) => /^filter\b/.test(p)).join(" | ");
  return (filter || "fields @message") + " | fields @timestamp, @message | sort @timestamp desc | limit 20";
}

async function evidenceBody(ev, onset, changes) {
  const box = el("div", { class: "evidence-body" });
  const start = onset - WINDOW, end = onset + WINDOW;
  if (ev.language === "promql") {
    box.classList.add("chart");
    box.setAttribute("data-query", ev.query);
    FW.graphs.push(FW.guard(() => FW.rangeChart(box, ev.query, start, end, 0, marks(onset, changes)))());
  } else if (ev.language === "insights") {
    // After the graphs: they are what a responder looks at first.
    FW.afterGraphs(FW.guard(async () => {
      const res = await FW.logsQuery(logLinesQuery(ev.query), start - WINDOW, end + WINDOW, 20);
      const rows = FW.rowsOf(res);
      box.append(rows.length ? el("pre", { class: "loglines" }, rows.map((r) => (r["@timestamp"] || "") + "  " + (r["@message"] || "")).join("\n"))
        : el("p", { class: "muted" }, "no matching lines"));
    }));
  } else if (ev.language === "sql") {
    box.append(FW.table(["what the database said", "asked with"], [[ev.detail, el("code", {}, ev.query)]]));
  }
  return box;
}

// Work to start once every graph of the page is drawn (or has failed).
FW.graphs = [];
FW.afterGraphs = (fn) => setTimeout(() => Promise.all(FW.graphs).then(fn), 0);

async function hypotheses(box, r, onset, changes) {
  FW.graphs = [];
  box.textContent = "";
  if (!r || !r.hypotheses) {
    box.append(el("p", { class: "muted" }, "No analysis yet."));
    return;
  }
  const byId = new Map((r.evidence || []).map((e) => [e.id, e]));
  for (const h of r.hypotheses) {
    const pct = Math.round(h.confidence * 100);
    const item = el("div", { class: "hypothesis" },
      el("div", { class: "hyp-head" }, el("strong", {}, h.category), " ", el("span", { class: "muted" }, pct + "%"),
        el("span", { class: "bar" }, el("span", { class: "fill w" + Math.min(10, Math.round(pct / 10)) }))),
      el("p", {}, h.explanation),
      h.checks ? el("ul", { class: "checks" }, h.checks.map((c) => el("li", {}, c))) : "",
      h.ruled_out_by ? el("p", { class: "muted" }, "ruled out by: " + h.ruled_out_by.join("; ")) : "");
    for (const id of h.evidence) {
      const ev = byId.get(id);
      if (!ev) continue;
      item.append(el("div", { class: "evidence" }, el("h4", {}, ev.title),
        el("p", { class: "muted" }, ev.detail),
        ev.query ? el("code", { class: "query" }, ev.query) : "",
        await evidenceBody(ev, onset, changes)));
    }
    box.append(item);
  }
  if (r.gaps && r.gaps.length) box.append(el("p", { class: "muted" }, "not looked at: " + r.gaps.join("; ")));
}

function timeline(box, entries) {
  const seen = new Set([...box.querySelectorAll("li")].map((li) => li.dataset.seq));
  for (const e of entries) {
    if (seen.has(String(e.seq))) continue;
    box.append(el("li", { "data-seq": e.seq, class: "kind-" + e.kind },
      el("time", {}, FW.clock(e.time)), " ", FW.badge(e.kind.replace(/_/g, " "), "kind"), " ",
      el("span", {}, e.text), el("span", { class: "muted" }, " — " + e.actor)));
  }
}

function writeForms(id) {
  const base = "/api/v1/incidents/" + encodeURIComponent(id);
  const form = (label, path, ident, hint) => {
    const text = el("textarea", { rows: 2, id: ident, placeholder: hint });
    const f = el("form", { class: "write-form" }, text, el("button", { type: "submit", class: "write" }, label));
    f.addEventListener("submit", FW.guard(async (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) return;
      await FW.post(base + path, { text: text.value.trim() });
      text.value = "";
      FW.flash(label + ": done", "note");
    }));
    return f;
  };
  if (!FW.canWrite()) return el("p", { class: "muted" }, "Sign in as a responder to write notes and status updates.");
  return el("div", { class: "write-forms" },
    form("Add note", "/notes", "note-text", "a note for the responders"),
    form("Post status update", "/status", "status-text", "a public update: it goes to the status page and stakeholders"));
}

function report(id) {
  const base = "/api/v1/incidents/" + encodeURIComponent(id) + "/report";
  const body = el("div", { class: "report", id: "report" });
  const show = el("button", { type: "button" }, "Show the report");
  show.addEventListener("click", FW.guard(async () => {
    const r = await fetch(base + "?format=markdown", { credentials: "same-origin" });
    if (!r.ok) throw new Error("report: " + r.status);
    body.textContent = "";
    body.append(FW.markdown(await r.text()));
  }));
  return el("div", {}, el("p", {}, show, " download: ",
    ...["markdown", "html", "json"].map((f) => el("a", { href: base + "?format=" + f, download: id + "." + ({ markdown: "md" }[f] || f) }, f + " "))), body);
}

function actionItems(box, id, items) {
  const base = "/api/v1/incidents/" + encodeURIComponent(id) + "/action_items";
  box.textContent = "";
  box.append(el("ul", { class: "items" }, items.map((a) => {
    const cb = el("input", { type: "checkbox", disabled: !FW.canWrite() });
    cb.checked = a.done;
    cb.addEventListener("change", FW.guard(() => FW.post(base + "/" + encodeURIComponent(a.id), { done: cb.checked })));
    return el("li", {}, cb, " ", a.text, a.owner ? el("span", { class: "muted" }, " — " + a.owner) : "");
  })));
  if (FW.canWrite()) {
    const text = el("input", { placeholder: "new action item" }), owner = el("input", { placeholder: "owner" });
    const f = el("form", { class: "inline" }, text, owner, el("button", { type: "submit" }, "Add"));
    f.addEventListener("submit", FW.guard(async (ev) => {
      ev.preventDefault();
      if (!text.value.trim()) return;
      await FW.post(base, { text: text.value.trim(), owner: owner.value.trim() });
      actionItems(box, id, (await FW.get(base)).data);
    }));
    box.append(f);
  }
}

FW.pages.incident = function (main, id) {
  const base = "/api/v1/incidents/" + encodeURIComponent(id);
  const head = el("div", { id: "summary" }), resp = el("div", { id: "response" });
  const hyps = el("div", { id: "hypotheses" }), tl = el("ol", { id: "timeline", class: "timeline" });
  const items = el("div", { id: "action-items" });
  main.append(head,
    el("div", { class: "columns" },
      el("div", { class: "col-main" },
        section("Response", "response-card", resp),
        section("Hypotheses and evidence", "hypotheses-card", hyps),
        section("Report", "report-card", report(id)),
        section("Action items", "items-card", items)),
      el("div", { class: "col-side" }, section("Timeline", "timeline-card", writeForms(id), tl))));
  let drawn = false, lastSeq = -1, lastResp = "";
  const refresh = FW.guard(async () => {
    const [inc, r] = await Promise.all([FW.get(base), FW.get(base + "/response")]);
    const i = inc.data;
    const seq = i.timeline.length ? i.timeline[i.timeline.length - 1].seq : 0;
    if (seq !== lastSeq) {
      lastSeq = seq;
      summary(head, i, refresh);
      timeline(tl, i.timeline);
    }
    const rs = JSON.stringify([r.data.phase, r.data.waiting_for, r.data.run, (r.data.finished_runs || []).length]);
    if (rs !== lastResp) {
      lastResp = rs;
      response(resp, id, r.data, refresh);
    }
    if (!drawn && r.data.hypotheses) {
      drawn = true;
      const onset = FW.ms(i.created_at);
      // Read beside the graphs' queries; each graph marks them when both are in.
      const changes = FW.get("/api/v1/changes?since=" + new Date(onset - WINDOW).toISOString() + "&until=" + new Date(onset + WINDOW).toISOString())
        .then((c) => (c.data || []).filter((x) => x.type === "deployment" && (x.status === "started" || x.status === "completed")))
        .catch(() => []);  // marks are optional
      await hypotheses(hyps, r.data, onset, changes);
    } else if (!drawn) {
      hyps.textContent = "";
      hyps.append(el("p", { class: "muted" }, "No analysis yet."));
    }
  });
  FW.poll(refresh, 2000);
  FW.guard(async () => actionItems(items, id, (await FW.get(base + "/action_items")).data))();
};

// A little Markdown (headings, lists, tables as text, paragraphs) as DOM nodes.
FW.markdown = function (text) {
  const out = el("div", { class: "md" });
  let list = null;
  for (const line of text.split("\n")) {
    const h = /^(#{1,4})\s+(.*)/.exec(line), li = /^\s*[-*]\s+(.*)/.exec(line);
    if (li) {
      if (!list) out.append((list = el("ul")));
      list.append(el("li", {}, li[1]));
      continue;
    }
    list = null;
    if (h) out.append(el("h" + (h[1].length + 2), {}, h[2]));
    else if (line.startsWith("|")) out.append(el("pre", { class: "md-table" }, line));
    else if (line.trim()) out.append(el("p", {}, line));
  }
  return out;
};
})();

// firewatch console core: DOM helper, API calls (session cookie + CSRF),
// time formatting, polling tied to the current page, and the uPlot chart.
"use strict";
const FW = (window.FW = {
  session: { signedIn: false, role: "", name: "", csrf: "" },
  timers: [],
  palette: ["#e8590c", "#1971c2", "#2f9e44", "#9c36b5", "#c2255c", "#0c8599", "#f08c00"],
});

// el("div", {class: "x", onclick: f}, "text", child...): text is never parsed as HTML.
FW.el = function (tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "value") e.value = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
};

FW.canWrite = () => FW.session.role === "responder" || FW.session.role === "admin";

// A JSON API call. Writes carry the session's CSRF token; errors throw with
// the server's message (and .status).
FW.api = async function (method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = FW.session.csrf || "";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = { raw: text }; }
  if (!r.ok) {
    const msg = json && json.error ? json.error.message : r.status + " " + r.statusText;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return json;
};
// Reads started early (while the session loads) are handed to the first
// FW.get of the same path.
FW.pending = new Map();
FW.prefetch = function (paths) {
  for (const p of paths) {
    const read = FW.api("GET", p);
    read.catch(() => {});  // the page that takes it handles its failure
    FW.pending.set(p, read);
  }
};
FW.get = function (path) {
  const early = FW.pending.get(path);
  if (!early) return FW.api("GET", path);
  FW.pending.delete(path);
  return early;
};
FW.post = (path, body) => FW.api("POST", path, body === undefined ? {} : body);

FW.loadSession = async function () {
  try {
    FW.session = (await FW.get("/ui/session")).data;
  } catch (e) {
    FW.session = { signedIn: false };
  }
  document.body.classList.toggle("can-write", FW.canWrite());
};

// Runs fn now and every ms until the page changes.
FW.poll = function (fn, ms) {
  fn();
  FW.timers.push(setInterval(fn, ms));
};
FW.stopPolling = function () {
  FW.timers.forEach(clearInterval);
  FW.timers = [];
};

FW.time = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) + "Z" : "—");
FW.clock = (iso) => (iso ? new Date(iso).toISOString().slice(11, 19) : "");
// Logs Insights writes times as "2026-01-15 14:10:00.000", in UTC.
FW.ms = (iso) => new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d(:[\d.]+)?$/.test(iso) ? iso.replace(" ", "T") + "Z" : iso).getTime();

// The server's clock (the simulated one in a drill), from PromQL's time().
FW.serverNow = async function () {
  const r = await FW.get("/api/v1/query?query=time()");
  return Number(r.data.result[1]) * 1000;
};

// Shows an error (or a note) at the top of the page.
FW.flash = function (msg, kind) {
  const box = document.getElementById("flash") || FW.el("div", { id: "flash" });
  box.className = "flash " + (kind || "error");
  box.textContent = msg;
  document.getElementById("main").prepend(box);
};
// Runs fn, showing its error; a read refused for want of a token (reads
// need one on this server) sends the reader to sign in.
FW.guard = (fn) => async (...args) => {
  try {
    await fn(...args);
  } catch (e) {
    if (e.status === 401 && location.pathname !== "/ui/login") {
      FW.go("/ui/login?next=" + encodeURIComponent(location.pathname));
    } else {
      FW.flash(e.message);
    }
  }
};

// A button that calls fn; disabled (and hidden by CSS) for viewers.
FW.action = function (label, fn, cls) {
  const b = FW.el("button", { class: "write " + (cls || ""), type: "button" }, label);
  b.disabled = !FW.canWrite();
  b.addEventListener("click", FW.guard(async () => {
    b.disabled = true;
    try { await fn(); } finally { b.disabled = !FW.canWrite(); }
  }));
  return b;
};

// Prometheus matrix -> uPlot columns: one x axis (seconds), a column per series.
FW.toColumns = function (matrix) {
  const xs = new Set();
  for (const s of matrix) for (const [t] of s.values) xs.add(Number(t));
  const x = [...xs].sort((a, b) => a - b);
  const index = new Map(x.map((t, i) => [t, i]));
  const cols = [x];
  for (const s of matrix) {
    const col = new Array(x.length).fill(null);
    for (const [t, v] of s.values) col[index.get(Number(t))] = Number(v);
    cols.push(col);
  }
  return cols;
};
FW.seriesName = function (metric) {
  const parts = Object.entries(metric || {}).filter(([k]) => k !== "__name__");
  const name = (metric && metric.__name__) || "";
  return parts.length ? name + "{" + parts.map(([k, v]) => k + '="' + v + '"').join(", ") + "}" : name || "value";
};

// Draws a Prometheus matrix with uPlot into `box`. marks: [{t: ms, label, color}]
// drawn as vertical lines (the onset, changes).
FW.chart = function (box, matrix, marks, height) {
  const data = FW.toColumns(matrix);
  const series = [{}].concat(matrix.map((s, i) => ({
    label: FW.seriesName(s.metric),
    stroke: FW.palette[i % FW.palette.length],
    width: 2,
    points: { show: false },
  })));
  const drawMarks = (u) => {
    const ctx = u.ctx;
    ctx.save();
    for (const m of marks || []) {
      const x = u.valToPos(m.t / 1000, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.strokeStyle = m.color || "#868e96";
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.fillStyle = m.color || "#868e96";
      ctx.font = 11 * devicePixelRatio + "px sans-serif";
      ctx.fillText(m.label, x + 4, u.bbox.top + 12 * devicePixelRatio);
    }
    ctx.restore();
  };
  const width = Math.max(280, box.clientWidth || 600);
  const u = new uPlot({
    width, height: height || 220, series,
    scales: { x: { time: true } },
    legend: { show: matrix.length <= 8 },
    hooks: { draw: [drawMarks] },
  }, data, box);
  FW.plots.push([u, box]);
  return u;
};

// Charts follow the width of their box (a phone turned, a window resized).
FW.plots = [];
window.addEventListener("resize", () => {
  FW.plots = FW.plots.filter(([, box]) => box.isConnected);
  for (const [u, box] of FW.plots) {
    const width = Math.max(280, box.clientWidth);
    if (width !== u.width) u.setSize({ width, height: u.height });
  }
});

// Fetches a range query and draws it; returns the matrix.
// marks may be a promise (read beside the query).
FW.rangeChart = async function (box, query, start, end, step, marks) {
  const q = new URLSearchParams({ query, start: start / 1000, end: end / 1000, step: step || Math.max(1, Math.round((end - start) / 1000 / 240)) });
  const [r, m] = await Promise.all([FW.get("/api/v1/query_range?" + q), marks]);
  marks = m;
  const matrix = r.data.result || [];
  box.textContent = "";
  if (!matrix.length) {
    box.append(FW.el("p", { class: "muted" }, "no data for this query in this window"));
    return matrix;
  }
  FW.chart(box, matrix, marks);
  return matrix;
};

// A small table from a header list and rows of cells.
FW.table = function (head, rows, cls) {
  return FW.el("table", { class: cls || "grid" },
    FW.el("thead", {}, FW.el("tr", {}, head.map((h) => FW.el("th", {}, h)))),
    FW.el("tbody", {}, rows.map((r) => FW.el("tr", {}, r.map((c) => FW.el("td", {}, c))))));
};

// Runs a Logs Insights query and waits for its result (bounded).
FW.logsQuery = async function (query, start, end, limit) {
  const r = await FW.post("/api/v1/logs/queries", {
    queryString: query, startTime: Math.floor(start / 1000), endTime: Math.ceil(end / 1000), limit: limit || 1000,
  });
  for (let i = 0; i < 100; i++) {
    const res = await FW.get("/api/v1/logs/queries/" + encodeURIComponent(r.queryId));
    if (res.status === "Complete") return res;
    if (res.status === "Failed" || res.status === "Cancelled") throw new Error("query " + res.status.toLowerCase() + ": " + (res.error || ""));
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error("the logs query did not finish in 10 s");
};
// A Logs Insights query's commands: split on the pipes that are outside
// quotes and /regexes/ ("filter x like /a|b/ | stats ..." is two).
FW.splitPipes = function (query) {
  const parts = [];
  let cur = "", quote = "", regex = false;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if ((quote || regex) && c === "\\") { cur += c + (query[++i] || ""); continue; }
    if (quote) { if (c === quote) quote = ""; }
    else if (regex) { if (c === "/") regex = false; }
    else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "/" && /(like|=~|[(,])\s*$/i.test(cur)) regex = true;
    else if (c === "|") { parts.push(cur.trim()); cur = ""; continue; }
    cur += c;
  }
  parts.push(cur.trim());
  return parts.filter((p) => p);
};
FW.rowsOf = (res) => (res.results || []).map((row) => Object.fromEntries(row.map((c) => [c.field, c.value])));

// Explore: a PromQL graph page (range, step, several series, legend, table)
// and a Logs Insights page (query, results, a histogram of matching events,
// `pattern` results), both on the server's own query APIs.
"use strict";
(function () {
const { el } = FW;
const RANGES = { "15m": 15, "30m": 30, "1h": 60, "3h": 180, "12h": 720 };

function rangeSelect(value) {
  const s = el("select", { "aria-label": "range" }, Object.keys(RANGES).map((k) => el("option", { value: k }, k)));
  s.value = value;
  return s;
}

FW.pages.explore = function (main) {
  const params = new URLSearchParams(location.search);
  const query = el("textarea", { id: "promql", rows: 2, class: "code" }, params.get("q") || "sum by (instance) (rate(http_requests_total[1m]))");
  const range = rangeSelect(params.get("range") || "30m");
  const step = el("input", { id: "step", placeholder: "step (s), auto", size: 8, value: params.get("step") || "" });
  const graph = el("div", { id: "graph", class: "chart" }), table = el("div", { id: "graph-table" });
  const run = FW.guard(async () => {
    const end = await FW.serverNow(), start = end - RANGES[range.value] * 60e3;
    history.replaceState(null, "", "?" + new URLSearchParams({ q: query.value, range: range.value, step: step.value }));
    const matrix = await FW.rangeChart(graph, query.value, start, end, Number(step.value) || 0, []);
    table.textContent = "";
    table.append(FW.table(["series", "last value", "points"], matrix.map((s) => [
      FW.seriesName(s.metric), s.values.length ? s.values[s.values.length - 1][1] : "", String(s.values.length)])));
  });
  const form = el("form", { class: "query-form" }, query, el("div", { class: "inline" }, range, step, el("button", { type: "submit" }, "Run")));
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  main.append(el("h1", {}, "Explore metrics"), form, graph, el("h2", {}, "Table"), table);
  run();
};

// The histogram of matching events: the query's filters, counted per bin
// (about 60 bins over the range) by the server.
async function histogram(box, query, start, end) {
  const filters = FW.splitPipes(query).filter((p) => /^filter\b/.test(p));
  const seconds = Math.max(1, Math.round((end - start) / 1000 / 60));
  const bin = "bin(" + seconds + "s)";
  const res = await FW.logsQuery(filters.concat(["stats count(*) as events by " + bin]).join(" | "), start, end, 1000);
  const counts = new Map(FW.rowsOf(res).map((r) => [Math.floor(FW.ms(r[bin]) / 1000), Number(r.events)]));
  const xs = [], ys = [];
  for (let t = Math.floor(start / 1000 / seconds) * seconds; t <= end / 1000; t += seconds) {
    xs.push(t);
    ys.push(counts.get(t) || 0);
  }
  box.textContent = "";
  const u = new uPlot({
    width: Math.max(280, box.clientWidth || 600), height: 140,
    scales: { x: { time: true } }, legend: { show: false },
    series: [{}, { label: "events", stroke: FW.palette[1], fill: "rgba(25,113,194,0.3)", points: { show: false }, paths: uPlot.paths.bars({ size: [0.9] }) }],
  }, [xs, ys], box);
  FW.plots.push([u, box]);
}

FW.pages.logs = function (main) {
  const params = new URLSearchParams(location.search);
  const query = el("textarea", { id: "insights", rows: 5, class: "code" },
    params.get("q") || "fields @timestamp, @message\n| filter @message like /(?i)error|warn/\n| sort @timestamp desc\n| limit 200");
  const range = rangeSelect(params.get("range") || "1h");
  const hist = el("div", { id: "histogram", class: "chart" }), results = el("div", { id: "results" });
  const stats = el("p", { class: "muted" });
  const run = FW.guard(async () => {
    const end = await FW.serverNow(), start = end - RANGES[range.value] * 60e3;
    history.replaceState(null, "", "?" + new URLSearchParams({ q: query.value, range: range.value }));
    const res = await FW.logsQuery(query.value, start, end, 1000);
    const rows = FW.rowsOf(res);
    const s = res.statistics || {};
    stats.textContent = rows.length + " rows · " + (s.recordsMatched || 0) + " matched of " + (s.recordsScanned || 0) + " scanned";
    const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((f) => f !== "@ptr");
    results.textContent = "";
    results.append(rows.length ? FW.table(fields, rows.map((r) => fields.map((f) => r[f] || ""))) : el("p", { class: "muted" }, "no results"));
    await histogram(hist, query.value, start, end);
  });
  const examples = el("p", { class: "muted" }, "Try: ",
    el("a", { href: "?q=" + encodeURIComponent("pattern @message | limit 20") }, "pattern @message"), " · ",
    el("a", { href: "?q=" + encodeURIComponent("stats count(*) by level, bin(1m)") }, "stats by level"));
  const form = el("form", { class: "query-form" }, query, el("div", { class: "inline" }, range, el("button", { type: "submit" }, "Run")));
  form.addEventListener("submit", (e) => { e.preventDefault(); run(); });
  main.append(el("h1", {}, "Logs Insights"), form, examples, hist, stats, results);
  run();
};
})();

#!/usr/bin/python3
"""How fast the incident page of the headline outage loads from a local
`firewatch serve` (fed by the simulator, as tests/web/stack.py runs it).

Two measures, each the median (and p90) of N loads:
 - browser: headless Chromium, a fresh tab with an empty cache each time,
   from navigation start until the page is usable: the summary, the
   timeline, the Approve button and every metric evidence's graph drawn
   (a uPlot canvas per chart);
 - http: the same requests the page makes (shell, assets, session, incident,
   response, changes, each evidence's query_range) fetched one after another
   over one keep-alive connection, without cache.

usage: bench/web_page_load.py FIREWATCH_BIN SOURCE_DIR [N]"""
import calendar
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/web"))
import stack  # noqa: E402
from browser_test import browser  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

READY = """
const charts = document.querySelectorAll('#hypotheses .chart');
return document.querySelector('#summary h1') && document.querySelector('#timeline li') &&
  document.querySelector('#waiting button.approve') && charts.length > 0 &&
  [...charts].every((c) => c.querySelector('canvas'));
"""
# Polls READY inside the page (no WebDriver round trip per check) and answers
# performance.now(), which counts from this document's navigation start.
WAIT_READY = """
const done = arguments[arguments.length - 1];
const ready = () => { %s };
const check = () => (ready() ? done(performance.now()) : setTimeout(check, 2));
check();
""" % READY


def browser_loads(url, n):
    d = browser()
    times = []
    try:
        d.get(url + "/ui/login")
        WebDriverWait(d, 30).until(lambda d: d.find_elements("css selector", "#token"))
        d.find_element("css selector", "#token").send_keys(stack.RESPONDER)
        d.find_element("css selector", "#sign-in").click()
        WebDriverWait(d, 30).until(lambda d: d.find_elements("css selector", "#incident-list a"))
        for _ in range(n):
            d.execute_cdp_cmd("Network.clearBrowserCache", {})
            d.get("about:blank")
            d.get(url + "/ui/incidents/INC-1")
            times.append(d.execute_async_script(WAIT_READY))
    finally:
        d.quit()
    return times


def http_loads(s, n, evidence, onset):
    paths = ["/ui/incidents/INC-1"] + ["/ui/assets/" + a for a in
             ["uplot.css", "style.css", "uplot.js", "console.js"]] + [
        "/ui/session", "/api/v1/incidents/INC-1", "/api/v1/incidents/INC-1/response",
        "/api/v1/incidents/INC-1/action_items",
        "/api/v1/changes?since=%d&until=%d" % ((onset - 1200e3) / 1e3, (onset + 1200e3) / 1e3)]
    for e in evidence:
        if e["language"] == "promql":
            paths.append("/api/v1/query_range?" + urllib.parse.urlencode(
                {"query": e["query"], "start": (onset - 1200e3) / 1e3,
                 "end": (onset + 1200e3) / 1e3, "step": 10}))
    times = []
    for _ in range(n):
        c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        t = time.perf_counter()
        for p in paths:
            c.request("GET", p, headers={"Authorization": "Bearer " + stack.RESPONDER,
                                         "Accept-Encoding": "gzip"})
            r = c.getresponse()
            r.read()
            assert r.status == 200, (p, r.status)
        times.append((time.perf_counter() - t) * 1000)
        c.close()
    return times, len(paths)


def summary(name, times):
    times = sorted(times)
    p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
    print("%-8s median %6.1f ms  p90 %6.1f ms  min %6.1f ms  (n=%d)" %
          (name, statistics.median(times), p90, times[0], len(times)))


def main():
    binary, source = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    s = stack.Stack(binary, source).start()
    try:
        r = s.wait_for_approval()
        inc = s.get("/api/v1/incidents/INC-1")["data"]
        onset = calendar.timegm(time.strptime(inc["created_at"][:19], "%Y-%m-%dT%H:%M:%S")) * 1000
        times, requests = http_loads(s, n, r["evidence"], onset)
        summary("http", times)
        print("         (%d requests per load)" % requests)
        summary("browser", browser_loads(s.url, n))
    finally:
        s.stop()


if __name__ == "__main__":
    main()

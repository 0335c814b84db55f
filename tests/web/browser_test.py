#!/usr/bin/python3
"""The web console in a real browser (headless Chromium through Selenium)
against `firewatch serve` fed by the simulator's headline outage:
sign in, open the incident, see the top evidence's graph drawn (pixels of the
series colour in the chart's screenshot), approve the waiting step and see
the timeline record it, create a silence, read the status page signed out,
and be refused a write as a viewer. Saves screenshots of the main pages to
docs/img/ when FW_SCREENSHOTS is set.

usage: browser_test.py FIREWATCH_BIN SOURCE_DIR"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png  # noqa: E402
import stack  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

SERIES_RGB = (0xe8, 0x59, 0x0c)  # FW.palette[0]: the first series of a chart
WAIT = 30


def browser():
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,1000", "--force-device-scale-factor=1"]:
        opts.add_argument(a)
    opts.binary_location = "/usr/bin/chromium"
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    d.set_page_load_timeout(WAIT)
    d.set_script_timeout(WAIT)
    return d


class Console:
    def __init__(self, driver, url, shots):
        self.d, self.url, self.shots = driver, url, shots

    def wait(self, what, fn, timeout=WAIT):
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.2).until(lambda d: fn())
        except Exception:
            raise AssertionError("timed out waiting for " + what + "; page text:\n" +
                                 self.d.find_element(By.TAG_NAME, "body").text[:2000])

    def css(self, sel):
        return self.d.find_elements(By.CSS_SELECTOR, sel)

    def text(self, sel):
        return " ".join(e.text for e in self.css(sel))

    def shot(self, name, height=1000):
        if self.shots:
            self.d.set_window_size(1280, height)
            self.d.execute_script("window.scrollTo(0, 0)")
            time.sleep(0.4)  # charts repaint after the resize
            self.d.save_screenshot(os.path.join(self.shots, name + ".png"))
            self.d.set_window_size(1280, 1000)

    def phone_shot(self, name):
        """A screenshot as a phone shows the page (390 x 844 CSS pixels)."""
        if self.shots:
            self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
            self.d.execute_script("window.dispatchEvent(new Event('resize')); window.scrollTo(0, 0)")
            time.sleep(0.4)
            self.d.save_screenshot(os.path.join(self.shots, name + ".png"))
            self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def sign_in(self, token):
        self.d.get(self.url + "/ui/login")
        self.wait("the sign-in form", lambda: self.css("#token"))
        self.css("#token")[0].send_keys(token)
        self.css("#sign-in")[0].click()
        self.wait("the incident list", lambda: "INC-1" in self.text("#incident-list"))


def check(cond, message):
    if not cond:
        raise AssertionError(message)
    print("ok -", message)


def graph_is_drawn(c):
    canvas = c.wait("the top evidence's graph", lambda: c.css("#hypotheses .chart canvas"))[0]
    c.d.execute_script("arguments[0].scrollIntoView()", canvas)
    time.sleep(0.3)  # the canvas paints on the next frame
    pixels = png.count_colour(canvas.screenshot_as_png, SERIES_RGB)
    check(pixels > 200, "the top evidence's graph shows its series line (%d pixels of the "
          "series colour)" % pixels)
    control = png.count_colour(c.css("#response")[0].screenshot_as_png, SERIES_RGB)
    check(control < pixels // 10, "the count tells a line from no line (%d such pixels in the "
          "response panel beside it)" % control)


def no_csp_violation(c, where):
    """The console keeps its own Content-Security-Policy: nothing refused."""
    refused = [e["message"] for e in c.d.get_log("browser")
               if "Content Security Policy" in e["message"]]
    check(not refused, where + " run under the strict CSP without a violation " + str(refused[:2]))


def responder_flow(c, s):
    c.sign_in(stack.RESPONDER)
    c.shot("incidents")
    # Silence first, while the outage fires (the rollback clears its alerts
    # within seconds of the approval at 40x).
    c.d.get(c.url + "/ui/alerts")
    c.wait("an alert with a Silence button", lambda: c.css("#alerts button.write"))
    c.css("#alerts button.write")[0].click()
    prompt = c.wait("the silence prompt", lambda: EC.alert_is_present()(c.d))
    prompt.send_keys("1")
    prompt.accept()
    c.wait("the new silence", lambda: "silenced from the console" in c.text("#silences"))
    check(True, "a silence created from an alert is listed")
    c.wait("the alert shown as silenced", lambda: "silenced" in c.text("#alerts .badge"))
    check(True, "the silenced alert is shown as silenced")
    c.shot("alerts")
    c.d.get(c.url + "/ui/incidents/INC-1")
    c.wait("the Approve button", lambda: c.css("#waiting button.approve"))
    graph_is_drawn(c)
    c.shot("incident", 1500)
    c.phone_shot("incident-phone")
    c.css("#waiting button.approve")[0].click()
    c.wait("the approval on the timeline", lambda: "approved" in c.text("#timeline"))
    check("approved" in c.text("#timeline"), "approving the waiting step lands on the timeline")
    status_text = "We rolled back the release; checkout recovers."
    c.css("#status-text")[0].send_keys(status_text)
    c.css("#status-text")[0].find_element(By.XPATH, "..").find_element(By.TAG_NAME, "button").click()
    c.wait("the status update on the timeline", lambda: status_text in c.text("#timeline"))
    check(True, "a status update posted from the incident page lands on the timeline")
    return status_text


def status_signed_out(c, status_text):
    c.d.delete_all_cookies()
    c.d.get(c.url + "/status")
    c.wait("the status page", lambda: "Components" in c.text("#status"))
    check(status_text in c.text("#status"), "the status page, signed out, shows the public update")
    c.shot("status")
    no_csp_violation(c, "the status page")


def viewer_is_refused(c):
    c.sign_in(stack.VIEWER)
    c.d.get(c.url + "/ui/incidents/INC-1")
    c.wait("the timeline", lambda: c.css("#timeline li"))
    visible = [b for b in c.css("button.write") if b.is_displayed()]
    check(not visible, "a viewer sees no write button")
    status = c.d.execute_async_script(
        "const done = arguments[0];"
        "FW.post('/api/v1/incidents/INC-1/notes', {text: 'from a viewer'})"
        ".then(() => done(200), (e) => done(e.status));")
    check(status == 403, "a viewer's write with a valid session and CSRF token is refused (%s)"
          % status)
    no_csrf = c.d.execute_async_script(
        "const done = arguments[0];"
        "fetch('/api/v1/incidents/INC-1/notes', {method: 'POST', credentials: 'same-origin',"
        " body: '{\"text\":\"x\"}'}).then((r) => done(r.status));")
    check(no_csrf == 403, "a write without the CSRF token is refused (%s)" % no_csrf)


def other_pages(c):
    for page, ready in [("explore", "#graph canvas"), ("logs", "#histogram canvas"),
                        ("oncall", "table")]:
        c.d.get(c.url + "/ui/" + page)
        c.wait(page, lambda: c.css(ready))
        c.shot(page)
    check(True, "explore, logs and on-call pages render their data")
    no_csp_violation(c, "the incident, alerts, explore, logs and on-call pages")


def out_of_time(signum, frame):
    raise TimeoutError("the browser test ran past its 360 s")


def main():
    binary, source = sys.argv[1], sys.argv[2]
    # Past this, fail through the finally below: the browser and both servers
    # are stopped (ctest's own timeout, 400 s, would kill only this process).
    signal.signal(signal.SIGALRM, out_of_time)
    signal.alarm(360)
    shots = os.environ.get("FW_SCREENSHOTS")
    if shots:
        os.makedirs(shots, exist_ok=True)
    s = stack.Stack(binary, source).start()
    d = None
    try:
        s.wait_for_approval()
        d = browser()
        c = Console(d, s.url, shots)
        text = responder_flow(c, s)
        other_pages(c)
        status_signed_out(c, text)
        viewer_is_refused(c)
        d.delete_all_cookies()
        d.get(s.url + "/ui/login")
        c.wait("the sign-in form", lambda: c.css("#token"))
        c.shot("login")
    finally:
        if d:
            d.quit()
        s.stop()
    print("browser test passed")


if __name__ == "__main__":
    main()

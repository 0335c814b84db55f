"""The headline outage, live: `firewatch sim serve` (the production, accelerated)
and `firewatch serve` on the shipped config/firewatch.yml with three tokens
(admin, responder, viewer), as tests/e2e/responder_test.cpp runs them.
Used by the browser test and bench/web_page_load.py. Everything listens on
127.0.0.1; stop() kills exactly the processes it started."""
import ctypes
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

ADMIN, RESPONDER, VIEWER = "web-admin-token", "web-responder-token", "web-viewer-token"
SPEED = "40"
START = "2026-01-15T14:00:00Z"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _die_with_parent():
    """In the child: SIGTERM when the test process dies, however it dies."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, 15)  # PR_SET_PDEATHSIG, SIGTERM


class Stack:
    def __init__(self, binary, source_dir):
        self.binary, self.source = binary, source_dir
        self.dir = tempfile.mkdtemp(prefix="fw-web-")
        self.procs = []

    def _start(self, argv, name):
        log = open(os.path.join(self.dir, name + ".log"), "w+")
        env = dict(os.environ, FIREWATCH_TOKEN=ADMIN)
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True, preexec_fn=_die_with_parent)
        self.procs.append(p)
        return log

    def _port_from(self, log, deadline=30):
        end = time.time() + deadline
        while time.time() < end:
            log.seek(0)
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read())
            if m:
                return int(m.group(1))
            time.sleep(0.05)
        raise RuntimeError("no 'listening on' line in " + log.name)

    def start(self):
        self.port = free_port()
        sim_log = self._start([self.binary, "sim", "serve", "--scenario", "db-pool-exhaustion",
                               "--speed", SPEED, "--port", "0", "--log-file",
                               self.dir + "/sim/app.ndjson", "--change-webhook",
                               "http://127.0.0.1:%d/api/v1/changes" % self.port], "sim")
        sim_port = self._port_from(sim_log)
        shipped = self.source + "/config/"
        cfg = open(shipped + "firewatch.yml").read()
        tokens = ('listen: "127.0.0.1:%d"\n  tokens:\n'
                  '    - {name: oncall, token: %s, role: responder}\n'
                  '    - {name: dashboard, token: %s, role: viewer}' % (self.port, RESPONDER, VIEWER))
        for old, new in [('listen: "127.0.0.1:9400"', tokens),
                         ('rule_files: ["rules/*.yml"]', 'rule_files: ["%srules/*.yml"]' % shipped),
                         ("dir: runbooks ", "dir: %srunbooks " % shipped),
                         ("dir: ../data ", "dir: %s/data " % self.dir),
                         ("path: ../data/sim/*.ndjson", "path: %s/sim/*.ndjson" % self.dir),
                         # The browser takes its time: the gate waits for it.
                         ("approval_timeout: 15m", "approval_timeout: 24h")]:
            assert old in cfg, "the shipped config no longer has: " + old
            cfg = cfg.replace(old, new, 1)
        cfg = cfg.replace("127.0.0.1:9500", "127.0.0.1:%d" % sim_port)
        cfg = cfg.replace("127.0.0.1:9400", "127.0.0.1:%d" % self.port)
        with open(self.dir + "/firewatch.yml", "w") as f:
            f.write(cfg)
        serve_log = self._start([self.binary, "serve", "--config", self.dir + "/firewatch.yml",
                                 "--clock.speed", SPEED, "--clock.start", START], "serve")
        assert self._port_from(serve_log) == self.port
        self.url = "http://127.0.0.1:%d" % self.port
        return self

    def get(self, path, token=ADMIN):
        req = urllib.request.Request(self.url + path, headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read())

    def wait_for_approval(self, incident="INC-1", timeout=180):
        """Polls until the responder waits for a human on `incident`."""
        end = time.time() + timeout
        while time.time() < end:
            try:
                r = self.get("/api/v1/incidents/%s/response" % incident)
                if r.get("data", {}).get("waiting_for"):
                    return r["data"]
            except Exception:
                pass
            time.sleep(0.5)
        raise RuntimeError("no approval asked for within %ds" % timeout)

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if not os.environ.get("FIREWATCH_KEEP_TEST_DIRS"):
            shutil.rmtree(self.dir, ignore_errors=True)

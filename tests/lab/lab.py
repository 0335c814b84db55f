#!/usr/bin/env python3
"""firewatch's database lab: real MariaDB / PostgreSQL servers, the mysqld
exporter, a real web shop with a real connection pool (shop.py), load, and
the real `firewatch serve` watching all of it. Each case breaks the shop the
way production breaks, then checks every step of the response: the incident,
the analysis and its database evidence, the approval, the runbook's actions
(by SQL on the real database), the verification, the report.

  lab.py pool-leak  --firewatch build/firewatch --source .   # MariaDB, a leaking release
  lab.py pg-lock    ...                                       # PostgreSQL, a session idle in transaction
  lab.py slow-query ...                                       # MariaDB, an index dropped by a migration

Everything listens on 127.0.0.1, lives in a temporary directory and stops by
itself (--keep leaves the directory for a post-mortem). The runbooks are the
shipped ones with their hold times shortened (for: 2m -> 15s) so a case
finishes in a few minutes; the steps, actions and checks are unchanged.
"""

import argparse
import glob
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ADMIN, RESPONDER = "lab-admin-token", "lab-responder-token"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def which(name, *extra):
    for d in [None, *extra]:
        p = shutil.which(name, path=d) if d else shutil.which(name)
        if p:
            return p
    raise SystemExit("lab: %s is not installed (run scripts/setup)" % name)


class Failed(Exception):
    pass


def check(cond, what, detail=""):
    if not cond:
        raise Failed(what + (("\n" + detail) if detail else ""))
    print("  ok: " + what, flush=True)


class Lab:
    def __init__(self, args):
        self.args = args
        self.dir = tempfile.mkdtemp(prefix="fw-lab-")
        os.chmod(self.dir, 0o755)  # PostgreSQL runs as its own user
        self.procs = []
        self.stop_load = threading.Event()
        self.load_threads = []
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port

    # ---- processes -------------------------------------------------------
    def start(self, name, argv, env=None, user=None):
        log = open(os.path.join(self.dir, name + ".log"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, user=user,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs.append((name, p))
        return p

    def close(self):
        self.stop_load.set()
        for t in self.load_threads:
            t.join(timeout=5)
        for name, p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if self.args.keep:
            print("lab: kept " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def tail(self, name, n=40):
        try:
            with open(os.path.join(self.dir, name + ".log")) as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def wait(self, what, fn, timeout, every=0.5):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                last = fn()
                if last:
                    return last
            except Exception as e:  # not up yet
                last = e
            time.sleep(every)
        raise Failed("timed out after %ds waiting for %s (last: %r)" % (timeout, what, last))

    # ---- firewatch's API -------------------------------------------------
    def api(self, method, path, body=None, token=ADMIN):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read().decode()
                return r.status, (json.loads(raw) if raw.startswith(("{", "[")) else raw)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def get(self, path):
        return self.api("GET", path)[1]

    def change(self, **event):
        status, body = self.api("POST", "/api/v1/changes", event)
        check(status in (200, 201, 202), "change event accepted: %s" % event.get("version", event),
              str(body))

    def incidents(self):
        return self.get("/api/v1/incidents").get("incidents", [])

    def timeline(self, inc):
        return "\n".join(e.get("text", "") for e in self.get("/api/v1/incidents/" + inc)
                         ["data"]["timeline"])

    # ---- the shop --------------------------------------------------------
    def start_shop(self, dsn, instances=2, pool_size=8, leak_share=0.1):
        self.shops = []
        for i in range(instances):
            port = free_port()
            self.start("shop-%d" % (i + 1), [
                sys.executable, os.path.join(self.args.source, "tests/lab/shop.py"),
                "--port", str(port), "--instance", "127.0.0.1:%d" % port, "--dsn", dsn,
                "--log", os.path.join(self.dir, "logs", "shop-%d.ndjson" % (i + 1)),
                "--pool-size", str(pool_size), "--leak-share", str(leak_share)])
            self.shops.append(port)
        for port in self.shops:
            self.wait("shop on %d" % port, lambda: urllib.request.urlopen(
                "http://127.0.0.1:%d/healthz" % port, timeout=2).status == 200, 30)

    def load(self, routes, rps=16):
        """Steady traffic from a few users, spread over the shop's instances."""
        def user(n):
            rng = random.Random(n)
            while not self.stop_load.is_set():
                port = rng.choice(self.shops)
                route = rng.choices([r for r, _ in routes], [w for _, w in routes])[0]
                try:
                    urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, route), timeout=10).read()
                except Exception:
                    pass
                self.stop_load.wait(rng.expovariate(rps / 8))
        for n in range(8):
            t = threading.Thread(target=user, args=(n,), daemon=True)
            t.start()
            self.load_threads.append(t)

    def deploy(self, version, previous):
        """What a CD system does: switch every instance, then tell firewatch."""
        for port in self.shops:
            req = urllib.request.Request("http://127.0.0.1:%d/-/deploy?version=%s" % (port, version),
                                         data=b"", method="POST")
            urllib.request.urlopen(req, timeout=10).read()
        self.change(type="deployment", service="shop", version=version,
                    previous_version=previous, who="ci")
        state = os.path.join(self.dir, "shops.json")
        with open(state) as f:
            s = json.load(f)
        s["releases"].append(version)
        with open(state, "w") as f:
            json.dump(s, f)

    # ---- firewatch -------------------------------------------------------
    def runbooks(self, names):
        """The shipped runbooks, hold times shortened for the lab."""
        out = os.path.join(self.dir, "runbooks")
        os.makedirs(out, exist_ok=True)
        for name in names:
            with open(os.path.join(self.args.source, "config/runbooks", name + ".yml")) as f:
                text = f.read()
            text = re.sub(r"for: (1|2)m", "for: 15s", text)
            text = re.sub(r"timeout: \d+m", "timeout: 3m", text)
            with open(os.path.join(out, name + ".yml"), "w") as f:
                f.write(text)
        return out

    def serve(self, scrape_targets, database, runbooks, rules):
        cfg = os.path.join(self.dir, "firewatch.yml")
        with open(os.path.join(self.dir, "rules.yml"), "w") as f:
            f.write(rules)
        with open(os.path.join(self.dir, "db-ro.pass"), "w") as f:
            f.write(database.pop("ro_password") + "\n")
        # JSON values are YAML flow values: one list item, a key per line.
        lines = ["    %s: %s" % (k, json.dumps(v)) for k, v in database.items()]
        db = "  - " + "\n".join(lines)[4:]
        jobs = "\n".join("  - job_name: %s\n    static_configs: [{targets: %s}]" %
                         (job, json.dumps(t)) for job, t in scrape_targets.items())
        with open(cfg, "w") as f:
            f.write("""
server:
  listen: "127.0.0.1:%(port)d"
  tokens:
    - {name: oncall, token: %(responder)s, role: responder}
global: {scrape_interval: 2s, scrape_timeout: 2s, evaluation_interval: 5s}
rule_files: [rules.yml]
route: {receiver: oncall, group_by: [alertname], group_wait: 0s, group_interval: 1m, repeat_interval: 4h}
receivers: [{name: oncall}]
incidents: {group_by: [service], correlate_within: 15m, auto_resolve: resolve, resolve_after: 20s}
runbooks: {dir: %(runbooks)s}
response: {approval: runbook, approval_role: responder, min_confidence: 0.2, vars: {labels.service: shop}}
actions:
  rollback:
    exec:
      argv: [%(python)s, %(deploy)s, --lab, %(dir)s, --firewatch, "http://127.0.0.1:%(port)d", rollback]
      timeout: 30s
databases:
%(db)s
log_files: [{path: "%(dir)s/logs/*.ndjson", group: shop, format: json}]
storage: {dir: data}
scrape_configs:
%(jobs)s
""" % {
                "port": self.port, "responder": RESPONDER, "runbooks": runbooks,
                "python": sys.executable, "deploy": os.path.join(self.args.source, "tests/lab/deploy.py"),
                "dir": self.dir, "db": db, "jobs": jobs})
        with open(os.path.join(self.dir, "shops.json"), "w") as f:
            json.dump({"shops": self.shops, "releases": ["v1"]}, f)
        checked = subprocess.run([self.args.firewatch, "check", "config", cfg],
                                 capture_output=True, text=True)
        check(checked.returncode == 0, "firewatch check config accepts the lab's config",
              checked.stdout + checked.stderr)
        began = time.time()
        asked = subprocess.run([self.args.firewatch, "check", "databases", cfg],
                               capture_output=True, text=True)
        print("  check databases answered in %.0f ms" % ((time.time() - began) * 1000), flush=True)
        check(asked.returncode == 0 and "answered" in asked.stdout and "could not ask" not in
              asked.stdout, "firewatch check databases reaches the database with every privilege",
              asked.stdout + asked.stderr)
        env = dict(os.environ, FIREWATCH_TOKEN=ADMIN)
        self.start("firewatch", [self.args.firewatch, "serve", "--config", cfg], env=env)
        self.wait("firewatch serve", lambda: urllib.request.urlopen(
            self.base + "/healthz", timeout=2).status == 200, 30)

    def report_and_close(self, inc):
        status, md = self.api("GET", "/api/v1/incidents/%s/report" % inc)
        check(status == 200, "the report is written", str(md)[:500])
        return md


# ---- MariaDB ---------------------------------------------------------------
class Mariadb:
    def __init__(self, lab, extra=()):
        self.lab = lab
        d = os.path.join(lab.dir, "mariadb")
        os.makedirs(d)
        self.sock = os.path.join(d, "sock")
        self.port = free_port()
        subprocess.run([which("mariadb-install-db", "/usr/bin:/usr/sbin"), "--no-defaults",
                        "--datadir=" + d + "/data", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        lab.start("mariadb", [which("mariadbd", "/usr/sbin"), "--no-defaults",
                              "--datadir=" + d + "/data", "--socket=" + self.sock,
                              "--port=%d" % self.port, "--bind-address=127.0.0.1", "--user=root",
                              "--pid-file=" + d + "/pid", "--max-connections=60",
                              "--innodb-buffer-pool-size=64M", "--innodb-lock-wait-timeout=2",
                              "--performance-schema=ON", "--skip-log-bin", *extra])
        lab.wait("MariaDB", lambda: self.root() is not None, 60)

    def root(self):
        import pymysql
        return pymysql.connect(unix_socket=self.sock, user="root", autocommit=True)

    def sql(self, *statements):
        c = self.root()
        try:
            cur = c.cursor()
            rows = None
            for s in statements:
                cur.execute(s)
                rows = cur.fetchall()
            return rows
        finally:
            c.close()

    def setup_shop(self, products):
        self.sql("CREATE DATABASE shop",
                 "CREATE TABLE shop.products (id INT PRIMARY KEY, sku VARCHAR(32) NOT NULL,"
                 " name VARCHAR(64), price DECIMAL(10,2), stock INT, KEY idx_sku (sku))",
                 "CREATE TABLE shop.orders (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                 " product_id INT, amount DECIMAL(10,2), at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)",
                 "USE shop",
                 "INSERT INTO shop.products SELECT seq, CONCAT('sku-', seq), CONCAT('product ', seq),"
                 " 10 + seq %% 90, 1000000 FROM seq_1_to_%d" % products,
                 # The application, firewatch's read-only account (docs/databases.md), its
                 # account for actions, and the exporter's.
                 "CREATE USER shop@'%' IDENTIFIED BY 'shop-pw'",
                 "GRANT ALL ON shop.* TO shop@'%'",
                 "CREATE USER firewatch@'%' IDENTIFIED BY 'fw-ro-pw'",
                 "GRANT PROCESS ON *.* TO firewatch@'%'",
                 "GRANT SELECT ON shop.* TO firewatch@'%'",
                 "GRANT SELECT ON performance_schema.* TO firewatch@'%'",
                 "GRANT SELECT ON mysql.slow_log TO firewatch@'%'",
                 "CREATE USER firewatch_ops@'%' IDENTIFIED BY 'fw-ops-pw'",
                 "GRANT PROCESS, CONNECTION ADMIN ON *.* TO firewatch_ops@'%'",
                 "CREATE USER exporter@'%' IDENTIFIED BY 'exp-pw' WITH MAX_USER_CONNECTIONS 3",
                 "GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO exporter@'%'")

    def exporter(self):
        cnf = os.path.join(self.lab.dir, "exporter.cnf")
        with open(cnf, "w") as f:
            f.write("[client]\nuser=exporter\npassword=exp-pw\nhost=127.0.0.1\nport=%d\n" % self.port)
        port = free_port()
        self.lab.start("mysqld-exporter", [which("prometheus-mysqld-exporter"),
                                           "--config.my-cnf=" + cnf,
                                           "--web.listen-address=127.0.0.1:%d" % port,
                                           "--no-collect.slave_status"])
        self.lab.wait("mysqld exporter", lambda: b"mysql_up 1" in urllib.request.urlopen(
            "http://127.0.0.1:%d/metrics" % port, timeout=5).read(), 30)
        return "127.0.0.1:%d" % port

    def database(self, **extra):
        d = {"name": "shop-db", "kind": "mysql", "address": "127.0.0.1:%d" % self.port,
             "database": "shop", "service": "shop", "user": "firewatch",
             "password_file": os.path.join(self.lab.dir, "db-ro.pass"),
             "ro_password": "fw-ro-pw", "timeout": "5s",
             "actions": {"user": "firewatch_ops", "password_env": "LAB_DB_OPS", "max_kill": 50}}
        os.environ["LAB_DB_OPS"] = "fw-ops-pw"
        d.update(extra)
        return d


RULES = """
groups:
  - name: shop
    rules:
      - alert: ShopHighErrorRate
        expr: (sum(rate(http_requests_total{status=~"5.."}[30s])) or vector(0)) / sum(rate(http_requests_total[30s])) > 0.05
        for: 10s
        labels: {severity: critical, service: shop}
        annotations: {summary: "shop answers {{ $value | humanizePercentage }} of requests with 5xx"}
      - alert: ShopSlowProducts
        expr: histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{route="/products"}[30s]))) > 0.1
        for: 10s
        labels: {severity: critical, service: shop}
        annotations: {summary: "p90 of /products is {{ $value }} s"}
"""


def open_incident(lab, timeout=150):
    broke = time.time()
    inc = lab.wait("an incident", lambda: lab.incidents(), timeout, every=2)[0]
    print("  incident %s %.0f s after the fault: %s" % (inc["id"], time.time() - broke,
                                                        inc.get("title")), flush=True)
    return inc["id"]


def analysis(lab, inc, timeout=90):
    def ready():
        r = lab.get("/api/v1/incidents/%s/response" % inc)
        d = r.get("data", {}) if isinstance(r, dict) else {}
        return d if d.get("hypotheses") else None
    return lab.wait("the analysis of " + inc, ready, timeout, every=2)


def evidence_text(lab, inc):
    """The evidence the responder's analysis cites, with its statements."""
    return json.dumps(lab.get("/api/v1/incidents/%s/response" % inc).get("data", {}))


def approve_and_finish(lab, inc, runbook, timeout=240):
    resp = lab.wait("approval asked for " + runbook, lambda: (
        lambda d: d if d.get("waiting_for") else None)(
        lab.get("/api/v1/incidents/%s/response" % inc).get("data", {})), 90, every=2)
    check(resp.get("runbook") == runbook, "the responder proposes runbook " + runbook,
          json.dumps(resp)[:2000])
    status, body = lab.api("POST", "/api/v1/incidents/%s/approve" % inc, {}, token=RESPONDER)
    check(status == 200, "a responder approves", str(body))
    approved = time.time()

    def done():
        tl = lab.timeline(inc)
        return tl if ("runbook %s succeeded" % runbook) in tl or "failed" in tl.split(
            "runbook " + runbook)[-1] else None
    tl = lab.wait("runbook " + runbook + " to finish", done, timeout, every=3)
    print("  runbook %s finished %.0f s after the approval" % (runbook, time.time() - approved),
          flush=True)
    return tl


# ---- cases -----------------------------------------------------------------
def pool_leak(lab):
    """MariaDB; release v2 leaks a pooled connection on a share of checkouts."""
    db = Mariadb(lab)
    db.setup_shop(20000)
    exporter = db.exporter()
    os.makedirs(os.path.join(lab.dir, "logs"))
    lab.start_shop("mysql+pymysql://shop:shop-pw@127.0.0.1:%d/shop" % db.port, leak_share=0.08)
    targets = {"shop": ["127.0.0.1:%d" % p for p in lab.shops], "mysql": [exporter]}
    lab.serve(targets, db.database(), lab.runbooks(["db_pool_exhaustion"]), RULES)
    lab.load([("/checkout", 3), ("/products", 2)])
    print("  baseline traffic on v1 for 60 s", flush=True)
    time.sleep(60)
    check(not lab.incidents(), "no incident while v1 serves")
    lab.deploy("v2", "v1")
    inc = open_incident(lab)
    a = analysis(lab, inc)
    top = a["hypotheses"][0]
    check(top["category"] == "db_pool_exhaustion", "the analysis names pool exhaustion first",
          json.dumps(a["hypotheses"][:3], indent=1))
    detail = json.dumps(top)
    if top.get("suspect_version") != "v2":  # the whole analysis as of now, for the post-mortem
        detail += "\n" + json.dumps(lab.api("POST", "/api/v1/incidents/%s/analysis" % inc, {})[1])
    check(top.get("suspect_version") == "v2", "and blames release v2", detail[:20000])
    ev = evidence_text(lab, inc)
    check("db:idle_app_connections" in ev and "information_schema.processlist" in ev,
          "with the process list's leaked sessions as evidence, citing the SQL", ev[:3000])
    leaked = [int(i) for i in top.get("facts", {}).get("db.leaked_ids", "").split(",") if i]
    check(len(leaked) >= 3, "the analysis lists the leaked sessions' ids (%d)" % len(leaked))
    tl = approve_and_finish(lab, inc, "db_pool_exhaustion")
    check("roll back the suspect release: succeeded" in tl, "the rollback ran as a site action", tl)
    check("end the leaked database sessions the analysis found: succeeded" in tl,
          "the leaked sessions were ended by SQL", tl)
    check("KILL CONNECTION" in json.dumps(lab.get("/api/v1/incidents/" + inc)),
          "the timeline records the exact KILL statements")
    check("runbook db_pool_exhaustion succeeded" in tl, "recovery verified: the runbook succeeded", tl)
    alive = db.sql("SELECT id FROM information_schema.processlist WHERE id IN (%s)" %
                   ",".join(map(str, leaked)))
    check(not alive, "the database no longer holds any of the %d leaked sessions" % len(leaked),
          str(alive))
    md = lab.report_and_close(inc)
    for part in ["db_pool_exhaustion", "v2", "roll back the suspect release",
                 "end the leaked database sessions", "error rate below 1%"]:
        check(part in md, "the report has: " + part, md[:4000])


def slow_query(lab):
    """MariaDB; a migration drops the index behind /products."""
    db = Mariadb(lab, extra=["--slow-query-log=ON", "--log-output=TABLE", "--long-query-time=0.05"])
    db.setup_shop(1000000)
    exporter = db.exporter()
    os.makedirs(os.path.join(lab.dir, "logs"))
    lab.start_shop("mysql+pymysql://shop:shop-pw@127.0.0.1:%d/shop" % db.port, leak_share=0,
                   pool_size=10)
    targets = {"shop": ["127.0.0.1:%d" % p for p in lab.shops], "mysql": [exporter]}
    lab.serve(targets, db.database(), lab.runbooks([]), RULES)
    lab.load([("/checkout", 1), ("/products", 3)], rps=10)
    print("  baseline traffic for 60 s", flush=True)
    time.sleep(60)
    check(not lab.incidents(), "no incident before the migration")
    db.sql("ALTER TABLE shop.products DROP INDEX idx_sku")
    lab.change(type="migration", service="shop", summary="migration 042: drop unused index idx_sku",
               who="ci")
    inc = open_incident(lab)
    a = analysis(lab, inc)
    top = a["hypotheses"][0]
    check(top["category"] == "slow_queries", "the analysis names slow queries first",
          json.dumps(a["hypotheses"][:3], indent=1))
    ev = evidence_text(lab, inc)
    check("db:plan" in ev and "EXPLAIN" in ev and "full scan of products" in ev,
          "with EXPLAIN's full scan of products as evidence", ev[:4000])


def pg_lock(lab):
    """PostgreSQL; a batch session left idle in transaction holds row locks."""
    import psycopg2
    d = os.path.join(lab.dir, "pg")
    os.makedirs(d)
    shutil.chown(d, "postgres", "postgres")
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: float(p.split("/")[4]))  # the newest installed
    if not found:
        raise SystemExit("lab: PostgreSQL is not installed (run scripts/setup)")
    bindir = os.path.dirname(found[-1])
    subprocess.run([os.path.join(bindir, "initdb"), "-D", d + "/data", "-U", "postgres",
                    "--auth=trust", "-E", "UTF8"], check=True, capture_output=True, user="postgres")
    port = free_port()
    lab.start("postgres", [os.path.join(bindir, "postgres"), "-D", d + "/data", "-k", d,
                           "-p", str(port), "-c", "listen_addresses=127.0.0.1",
                           "-c", "max_connections=60", "-c", "shared_preload_libraries=pg_stat_statements",
                           "-c", "fsync=off"], user="postgres")

    def connect(user="postgres", db="postgres", password=None):
        return psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname=db, password=password)
    lab.wait("PostgreSQL", lambda: connect().close() or True, 60)
    c = connect()
    c.autocommit = True
    cur = c.cursor()
    for s in ["CREATE DATABASE shop",
              "CREATE ROLE shop LOGIN PASSWORD 'shop-pw'",
              "CREATE ROLE batch LOGIN PASSWORD 'batch-pw'",
              # firewatch's read-only account and its account for actions (docs/databases.md).
              "CREATE ROLE firewatch LOGIN PASSWORD 'fw-ro-pw' IN ROLE pg_monitor",
              "CREATE ROLE firewatch_ops LOGIN PASSWORD 'fw-ops-pw' IN ROLE pg_signal_backend, pg_read_all_stats"]:
        cur.execute(s)
    c.close()
    c = connect(db="shop")
    c.autocommit = True
    cur = c.cursor()
    for s in ["CREATE EXTENSION pg_stat_statements",
              "CREATE TABLE products (id int PRIMARY KEY, sku text NOT NULL, name text, price numeric, stock int)",
              "CREATE INDEX idx_sku ON products (sku)",
              "CREATE TABLE orders (id bigserial PRIMARY KEY, product_id int, amount numeric, at timestamptz DEFAULT now())",
              "INSERT INTO products SELECT g, 'sku-' || g, 'product ' || g, 10 + g % 90, 1000000 FROM generate_series(1, 20000) g",
              "GRANT ALL ON ALL TABLES IN SCHEMA public TO shop, batch",
              "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO shop, batch",
              "GRANT SELECT ON ALL TABLES IN SCHEMA public TO firewatch",
              "ANALYZE"]:
        cur.execute(s)
    c.close()
    os.makedirs(os.path.join(lab.dir, "logs"))
    lab.start_shop("postgresql+psycopg2://shop:shop-pw@127.0.0.1:%d/shop?options=-c%%20lock_timeout%%3D2000"
                   % port, leak_share=0)
    targets = {"shop": ["127.0.0.1:%d" % p for p in lab.shops]}
    os.environ["LAB_DB_OPS"] = "fw-ops-pw"
    database = {"name": "shop-pg", "kind": "postgres", "address": "127.0.0.1:%d" % port,
                "database": "shop", "service": "shop", "user": "firewatch",
                "password_file": os.path.join(lab.dir, "db-ro.pass"), "ro_password": "fw-ro-pw",
                "timeout": "5s",
                "actions": {"user": "firewatch_ops", "password_env": "LAB_DB_OPS", "max_kill": 5}}
    lab.serve(targets, database, lab.runbooks(["lock_contention"]), RULES)
    lab.load([("/checkout", 2), ("/products", 1), ("/stock", 2)])
    print("  baseline traffic for 60 s", flush=True)
    time.sleep(60)
    check(not lab.incidents(), "no incident before the batch job")
    batch = connect(user="batch", db="shop", password="batch-pw")
    bcur = batch.cursor()
    bcur.execute("UPDATE products SET stock = stock WHERE id <= 5")  # and never commits
    bcur.execute("SELECT pg_backend_pid()")
    batch_pid = bcur.fetchone()[0]
    print("  batch session %d holds row locks, idle in transaction" % batch_pid, flush=True)
    inc = open_incident(lab)
    a = analysis(lab, inc)
    top = a["hypotheses"][0]
    check(top["category"] == "lock_contention", "the analysis names lock contention first",
          json.dumps(a["hypotheses"][:3], indent=1))
    ev = evidence_text(lab, inc)
    check("session %d" % batch_pid in ev and "pg_blocking_pids" in ev,
          "and the blocking pid %d, citing pg_blocking_pids" % batch_pid, ev[:4000])
    tl = approve_and_finish(lab, inc, "lock_contention")
    check("end the session holding the locks: succeeded" in tl,
          "the runbook ended the blocker", tl)
    check("pg_terminate_backend(%d)" % batch_pid in json.dumps(lab.get("/api/v1/incidents/" + inc)),
          "by pg_terminate_backend(%d), on the timeline" % batch_pid)
    c = connect(db="shop")
    cur = c.cursor()
    cur.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (batch_pid,))
    check(cur.fetchone()[0] == 0, "the blocking session is gone")
    c.close()
    check("runbook lock_contention succeeded" in tl, "recovery verified", tl)
    lab.report_and_close(inc)


CASES = {"pool-leak": pool_leak, "slow-query": slow_query, "pg-lock": pg_lock}


def main():
    p = argparse.ArgumentParser(description="firewatch's database lab")
    p.add_argument("case", choices=sorted(CASES))
    p.add_argument("--firewatch", required=True)
    p.add_argument("--source", required=True, help="the repository (shop.py, runbooks)")
    p.add_argument("--keep", action="store_true", help="keep the lab's directory")
    args = p.parse_args()
    args.firewatch = os.path.abspath(args.firewatch)
    args.source = os.path.abspath(args.source)
    lab = Lab(args)
    started = time.time()
    try:
        CASES[args.case](lab)
        print("lab %s: passed in %.0f s" % (args.case, time.time() - started))
        return 0
    except Exception as e:  # a failed check, or a part that would not start
        print("lab %s: FAILED: %s" % (args.case, e))
        for name, _ in lab.procs:
            print("---- %s (last lines) ----\n%s" % (name, lab.tail(name)))
        return 1
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())

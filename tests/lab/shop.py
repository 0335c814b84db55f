#!/usr/bin/env python3
"""A small real web shop for firewatch's lab: HTTP on 127.0.0.1, a real
connection pool (SQLAlchemy's QueuePool) to MariaDB or PostgreSQL, Prometheus
metrics on /metrics (HTTP counters and histograms by route and status; the pool
under OpenTelemetry's db.client.connections.* names; app_build_info), and a
JSON log line per error and per sampled request.

Releases differ in one behaviour each, so the lab can break it on purpose:
  v1  correct
  v2  leaks a connection on a share of checkouts (an error path that never
      returns it to the pool)

POST /-/deploy?version=vN switches the release in place, as an app server's
hot redeploy does: a fresh pool is created, and connections the old code
leaked stay open on the database (the old objects still hold them).

  shop.py --port 8081 --instance app-1 --dsn mysql+pymysql://shop:pw@127.0.0.1:3306/shop \
          --log /tmp/shop.ndjson --version v1 [--pool-size 8 --leak-share 0.1]
"""

import argparse
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import sqlalchemy
from sqlalchemy import text

BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]


class Metrics:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = {}   # (route, status) -> count
        self.buckets = {}    # route -> [counts per bucket], sum, count
        self.timeouts = 0

    def observe(self, route, status, seconds):
        with self.lock:
            key = (route, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            b = self.buckets.setdefault(route, [[0] * len(BUCKETS), 0.0, 0])
            for i, le in enumerate(BUCKETS):
                if seconds <= le:
                    b[0][i] += 1
            b[1] += seconds
            b[2] += 1


class Shop:
    def __init__(self, args):
        self.args = args
        self.version = args.version
        self.metrics = Metrics()
        self.leaked = []  # connections the leaking release never gave back
        self.log_lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)
        self.engine = self.new_engine()
        self.waiting = 0
        self.wait_lock = threading.Lock()

    def new_engine(self):
        return sqlalchemy.create_engine(
            self.args.dsn, pool_size=self.args.pool_size, max_overflow=0,
            pool_timeout=self.args.pool_timeout, pool_recycle=-1, future=True)

    def emit(self, level, msg, **fields):
        line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) +
                ".%03dZ" % (int(time.time() * 1000) % 1000),
                "level": level, "msg": msg, "service": "shop",
                "instance": self.args.instance, "version": self.version}
        line.update(fields)
        with self.log_lock:
            self.log.write(json.dumps(line) + "\n")

    def connect(self):
        with self.wait_lock:
            self.waiting += 1
        try:
            return self.engine.connect()
        except sqlalchemy.exc.TimeoutError:
            self.metrics.timeouts += 1
            raise
        finally:
            with self.wait_lock:
                self.waiting -= 1

    def checkout(self, route):
        conn = self.connect()
        item = random.randint(1, self.args.products)
        row = conn.execute(text("SELECT id, price, stock FROM products WHERE id = :id"),
                           {"id": item}).fetchone()
        conn.execute(text("INSERT INTO orders (product_id, amount) VALUES (:p, :a)"),
                     {"p": item, "a": row[1] if row else 0})
        conn.commit()
        if self.version == "v2" and random.random() < self.args.leak_share:
            # The bug: the coupon path returns early and forgets the connection.
            self.leaked.append(conn)
            return
        conn.close()

    def products(self, route):
        conn = self.connect()
        try:
            sku = "sku-%d" % random.randint(1, self.args.products)
            conn.execute(text("SELECT id, name, price FROM products WHERE sku = :s"),
                         {"s": sku}).fetchall()
        finally:
            conn.close()

    def stock(self, route):
        # Reserves stock in a short transaction: waits on row locks if another
        # session holds them.
        conn = self.connect()
        try:
            item = random.randint(1, 5)
            conn.execute(text("UPDATE products SET stock = stock - 1 WHERE id = :id"), {"id": item})
            conn.commit()
        finally:
            conn.close()

    def deploy(self, version):
        old, self.version = self.version, version
        self.engine = self.new_engine()  # the old pool's leaked connections stay open
        self.emit("INFO", "deployed %s (was %s)" % (version, old))

    def exposition(self):
        m = self.metrics
        out = []
        out.append("# TYPE http_requests_total counter")
        with m.lock:
            for (route, status), n in sorted(m.requests.items()):
                out.append('http_requests_total{route="%s",status="%s"} %d' % (route, status, n))
            out.append("# TYPE http_request_duration_seconds histogram")
            for route, (counts, total, count) in sorted(m.buckets.items()):
                for le, c in zip(BUCKETS, counts):
                    out.append('http_request_duration_seconds_bucket{route="%s",le="%s"} %d' %
                               (route, le, c))
                out.append('http_request_duration_seconds_bucket{route="%s",le="+Inf"} %d' %
                           (route, count))
                out.append('http_request_duration_seconds_sum{route="%s"} %f' % (route, total))
                out.append('http_request_duration_seconds_count{route="%s"} %d' % (route, count))
        pool = self.engine.pool
        used = pool.checkedout()
        out.append("# TYPE db_client_connections_usage gauge")
        out.append('db_client_connections_usage{pool_name="shop",state="used"} %d' % used)
        out.append('db_client_connections_usage{pool_name="shop",state="idle"} %d' %
                   pool.checkedin())
        out.append("# TYPE db_client_connections_max gauge")
        out.append('db_client_connections_max{pool_name="shop"} %d' % self.args.pool_size)
        out.append("# TYPE db_client_connections_pending_requests gauge")
        out.append('db_client_connections_pending_requests{pool_name="shop"} %d' % self.waiting)
        out.append("# TYPE db_client_connections_timeouts_total counter")
        out.append('db_client_connections_timeouts_total{pool_name="shop"} %d' % m.timeouts)
        out.append("# TYPE app_build_info gauge")
        out.append('app_build_info{version="%s"} 1' % self.version)
        return "\n".join(out) + "\n"


def handler(shop):
    routes = {"/checkout": shop.checkout, "/products": shop.products, "/stock": shop.stock}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, status, body, ctype="text/plain"):
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urlparse(self.path).path
            if path == "/metrics":
                return self.reply(200, shop.exposition(), "text/plain; version=0.0.4")
            if path == "/healthz":
                return self.reply(200, "ok\n")
            fn = routes.get(path)
            if not fn:
                return self.reply(404, "not found\n")
            start = time.monotonic()
            status = 200
            try:
                fn(path)
                body = "ok\n"
            except Exception as e:  # the shop answers 500 and logs why
                status = 500
                body = "error\n"
                shop.emit("ERROR", "request failed: %s" % str(e).splitlines()[0][:300],
                          route=path, status=500)
            elapsed = time.monotonic() - start
            shop.metrics.observe(path, status, elapsed)
            self.reply(status, body)

        def do_POST(self):
            u = urlparse(self.path)
            if u.path == "/-/deploy":
                version = parse_qs(u.query).get("version", [""])[0]
                if version not in ("v1", "v2"):
                    return self.reply(400, "version must be v1 or v2\n")
                shop.deploy(version)
                return self.reply(200, json.dumps({"version": version}) + "\n", "application/json")
            self.reply(404, "not found\n")

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--instance", required=True)
    p.add_argument("--dsn", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--version", default="v1", choices=["v1", "v2"])
    p.add_argument("--pool-size", type=int, default=8)
    p.add_argument("--pool-timeout", type=float, default=1.0)
    p.add_argument("--leak-share", type=float, default=0.1)
    p.add_argument("--products", type=int, default=1000)
    args = p.parse_args()
    shop = Shop(args)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(shop))
    server.daemon_threads = True
    shop.emit("INFO", "listening on 127.0.0.1:%d" % args.port)
    print("listening", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())

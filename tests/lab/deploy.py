#!/usr/bin/env python3
"""The lab's deploy tool, as firewatch's `rollback` site action runs it:
switches every shop instance back to the previous release and tells
firewatch, as a CD system does. The lab's state (instances, releases in
order) is in LAB/shops.json.

  deploy.py --lab DIR --firewatch http://127.0.0.1:9400 rollback
"""
import argparse
import json
import os
import sys
import urllib.request


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lab", required=True)
    p.add_argument("--firewatch", required=True)
    p.add_argument("command", choices=["rollback"])
    args = p.parse_args()
    path = os.path.join(args.lab, "shops.json")
    with open(path) as f:
        state = json.load(f)
    if len(state["releases"]) < 2:
        print("nothing to roll back: only %s was ever deployed" % state["releases"], file=sys.stderr)
        return 1
    bad, good = state["releases"][-1], state["releases"][-2]
    for port in state["shops"]:
        req = urllib.request.Request("http://127.0.0.1:%d/-/deploy?version=%s" % (port, good),
                                     data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).read()
    state["releases"].append(good)
    with open(path, "w") as f:
        json.dump(state, f)
    event = {"type": "deployment", "service": "shop", "version": good, "previous_version": bad,
             "who": "firewatch", "summary": "rollback of %s" % bad}
    req = urllib.request.Request(args.firewatch + "/api/v1/changes", data=json.dumps(event).encode(),
                                 method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("Authorization", "Bearer " + os.environ.get("FIREWATCH_TOKEN", ""))
    urllib.request.urlopen(req, timeout=10).read()
    print("rolled shop back from %s to %s on %d instance(s)" % (bad, good, len(state["shops"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())

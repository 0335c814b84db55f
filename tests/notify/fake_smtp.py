"""A local SMTP server for the paging tests (Debian's python3-aiosmtpd).

  fake_smtp.py OUT [--auth USER:PASSWORD] [--tls CERT KEY] [--require-tls]

Listens on 127.0.0.1 at a free port and prints it; every message it takes is
appended to OUT as one JSON line {"from", "to", "data", "tls", "auth"}. With
--auth it advertises AUTH and accepts only USER:PASSWORD; with --tls it offers
STARTTLS with the given certificate; --require-tls refuses commands before it.
Runs until terminated.
"""
import json
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Recorder:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        with open(self.out, "a") as f:
            f.write(json.dumps({
                "from": envelope.mail_from,
                "to": envelope.rcpt_tos,
                "data": envelope.content.decode("utf-8", "replace"),
                "tls": session.ssl is not None,
                "auth": session.authenticated,
            }) + "\n")
        return "250 OK"


def main():
    args = sys.argv[1:]
    out = args.pop(0)
    auth = None
    tls = None
    require_tls = False
    while args:
        a = args.pop(0)
        if a == "--auth":
            auth = args.pop(0).split(":", 1)
        elif a == "--tls":
            tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            tls.load_cert_chain(args.pop(0), args.pop(0))
        elif a == "--require-tls":
            require_tls = True

    def authenticator(server, session, envelope, mechanism, data):
        ok = auth is not None and data.login.decode() == auth[0] and \
            data.password.decode() == auth[1]
        # handled=False: aiosmtpd then answers 535 itself (its default, True, answers nothing).
        return AuthResult(success=ok, handled=False)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    kwargs = {"hostname": "127.0.0.1", "port": port}
    if auth is not None:
        kwargs.update(authenticator=authenticator, auth_require_tls=tls is not None,
                      auth_required=True)
    if tls is not None:
        kwargs.update(tls_context=tls, require_starttls=require_tls)
    controller = Controller(Recorder(out), server_hostname="localhost", **kwargs)
    controller.start()
    print(port, flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A small HTTP server on 127.0.0.1 for tests of remote sources that fail.

Usage: fault_http.py ROOT PORTFILE [LIFETIME_S]

Serves the files of ROOT with Range support, and writes the port it listens
on to PORTFILE. Paths choose a fault:
  /slow/NAME   NAME, but a request for bytes past the first 64 KiB stalls
               for 30 s before answering (a server that hangs mid-file)
  /flaky/NAME  as /slow/ for the first such request for NAME only, then
               served (a server that hung once: a client that reads again
               later gets the file)
  /missing/... 404 Not Found, with an HTML body
  /html/...    200 with an HTML page (a login or error page)
Anything else is served plainly. The server exits after LIFETIME_S seconds
(default 120), so a test that dies cannot leave it running for long.
"""
import http.server
import os
import re
import sys
import threading
import time

ROOT = sys.argv[1]
PORTFILE = sys.argv[2]
LIFETIME = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
STALLED = set()  # /flaky/ names that have stalled once
STALLED_LOCK = threading.Lock()
HTML = (b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>"
        b"<body><p>Please sign in.</p></body></html>\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _send(self, code, body, ctype="application/octet-stream", extra=None, head=False):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _handle(self, head):
        path = self.path.split("?")[0]
        if path.startswith("/missing/"):
            self._send(404, b"<html><body>Not Found</body></html>", "text/html", head=head)
            return
        if path.startswith("/html/"):
            self._send(200, HTML, "text/html; charset=utf-8", head=head)
            return
        slow = path.startswith("/slow/")
        flaky = path.startswith("/flaky/")
        name = path.split("/", 2)[2] if slow or flaky else path.lstrip("/")
        full = os.path.join(ROOT, os.path.basename(name))
        if not os.path.isfile(full):
            self._send(404, b"not found", "text/plain", head=head)
            return
        with open(full, "rb") as f:
            data = f.read()
        rng = self.headers.get("Range")
        m = re.match(r"bytes=(\d+)-(\d*)", rng or "")
        if not m:
            self._send(200, data, head=head)
            return
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else len(data) - 1
        b = min(b, len(data) - 1)
        if flaky and a >= 65536:
            with STALLED_LOCK:
                slow = name not in STALLED
                STALLED.add(name)
        if slow and a >= 65536:
            time.sleep(30)
        self._send(206, data[a:b + 1], extra={
            "Content-Range": "bytes %d-%d/%d" % (a, b, len(data))}, head=head)

    def do_GET(self):
        self._handle(False)

    def do_HEAD(self):
        self._handle(True)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    threading.Timer(LIFETIME, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()

"""End to end: a Link rel="next" to another origin (scheme, host or port) is never followed, so the bearer token
never leaves the configured host; servers on those origins record every request to prove it."""
import json
import os
import socket
import subprocess
import sys
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_peers import StaticSource  # noqa: E402
from harness import FORWARDER, ForwarderTest, ndjson_ids, write_config  # noqa: E402

TOKEN = "tok-must-stay-home"
EVENTS = [f"ev-{i:02d}" for i in range(25)]
PAGE = 5


class Recorder:
    """A TCP listener that records every connection and the first bytes sent on it, and never answers."""

    def __init__(self, host, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.received = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.settimeout(2)
            try:
                self.received.append(conn.recv(4096))
            except OSError:
                self.received.append(b"")
            conn.close()

    def close(self):
        self.sock.close()


class FakeScaleft(ThreadingHTTPServer):
    """Just enough of ScaleFT: a token, and pages of five events whose next links point where `links` says."""

    def __init__(self, links):
        self.links = links  # page index -> Link next URL (format with {offset})
        self.requests = []  # (Host header, path, Authorization)
        self.malformed = 0  # anything that was not HTTP (a TLS hello, say)
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        self.server.malformed += 1
        super().send_error(code, message, explain)

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.requests.append((self.headers.get("Host"), self.path, None))
        self.reply(200, {"bearer_token": TOKEN, "expires_at": "2099-01-01T00:00:00Z", "team_name": "acme"})

    def do_GET(self):
        self.server.requests.append((self.headers.get("Host"), self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            return self.reply(401, {"error": {"code": "authentication_error", "message": "Authentication required"}})
        if not urllib.parse.urlsplit(self.path).path.endswith("/auditsV2"):
            return self.reply(404, {"error": {"code": "resource_does_not_exist", "message": "no such resource"}})
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        offset = q.get("offset", [""])[0]
        start = EVENTS.index(offset) + 1 if offset else 0
        page = EVENTS[start:start + PAGE]
        body = {"list": [{"id": i, "timestamp": f"2026-11-01T00:00:{EVENTS.index(i):02d}.000000000Z",
                          "details": {"type": "auth_token.issue"}} for i in page],
                "related_objects": {}}
        headers = []
        if page:
            link = self.server.links.get(start // PAGE)
            if link:
                headers.append(("Link", f"<{link.format(offset=urllib.parse.quote(page[-1], safe=''))}>; rel=\"next\""))
        self.reply(200, body, headers)


class LinkOriginTest(ForwarderTest):
    def test_next_links_to_other_origins_are_refused_and_the_token_never_sent_there(self):
        other_port = Recorder("127.0.0.1")
        # Same port number as the service, other host (127.0.0.2 is loopback too, a different address).
        server = FakeScaleft({})
        port = server.server_address[1]
        try:
            other_host = Recorder("127.0.0.2", port)
        except OSError as e:
            server.server_close()
            self.skipTest(f"cannot listen on 127.0.0.2:{port}: {e}")
        base = f"/v1/teams/acme/auditsV2?count={PAGE}&offset={{offset}}"
        server.links = {
            0: f"http://127.0.0.1:{other_port.port}{base}",  # another port
            1: f"https://127.0.0.1:{port}{base}",             # another scheme, same host and port
            2: f"http://127.0.0.2:{port}{base}",              # another host, same port
            3: f"{base}&via=link",                             # same origin (relative): followed
        }
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            out = os.path.join(self.tmp, "out.ndjson")
            write_config(self.config_path, StaticSource(f"http://127.0.0.1:{port}", self.tmp), self.state_dir,
                         f"  - name: archive\n    type: file\n    path: {out}\n    fsync: false\n")
            log = os.path.join(self.tmp, "forwarder.log")
            with open(log, "w") as lf:
                try:
                    code = subprocess.run([FORWARDER, "run", "--once", "--config", self.config_path], stdout=lf,
                                          stderr=subprocess.STDOUT, timeout=60).returncode
                except subprocess.TimeoutExpired:
                    code = None
            with open(log) as lf:
                output = lf.read()
            self.assertEqual(code, 0, output[-3000:])
            self.assertEqual(ndjson_ids(out), EVENTS)
            self.assertEqual(other_port.received, [], "a request reached the other port")
            self.assertEqual(other_host.received, [], "a request reached the other host")
            self.assertEqual(server.malformed, 0, "a TLS connection (the https link) reached the service's port")
            self.assertEqual({h for h, _, _ in server.requests}, {f"127.0.0.1:{port}"})
            self.assertTrue(any("via=link" in p for _, p, _ in server.requests), "the same-origin link was not followed")
            self.assertEqual(output.count("ignoring a Link rel=next to another origin"), 3, output[-3000:])
            self.assertNotIn(TOKEN, output)
        finally:
            server.shutdown()
            server.server_close()
            other_port.close()
            other_host.close()


if __name__ == "__main__":
    unittest.main()

"""End to end: SIGTERM ends the daemon within shutdown_grace even when a peer accepts and then never answers,
during the TLS handshake or in the middle of a response, for the ScaleFT source and for Elasticsearch."""
import json
import os
import signal
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_peers import StaticSource  # noqa: E402
from harness import ForwarderTest, wait_until, write_config  # noqa: E402

GRACE_S = 3
# Time allowed past the grace for the process to be gone (exit, reaping) on a loaded machine.
SLACK_S = 2.0


class Staller:
    """Accepts and never finishes. `mode`: "tls" reads the ClientHello and says nothing; "http" answers a
    ScaleFT token request properly (so the source gets as far as a data call) and sends every other request
    a status line, headers and the first byte of a long body, then nothing."""

    def __init__(self, mode):
        self.mode = mode
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = []
        self.stalled = threading.Event()  # set once a peer is held mid-handshake or mid-response
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            if self.mode == "tls":
                conn.recv(4096)  # the ClientHello
                self.stalled.set()
                return
            data = b""
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                while len(rest) < length:
                    rest += conn.recv(65536)
                data = rest[length:]
                if b"/service_token" in head.split(b"\r\n")[0]:
                    body = json.dumps({"bearer_token": "t", "expires_at": "2099-01-01T00:00:00Z",
                                       "team_name": "acme"}).encode()
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                 str(len(body)).encode() + b"\r\n\r\n" + body)
                    continue
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
                self.stalled.set()
                return
        except OSError:
            return

    def close(self):
        self.sock.close()
        for c in self.connections:
            try:
                c.close()
            except OSError:
                pass


class ShutdownHangTest(ForwarderTest):
    def configure(self, source, sinks_yaml):
        write_config(self.config_path, source, self.state_dir, sinks_yaml, extra=f"shutdown_grace: {GRACE_S}s\n")
        with open(self.config_path) as f:
            text = f.read()
        # A long request timeout: only the stop itself may end the stalled exchange.
        with open(self.config_path, "w") as f:
            f.write(text.replace("request_timeout: 2s", "request_timeout: 120s"))

    def stop_and_time(self, p, staller):
        wait_until(staller.stalled.is_set, 30, "the forwarder to be held by the stalled peer")
        time.sleep(0.3)
        t0 = time.monotonic()
        p.signal(signal.SIGTERM)
        code = p.wait(GRACE_S + 30)
        took = time.monotonic() - t0
        print(f"\n{self.id().split('.')[-1]}: exit {code} {took:.2f}s after SIGTERM (grace {GRACE_S}s)", file=sys.stderr)
        self.assertLess(took, GRACE_S + SLACK_S, p.output()[-3000:])
        return code

    def stalled_source(self, mode):
        staller = Staller(mode)
        self.addCleanup(staller.close)
        scheme = "https" if mode == "tls" else "http"
        return staller, StaticSource(f"{scheme}://127.0.0.1:{staller.port}", self.tmp)

    def file_sink(self):
        return f"  - name: archive\n    type: file\n    path: {self.tmp}/out.ndjson\n"

    def test_source_stalled_in_the_tls_handshake(self):
        staller, source = self.stalled_source("tls")
        self.configure(source, self.file_sink())
        p = self.start_forwarder()
        self.assertEqual(self.stop_and_time(p, staller), 0)

    def test_source_stalled_mid_response(self):
        staller, source = self.stalled_source("http")
        self.configure(source, self.file_sink())
        p = self.start_forwarder()
        self.assertEqual(self.stop_and_time(p, staller), 0)

    def stalled_elasticsearch(self, mode):
        sim = self.start_scaleft_sim(events=50)
        staller = Staller(mode)
        self.addCleanup(staller.close)
        scheme = "https" if mode == "tls" else "http"
        self.configure(sim, f"  - name: elk\n    type: elasticsearch\n    url: {scheme}://127.0.0.1:{staller.port}\n"
                            f"    index: scaleft-audit\n    request_timeout: 120s\n")
        return staller

    def test_elasticsearch_stalled_in_the_tls_handshake(self):
        staller = self.stalled_elasticsearch("tls")
        p = self.start_forwarder()
        self.stop_and_time(p, staller)  # exit 1 is allowed: the batch in flight could not be finished

    def test_elasticsearch_stalled_mid_response(self):
        staller = self.stalled_elasticsearch("http")
        p = self.start_forwarder()
        self.stop_and_time(p, staller)


if __name__ == "__main__":
    unittest.main()

"""Starts es-sim on 127.0.0.1:0 for a test and finds it through its port file; shared by the es-sim tests."""
import os
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request


class EsSim:
    def __init__(self, binary, *args, scheme_ok=True):
        self.dir = tempfile.mkdtemp(prefix="es-sim-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "log"), "wb")
        self.proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--port-file", self.port_file, *args],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        self.url = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("es-sim exited early: " + self.output())
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    self.url = f.read().strip() or None
            if self.url:
                break
            time.sleep(0.02)
        if not self.url:
            raise AssertionError("es-sim did not listen within 15 s")

    def output(self):
        with open(os.path.join(self.dir, "log"), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def request(self, method, path, body=None, headers=None, timeout=10):
        """Returns (status, headers, body bytes) for any status, 4xx and 5xx included."""
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


class SimTestCase(unittest.TestCase):
    """A test case that starts es-sim processes with `start(binary, *flags)` and stops them afterwards."""

    def setUp(self):
        self.sims = []

    def tearDown(self):
        for s in self.sims:
            s.close()

    def start_sim(self, binary, *args):
        s = EsSim(binary, *args)
        self.sims.append(s)
        return s

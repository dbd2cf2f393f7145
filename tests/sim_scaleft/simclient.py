# Starts scaleft-sim on 127.0.0.1:0 for a test and talks plain HTTP to it (urllib / http.client only).
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

SIM_BINARY = os.environ.get("SCALEFT_SIM", "")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage (case-insensitive get)
        self.body = body

    def json(self):
        return json.loads(self.body)


class Sim:
    """One simulator process; stopped with SIGTERM (and waited for) by stop()."""

    def __init__(self, *args, credentials=True):
        self.dir = tempfile.TemporaryDirectory(prefix="simsft-")
        self.port_file = os.path.join(self.dir.name, "port")
        self.creds = os.path.join(self.dir.name, "creds")
        argv = [SIM_BINARY, "--listen", "127.0.0.1:0", "--port-file", self.port_file]
        if credentials:
            argv += ["--credentials-dir", self.creds]
        argv += list(args)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None:
                raise RuntimeError("scaleft-sim exited: " + self.proc.stderr.read())
            if time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError("scaleft-sim did not start in 20 s")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.base = f.read().strip()
        parsed = urllib.parse.urlsplit(self.base)
        self.host, self.port = parsed.hostname, parsed.port

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.dir.cleanup()
        return self.proc.returncode

    def credentials(self, user="log-forwarder"):
        with open(os.path.join(self.creds, user + ".key_id")) as f:
            key_id = f.read()
        with open(os.path.join(self.creds, user + ".key_secret")) as f:
            secret = f.read()
        return key_id, secret

    # Plain HTTP with urllib: error statuses come back as responses, not exceptions.
    def request(self, method, path, body=None, headers=None, timeout=10):
        url = path if path.startswith("http") else self.base + path
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return Response(r.status, r.headers, r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, e.headers, e.read())

    def token_response(self, key_id, secret, team="acme"):
        return self.request("POST", f"/v1/teams/{team}/service_token",
                            json.dumps({"key_id": key_id, "key_secret": secret}),
                            {"Content-Type": "application/json"})

    def token(self, user="log-forwarder"):
        r = self.token_response(*self.credentials(user))
        assert r.status == 200, (r.status, r.body)
        return r.json()["bearer_token"]

    def get(self, path, token=None, timeout=10):
        headers = {"Authorization": "Bearer " + token} if token else {}
        return self.request("GET", path, headers=headers, timeout=timeout)

    def audits(self, token, **params):
        query = urllib.parse.urlencode({k: str(v).lower() if isinstance(v, bool) else v for k, v in params.items()})
        return self.get("/v1/teams/acme/auditsV2" + ("?" + query if query else ""), token)

    def ids(self, retained=False):
        r = self.request("GET", "/_sim/events/ids" + ("?retained=true" if retained else ""))
        return r.body.decode().split()

    def state(self):
        return self.request("GET", "/_sim/state").json()

    def control(self, method, path, body=None):
        r = self.request(method, path, body)
        assert r.status in (200, 204), (path, r.status, r.body)
        return r

    def raw(self, method, path, token=None, timeout=5):
        """http.client on a fresh connection, for faults that break the transport."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        headers = {"Authorization": "Bearer " + token} if token else {}
        try:
            conn.request(method, path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            return Response(resp.status, resp.headers, body)
        finally:
            conn.close()


def parse_links(value):
    """{'next': url, 'prev': url} from one Link header value."""
    links = {}
    for part in value.split(","):
        url, _, params = part.strip().partition(";")
        rel = params.strip()
        if rel.startswith("rel="):
            links[rel[4:].strip('"')] = url.strip()[1:-1]
    return links

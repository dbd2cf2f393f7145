"""End-to-end harness: runs the real scaleft-sim, es-sim and scaleft-forwarder binaries over loopback."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

BIN_DIR = os.environ.get("SF_BIN_DIR", "")
FORWARDER = os.environ.get("SF_FORWARDER", os.path.join(BIN_DIR, "scaleft-forwarder"))
SCALEFT_SIM = os.environ.get("SF_SCALEFT_SIM", os.path.join(BIN_DIR, "scaleft-sim"))
ES_SIM = os.environ.get("SF_ES_SIM", os.path.join(BIN_DIR, "es-sim"))
# The sanitizers the binaries were built with (CMake's SF_SANITIZE, set by ctest); empty for a normal build.
SANITIZE = os.environ.get("SF_SANITIZE", "")


def rss_bound_mib(product_mib):
    """The RSS bound to assert for a bound of `product_mib` that the product itself keeps. Sanitizer
    runtimes add memory of their own that the product cannot bound: ASan keeps freed blocks in a quarantine
    (256 MiB by default) and adds redzones and 1/8 shadow to the heap, which roughly doubles a heap of small
    blocks (a trial ASan build peaked at 105 MiB in the ES outage test); TSan keeps 4-8x shadow per byte.
    The bound still fails on unbounded growth (30,000 events held would be several hundred MiB)."""
    if "address" in SANITIZE:
        return 2 * product_mib + 64
    if "thread" in SANITIZE:
        return 6 * product_mib + 64
    return product_mib


def wait_until(predicate, timeout, what, interval=0.05):
    """Polls `predicate` until it returns a true value; fails the test with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class Process:
    """A child process whose output goes to a file, killed for sure when the test ends."""

    def __init__(self, argv, log_path, env=None):
        self.argv = argv
        self.log_path = log_path
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env)

    def alive(self):
        return self.proc.poll() is None

    def signal(self, signo):
        if self.alive():
            self.proc.send_signal(signo)

    def kill9(self):
        if self.alive():
            self.proc.kill()
        self.proc.wait()

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def close(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Sim:
    """A running simulator (scaleft-sim or es-sim) found through its port file."""

    def __init__(self, binary, args, workdir, name):
        self.port_file = os.path.join(workdir, f"{name}.port")
        self.process = Process([binary, "--listen", "127.0.0.1:0", "--port-file", self.port_file] + args,
                               os.path.join(workdir, f"{name}.log"))
        self.url = wait_until(self._read_url, 20, f"{name} to listen")

    def _read_url(self):
        if not self.process.alive():
            raise AssertionError(f"simulator exited early:\n{self.process.output()}")
        try:
            with open(self.port_file) as f:
                text = f.read().strip()
                return text or None
        except FileNotFoundError:
            return None

    def get(self, path, timeout=30):
        with urllib.request.urlopen(self.url + path, timeout=timeout) as r:
            return r.read()

    def post(self, path, body=b"", method="POST", timeout=30):
        req = urllib.request.Request(self.url + path, data=body, method=method)
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read()

    def close(self):
        self.process.close()


class ScaleftSim(Sim):
    def __init__(self, workdir, events=0, rate=0.0, extra=()):
        self.credentials_dir = os.path.join(workdir, "sim-credentials")
        os.makedirs(self.credentials_dir, exist_ok=True)
        args = ["--team", "acme", "--seed", "7", "--events", str(events), "--rate", str(rate),
                "--credentials-dir", self.credentials_dir] + list(extra)
        super().__init__(SCALEFT_SIM, args, workdir, "scaleft-sim")

    def key_id(self, user="log-forwarder"):
        with open(os.path.join(self.credentials_dir, f"{user}.key_id")) as f:
            return f.read().strip()

    def key_secret_file(self, user="log-forwarder"):
        return os.path.join(self.credentials_dir, f"{user}.key_secret")

    def event_ids(self):
        return self.get("/_sim/events/ids").decode().split()

    def add_events(self, n):
        self.post(f"/_sim/events?count={n}")

    def state(self):
        return json.loads(self.get("/_sim/state"))

    def faults(self, specs):
        self.post("/_sim/faults", "\n".join(specs).encode())


def ndjson_ids(path):
    """The event ids of an NDJSON file sink's output, in file order; every line must be complete JSON."""
    ids = []
    if not os.path.exists(path):
        return ids
    with open(path, "rb") as f:
        data = f.read()
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        doc = json.loads(line)
        ids.append(doc["event"]["id"])
    if data and not data.endswith(b"\n"):
        raise AssertionError(f"{path} ends with a partial line")
    return ids


def write_config(path, sim, state_dir, sinks_yaml, extra_source="", extra=""):
    # Tests run forwarders side by side: no health endpoint on the shared default port unless asked for.
    if "http:" not in extra:
        extra += "http:\n  listen: \"\"\n"
    with open(path, "w") as f:
        f.write(f"""source:
  url: {sim.url}
  team: acme
  service_user: log-forwarder
  key_id: {sim.key_id()}
  key_secret_file: {sim.key_secret_file()}
  page_size: 1000
  poll_interval: 200ms
  request_timeout: 2s
{extra_source}state_dir: {state_dir}
retry:
  initial_backoff: 50ms
  max_backoff: 1s
  config_error_backoff: 2s
sinks:
{sinks_yaml}
log:
  level: info
  format: json
{extra}""")


class ForwarderTest(unittest.TestCase):
    """Base class: a temp dir per test, and every process it starts killed at the end."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sf-e2e-")
        self.processes = []
        self.state_dir = os.path.join(self.tmp, "state")
        self.config_path = os.path.join(self.tmp, "forwarder.yaml")

    def tearDown(self):
        for p in self.processes:
            p.close()
        if self._outcome_failed():
            for p in self.processes:
                log = p.output() if hasattr(p, "output") else p.process.output()
                print(f"---- {getattr(p, 'argv', ['sim'])[0]} output (last 3000 chars) ----\n{log[-3000:]}")

    def _outcome_failed(self):
        result = getattr(self, "_outcome", None)
        if result is None:
            return False
        errors = getattr(result, "errors", None) or getattr(getattr(result, "result", None), "errors", [])
        return any(err for _, err in errors) if errors else False

    def start_scaleft_sim(self, **kw):
        sim = ScaleftSim(self.tmp, **kw)
        self.processes.append(sim)
        return sim

    def start_forwarder(self, *args, name="forwarder"):
        p = Process([FORWARDER, "run", "--config", self.config_path, *args],
                    os.path.join(self.tmp, f"{name}.log"))
        self.processes.append(p)
        return p

    def run_forwarder_cmd(self, *args, timeout=60):
        return subprocess.run([FORWARDER, *args], capture_output=True, text=True, timeout=timeout)

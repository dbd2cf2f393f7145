"""End-to-end harness: runs the real scaleft-sim, es-sim and scaleft-forwarder binaries over loopback."""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BIN_DIR = os.environ.get("SF_BIN_DIR", "")
FORWARDER = os.environ.get("SF_FORWARDER", os.path.join(BIN_DIR, "scaleft-forwarder"))
SCALEFT_SIM = os.environ.get("SF_SCALEFT_SIM", os.path.join(BIN_DIR, "scaleft-sim"))
ES_SIM = os.environ.get("SF_ES_SIM", os.path.join(BIN_DIR, "es-sim"))
# Written by the ctest fixture es_node (sim/es-node/es_node_ctl.py): the URL of the real Elasticsearch node.
ES_NODE_URL_FILE = os.environ.get("SF_ES_NODE_URL_FILE", "")
# Written by the ctest fixture os_node: the URL of the real OpenSearch 2.19.6 node (it has data streams).
OS_NODE_URL_FILE = os.environ.get("SF_OS_NODE_URL_FILE", "")
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
        self.context = None  # an ssl.SSLContext for get/post when it serves TLS with a test certificate
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
        with urllib.request.urlopen(self.url + path, timeout=timeout, context=self.context) as r:
            return r.read()

    def post(self, path, body=b"", method="POST", timeout=30):
        req = urllib.request.Request(self.url + path, data=body, method=method)
        with urllib.request.urlopen(req, timeout=timeout, context=self.context) as r:
            return r.read()

    def close(self):
        self.process.close()


class RealElasticsearch:
    """The real Elasticsearch 7.10.2 node the ctest fixture `es_node` started once for the whole run (or, with
    url_file=OS_NODE_URL_FILE and fixture="os_node", the OpenSearch 2.19.6 node).

    Not installed or not running is a failure, never a skip: CI installs it (scripts/install-es-node.sh).
    Tests share the node one at a time (RUN_SERIAL or RESOURCE_LOCK es_node/os_node) and call reset() first.
    """

    def __init__(self, url_file=None, fixture="es_node"):
        url_file = ES_NODE_URL_FILE if url_file is None else url_file
        env_name = "SF_OS_NODE_URL_FILE" if fixture == "os_node" else "SF_ES_NODE_URL_FILE"
        if not url_file:
            raise AssertionError(f"{env_name} is not set: run this test through ctest, whose fixture "
                                 f"{fixture} starts the real node (sim/es-node)")
        try:
            with open(url_file) as f:
                self.url = f.read().strip()
        except FileNotFoundError:
            raise AssertionError(f"the real {fixture} node is not running ({url_file} is missing): "
                                 f"see the {fixture}_start test's output; install it with "
                                 "scripts/install-es-node.sh") from None
        status, _, body = self.request("GET", "/")
        if status != 200:
            raise AssertionError(f"the real node at {self.url} answers GET / with {status}")
        self.version = json.loads(body)["version"]["number"]
        self.distribution = json.loads(body)["version"].get("distribution", "elasticsearch")

    def request(self, method, path, body=None, headers=None, timeout=60):
        """Returns (status, headers, body bytes) for any status; a dict or list body is sent as JSON."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.headers, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def json(self, method, path, body=None, ok=(200,)):
        status, _, data = self.request(method, path, body)
        if status not in ok:
            raise AssertionError(f"{method} {path} on the real node: {status} {data[:500]!r}")
        return json.loads(data) if data else None

    def reset(self):
        """Deletes every data stream, index, alias, index and component template and ingest pipeline a test
        created."""
        # A data stream's backing indices can only go with the stream (7.10 open source has no streams).
        if self.distribution == "opensearch":
            self.json("DELETE", "/_data_stream/*")
        indices = self.json("GET", "/_cat/indices?format=json&h=index&expand_wildcards=all")
        names = [i["index"] for i in indices if not i["index"].startswith(".")]
        for start in range(0, len(names), 50):
            self.json("DELETE", "/" + ",".join(names[start:start + 50]) + "?expand_wildcards=all")
        # Index templates first: a component template in use cannot be deleted.
        for t in self.json("GET", "/_index_template")["index_templates"]:
            self.json("DELETE", "/_index_template/" + urllib.parse.quote(t["name"]))
        for t in self.json("GET", "/_component_template")["component_templates"]:
            self.json("DELETE", "/_component_template/" + urllib.parse.quote(t["name"]))
        for name in self.json("GET", "/_template"):
            self.json("DELETE", "/_template/" + urllib.parse.quote(name))
        for name in self.json("GET", "/_ingest/pipeline", ok=(200, 404)) or {}:
            self.json("DELETE", "/_ingest/pipeline/" + urllib.parse.quote(name))

    def refresh(self, target):
        self.json("POST", f"/{target}/_refresh")

    def count(self, target):
        self.refresh(target)
        return self.json("GET", f"/{target}/_count")["count"]

    def ids(self, target):
        """Every stored _id of the target (all its indices), sorted; a missing target has none."""
        status, _, _ = self.request("HEAD", "/" + target)
        if status == 404:
            return []
        self.refresh(target)
        page = self.json("POST", f"/{target}/_search?scroll=1m",
                         {"size": 5000, "_source": False, "sort": ["_doc"], "query": {"match_all": {}}})
        ids = []
        while page["hits"]["hits"]:
            ids += [h["_id"] for h in page["hits"]["hits"]]
            page = self.json("POST", "/_search/scroll", {"scroll": "1m", "scroll_id": page["_scroll_id"]})
        self.request("DELETE", "/_search/scroll", {"scroll_id": page["_scroll_id"]})
        return sorted(ids)

    def close(self):
        pass  # the fixture owns the process


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


def ndjson_ids(path, writer_running=False):
    """The event ids of an NDJSON file sink's output, in file order; every line must be complete JSON.
    `writer_running`: the forwarder may be in the middle of appending, so a partial last line is not yet an
    error (it is not counted); once the writer has stopped, a partial line is."""
    ids = []
    if not os.path.exists(path):
        return ids
    with open(path, "rb") as f:
        data = f.read()
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        doc = json.loads(line)
        ids.append(doc["event"]["id"])
    if data and not data.endswith(b"\n") and not writer_running:
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

    def start_es_sim(self, *args, faults=()):
        """es-sim with its command-line `args`, and one `--fault` per entry of `faults`."""
        argv = list(args)
        for f in faults:
            argv += ["--fault", f]
        es = Sim(ES_SIM, argv, self.tmp, "es-sim")
        self.processes.append(es)
        return es

    def start_forwarder(self, *args, name="forwarder"):
        p = Process([FORWARDER, "run", "--config", self.config_path, *args],
                    os.path.join(self.tmp, f"{name}.log"))
        self.processes.append(p)
        return p

    def run_forwarder_cmd(self, *args, timeout=60):
        return subprocess.run([FORWARDER, *args], capture_output=True, text=True, timeout=timeout)

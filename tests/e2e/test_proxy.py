"""End to end through a real HTTP proxy (Debian's tinyproxy, started here on loopback): the source over a CONNECT
tunnel to an https scaleft-sim, Elasticsearch over absolute-form (plain es-sim) and CONNECT (https es-sim), proxy
basic auth, refusals (407, 403) that are retried without committing, NO_PROXY and config-over-environment."""
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

from harness import ES_SIM, FORWARDER, ForwarderTest, Process, Sim, ndjson_ids, wait_until, write_config

TINYPROXY = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_of(url):
    return int(url.rsplit(":", 1)[1].split("/")[0])


class Tinyproxy:
    """tinyproxy in the foreground with a generated config: loopback only, `connect_ports` allowed for CONNECT,
    and basic auth when `auth` is (user, password)."""

    def __init__(self, workdir, name, connect_ports, auth=None):
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.conf = os.path.join(workdir, f"{name}.conf")
        for _ in range(5):  # the port is picked free, then bound by tinyproxy: another process may win it
            self.port = free_port()
            lines = [f"Port {self.port}", "Listen 127.0.0.1", "Timeout 30", "LogLevel Info",
                     f'LogFile "{self.log_path}"', "MaxClients 50", "Allow 127.0.0.1"]
            lines += [f"ConnectPort {p}" for p in connect_ports]
            if auth:
                lines.append(f"BasicAuth {auth[0]} {auth[1]}")
            with open(self.conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            self.process = Process([TINYPROXY, "-d", "-c", self.conf], os.path.join(workdir, f"{name}.out"))
            if wait_until(self._ready, 10, "tinyproxy to listen") == "up":
                break
            self.process.close()
        else:
            raise AssertionError("tinyproxy did not start: " + self.process.output())
        self.url = f"http://127.0.0.1:{self.port}"

    def _ready(self):
        if not self.process.alive():
            return "exited"
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return "up"
        except OSError:
            return None

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def requests(self):
        """The request lines tinyproxy received, in order: "CONNECT 127.0.0.1:443 HTTP/1.1", "POST http://..."."""
        return re.findall(r"Request \(file descriptor \d+\): (.*)", self.log())

    def connects_to(self, port):
        return [r for r in self.requests() if r.startswith(f"CONNECT 127.0.0.1:{port} ")]

    def close(self):
        self.process.close()

    def output(self):
        return self.log()


class ProxyTest(ForwarderTest):
    def setUp(self):
        super().setUp()
        if not os.path.exists(TINYPROXY):
            raise AssertionError("tinyproxy is not installed: apt-get install tinyproxy (scripts/debian-packages.txt)")
        self.cert = os.path.join(self.tmp, "cert.pem")
        self.key = os.path.join(self.tmp, "key.pem")
        # A certificate for the address only: a client that checked the proxy's name (localhost) would fail.
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", self.key, "-out", self.cert], check=True, capture_output=True, timeout=60)
        self.out = os.path.join(self.tmp, "out", "audit.ndjson")
        self.password_file = os.path.join(self.tmp, "proxy-password")

    def start_tinyproxy(self, connect_ports, auth=None, name="tinyproxy"):
        p = Tinyproxy(self.tmp, name, connect_ports, auth)
        self.processes.append(p)
        return p

    def tls_sim(self, events):
        sim = self.start_scaleft_sim(events=events, extra=["--tls-cert", self.cert, "--tls-key", self.key])
        sim.context = ssl.create_default_context(cafile=self.cert)
        return sim

    def tls_es_sim(self):
        es = Sim(ES_SIM, ["--tls-cert", self.cert, "--tls-key", self.key], self.tmp, "es-sim-tls")
        es.context = ssl.create_default_context(cafile=self.cert)
        self.processes.append(es)
        return es

    def write_password(self, text):
        with open(self.password_file, "w") as f:
            f.write(text + "\n")
        os.chmod(self.password_file, 0o600)

    def file_sink(self):
        return f"  - name: archive\n    type: file\n    path: {self.out}\n"

    def es_sink(self, es, extra=""):
        return (f"  - name: elk\n    type: elasticsearch\n    url: {es.url}\n    index: scaleft-audit\n"
                f"    request_timeout: 2s\n{extra}")

    def es_ids(self, es):
        return es.get("/_sim/ids?index=scaleft-audit").decode().split()

    def forwarder(self, *args, env=None, name="forwarder"):
        environment = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        environment.update(env or {})
        p = Process([FORWARDER, "run", "--config", self.config_path, *args], os.path.join(self.tmp, f"{name}.log"),
                    env=environment)
        self.processes.append(p)
        return p

    def checkpoint(self):
        try:
            with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def test_source_through_a_connect_tunnel_kept_alive(self):
        sim = self.tls_sim(5000)
        proxy = self.start_tinyproxy([port_of(sim.url)])
        # The proxy by name, the target by address: TLS is verified against the target, not the proxy.
        write_config(self.config_path, sim, self.state_dir, self.file_sink(),
                     extra_source=f"  ca_file: {self.cert}\n  proxy_url: http://localhost:{proxy.port}\n")
        fwd = self.forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())
        connects = proxy.connects_to(port_of(sim.url))
        audits = sum(sim.state()["requests"]["audits"].values())
        self.assertGreaterEqual(audits, 6, "5000 events are 5 pages and an empty one")
        self.assertGreaterEqual(len(connects), 1, proxy.requests())
        # One tunnel per connection, reused: the token, key and audit requests share a few connections.
        self.assertLessEqual(len(connects), 3, proxy.requests())
        self.assertEqual([r for r in proxy.requests() if not r.startswith("CONNECT")], [],
                         "nothing but CONNECT crossed the proxy: the requests went inside TLS")
        self.assertIn("ScaleFT API route", fwd.output())
        self.assertIn(f"http://localhost:{proxy.port} (source.proxy_url)", fwd.output())

    def test_elasticsearch_plain_http_in_absolute_form_and_https_through_connect(self):
        sim = self.start_scaleft_sim(events=3000)
        plain = self.start_es_sim()
        tls_es = self.tls_es_sim()
        proxy = self.start_tinyproxy([port_of(tls_es.url)])
        sinks = (self.es_sink(plain, f"    proxy_url: {proxy.url}\n") +
                 f"  - name: elk2\n    type: elasticsearch\n    url: {tls_es.url}\n    index: scaleft-audit\n"
                 f"    request_timeout: 2s\n    ca_file: {self.cert}\n    proxy_url: {proxy.url}\n")
        write_config(self.config_path, sim, self.state_dir, sinks)
        fwd = self.forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        ids = sorted(sim.event_ids())
        self.assertEqual(sorted(self.es_ids(plain)), ids)
        self.assertEqual(sorted(self.es_ids(tls_es)), ids)
        bulk_port = port_of(plain.url)
        absolute = [r for r in proxy.requests() if r.startswith(f"POST http://127.0.0.1:{bulk_port}/_bulk")]
        self.assertGreaterEqual(len(absolute), 1, proxy.requests())
        self.assertGreaterEqual(len(proxy.connects_to(port_of(tls_es.url))), 1, proxy.requests())
        self.assertNotIn(f"127.0.0.1:{port_of(sim.url)}", proxy.log(), "the source went direct")

    def test_proxy_basic_auth_with_the_password_from_a_file(self):
        sim = self.start_scaleft_sim(events=2000)
        tls_es = self.tls_es_sim()
        proxy = self.start_tinyproxy([port_of(tls_es.url)], auth=("forwarder", "s3cret-pw"))
        self.write_password("s3cret-pw")
        write_config(self.config_path, sim, self.state_dir,
                     self.es_sink(tls_es, f"    ca_file: {self.cert}\n    proxy_url: http://forwarder@{proxy.url[7:]}\n"
                                          f"    proxy_password_file: {self.password_file}\n"))
        fwd = self.forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        self.assertEqual(sorted(self.es_ids(tls_es)), sorted(sim.event_ids()))
        self.assertGreaterEqual(len(proxy.connects_to(port_of(tls_es.url))), 1, proxy.log()[-2000:])
        self.assertNotIn("s3cret-pw", fwd.output(), "the proxy password is never logged")

    def test_wrong_proxy_password_is_retried_and_nothing_committed_past_it(self):
        sim = self.start_scaleft_sim(events=2000)
        tls_es = self.tls_es_sim()
        proxy = self.start_tinyproxy([port_of(tls_es.url)], auth=("forwarder", "right"))
        # No credentials at all: 407.
        write_config(self.config_path, sim, self.state_dir,
                     self.es_sink(tls_es, f"    ca_file: {self.cert}\n    proxy_url: {proxy.url}\n"))
        fwd = self.forwarder(name="forwarder-anonymous")
        wait_until(lambda: fwd.output().count("answered 407 Proxy Authentication Required") >= 3, 30,
                   "three attempts refused with 407")
        fwd.signal(signal.SIGTERM)
        fwd.wait(30)
        self.assertIn("the proxy wants credentials: name the user in proxy_url", fwd.output())
        self.assertIn("bulk request failed; will retry", fwd.output())
        # The wrong password (tinyproxy answers it with 401).
        self.write_password("wr0ng-pa55")
        write_config(self.config_path, sim, self.state_dir,
                     self.es_sink(tls_es, f"    ca_file: {self.cert}\n    proxy_url: http://forwarder@{proxy.url[7:]}\n"
                                          f"    proxy_password_file: {self.password_file}\n"))
        fwd = self.forwarder(name="forwarder-wrong")
        wait_until(lambda: fwd.output().count("rejected user 'forwarder'") >= 3, 30, "three refused attempts")
        fwd.signal(signal.SIGTERM)
        fwd.wait(30)
        out = fwd.output()
        self.assertIn(f"proxy http://forwarder@127.0.0.1:{proxy.port} (CONNECT 127.0.0.1:{port_of(tls_es.url)}) "
                      "answered 401 Unauthorized: the proxy rejected user 'forwarder': check proxy_password_file", out)
        self.assertNotIn("wr0ng-pa55", out, "the password is never logged")
        self.assertEqual(self.es_ids(tls_es), [])
        self.assertIsNone(self.checkpoint(), "nothing was committed while the sink could not deliver")
        # With the right password the same state delivers everything: nothing was lost.
        self.write_password("right")
        fwd2 = self.forwarder("--once", name="forwarder-right")
        self.assertEqual(fwd2.wait(120), 0, fwd2.output()[-3000:])
        self.assertEqual(sorted(self.es_ids(tls_es)), sorted(sim.event_ids()))

    def test_a_proxy_that_forbids_the_tunnel_is_a_retried_error_for_the_source(self):
        sim = self.tls_sim(500)
        proxy = self.start_tinyproxy([443])  # not the simulator's port: tinyproxy answers 403
        write_config(self.config_path, sim, self.state_dir, self.file_sink(),
                     extra_source=f"  ca_file: {self.cert}\n  proxy_url: {proxy.url}\n")
        fwd = self.forwarder(name="forwarder-403")
        wait_until(lambda: len(proxy.connects_to(port_of(sim.url))) >= 3, 30, "three CONNECT attempts")
        fwd.signal(signal.SIGTERM)
        fwd.wait(30)
        self.assertIn(f"proxy {proxy.url} (CONNECT 127.0.0.1:{port_of(sim.url)}) refused the tunnel: 403",
                      fwd.output())
        self.assertEqual(ndjson_ids(self.out), [])
        self.assertIsNone(self.checkpoint())

    def test_connection_reports_the_proxy_step(self):
        """test-connection names the tunnel it made, and the proxy's refusal as the failed step."""
        sim = self.tls_sim(10)

        def source_steps(proxy_url, exit_status):
            write_config(self.config_path, sim, self.state_dir, self.file_sink(),
                         extra_source=f"  ca_file: {self.cert}\n  proxy_url: {proxy_url}\n")
            r = self.run_forwarder_cmd("test-connection", "--config", self.config_path, "--json")
            self.assertEqual(r.returncode, exit_status, r.stdout + r.stderr)
            source = [t for t in json.loads(r.stdout)["targets"] if t["name"] == "source"][0]
            return {step["step"]: step for step in source["steps"]}

        proxy = self.start_tinyproxy([port_of(sim.url)])
        steps = source_steps(proxy.url, 0)
        self.assertEqual(steps["proxy"]["status"], "ok", steps)
        self.assertEqual(steps["proxy"]["detail"], f"CONNECT 127.0.0.1:{port_of(sim.url)} through proxy {proxy.url}")
        self.assertEqual((steps["tls"]["status"], steps["audit page"]["status"]), ("ok", "ok"), steps)
        self.assertGreaterEqual(len(proxy.connects_to(port_of(sim.url))), 1, proxy.requests())

        forbidding = self.start_tinyproxy([443], name="tinyproxy-403")  # not the simulator's port: 403
        steps = source_steps(forbidding.url, 1)
        self.assertEqual(steps["proxy"]["status"], "failed", steps)
        self.assertIn("refused the tunnel: 403", steps["proxy"]["detail"])
        self.assertEqual(steps["tls"]["status"], "skipped", steps)

    def test_no_proxy_bypasses_the_environments_proxy(self):
        sim = self.tls_sim(1000)
        es = self.start_es_sim()
        dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
        write_config(self.config_path, sim, self.state_dir, self.es_sink(es),
                     extra_source=f"  ca_file: {self.cert}\n")
        fwd = self.forwarder("--once", env={"HTTPS_PROXY": dead, "http_proxy": dead,
                                            "NO_PROXY": f"localhost, 127.0.0.1:{port_of(sim.url)},127.0.0.0/8"})
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        self.assertEqual(sorted(self.es_ids(es)), sorted(sim.event_ids()))
        self.assertIn("direct (NO_PROXY)", fwd.output())

    def test_environment_proxies_and_configuration_over_environment(self):
        sim = self.tls_sim(1000)
        es = self.start_es_sim()
        proxy = self.start_tinyproxy([port_of(sim.url)])
        dead = f"http://127.0.0.1:{free_port()}"
        # The environment alone: the source (https) takes https_proxy (lowercase wins over HTTPS_PROXY).
        write_config(self.config_path, sim, self.state_dir, self.es_sink(es, "    proxy_url: none\n"),
                     extra_source=f"  ca_file: {self.cert}\n")
        fwd = self.forwarder("--once", env={"https_proxy": proxy.url, "HTTPS_PROXY": dead, "HTTP_PROXY": dead},
                             name="forwarder-env")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        self.assertGreaterEqual(len(proxy.connects_to(port_of(sim.url))), 1)
        self.assertIn(f"{proxy.url} (https_proxy)", fwd.output())
        self.assertIn("direct (sinks.elk.proxy_url: none)", fwd.output())
        self.assertEqual(sorted(self.es_ids(es)), sorted(sim.event_ids()))
        # An explicit proxy_url wins over the environment (whose proxy is dead), NO_PROXY included.
        before = len(proxy.connects_to(port_of(sim.url)))
        sim.add_events(500)
        write_config(self.config_path, sim, self.state_dir, self.es_sink(es, "    proxy_url: none\n"),
                     extra_source=f"  ca_file: {self.cert}\n  proxy_url: {proxy.url}\n")
        fwd2 = self.forwarder("--once", env={"HTTPS_PROXY": dead, "NO_PROXY": "*"}, name="forwarder-config")
        self.assertEqual(fwd2.wait(120), 0, fwd2.output()[-3000:])
        self.assertGreater(len(proxy.connects_to(port_of(sim.url))), before)
        self.assertEqual(sorted(self.es_ids(es)), sorted(sim.event_ids()))

    def test_check_config_refuses_unusable_proxy_urls(self):
        sim = self.start_scaleft_sim(events=0)
        cases = {
            "https://proxy.corp:3128": "https:// proxies (TLS to the proxy) are not supported",
            "socks5://proxy.corp:1080": "SOCKS proxies (socks5://) are not supported",
            "http://svc:inline@proxy.corp:3128": "must not hold a password",
        }
        for url, message in cases.items():
            write_config(self.config_path, sim, self.state_dir, self.file_sink(),
                         extra_source=f"  proxy_url: {url}\n")
            r = self.run_forwarder_cmd("check-config", "--config", self.config_path)
            self.assertNotEqual(r.returncode, 0, url)
            self.assertIn("proxy_url", r.stderr + r.stdout)
            self.assertIn(message, r.stderr + r.stdout, url)
            self.assertNotIn(":inline@", r.stderr + r.stdout, "the password is not echoed")
        self.write_password("pw")
        write_config(self.config_path, sim, self.state_dir, self.file_sink(),
                     extra_source=f"  proxy_url: http://proxy.corp:3128\n  proxy_password_file: {self.password_file}\n")
        r = self.run_forwarder_cmd("check-config", "--config", self.config_path)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("needs the user in proxy_url", r.stderr + r.stdout)


if __name__ == "__main__":
    unittest.main()

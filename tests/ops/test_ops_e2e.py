"""End to end: /metrics through the Prometheus parser, /readyz, the systemd notify protocol, the status command."""
import json
import os
import signal
import socket
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
import harness  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def port_from_log(process):
    for line in process.output().splitlines():
        if "serving /healthz" in line:
            return json.loads(line)["port"]
    return None


def get(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def samples(text):
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


class OpsTest(harness.ForwarderTest):
    def configure(self, sim, key_secret_file=None):
        sinks = f"  - name: archive\n    type: file\n    path: {self.tmp}/out.ndjson\n"
        harness.write_config(self.config_path, sim, self.state_dir, sinks,
                             extra="http:\n  listen: 127.0.0.1:0\n  ready_window: 2s\n")
        if key_secret_file:
            with open(self.config_path) as f:
                text = f.read().replace(sim.key_secret_file(), key_secret_file)
            with open(self.config_path, "w") as f:
                f.write(text)

    def start_with_notify(self, watchdog_usec=None):
        path = os.path.join(self.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(0.2)
        self.addCleanup(sock.close)
        env = dict(os.environ, NOTIFY_SOCKET=path)
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        p = harness.Process([harness.FORWARDER, "run", "--config", self.config_path],
                            os.path.join(self.tmp, "forwarder.log"), env=env)
        self.processes.append(p)
        return p, sock

    @staticmethod
    def drain(sock, seconds):
        messages = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                messages.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
        return messages

    def test_metrics_parse_and_count_what_was_shipped(self):
        sim = self.start_scaleft_sim(events=2500)
        self.configure(sim)
        p = self.start_forwarder()
        port = harness.wait_until(lambda: port_from_log(p), 20, "the endpoint to listen")
        self.assertEqual(get(port, "/healthz")[0], 200)
        harness.wait_until(lambda: len(harness.ndjson_ids(f"{self.tmp}/out.ndjson")) == 2500, 60, "2500 events")
        # The checkpoint follows within checkpoint_interval (1 s by default).
        harness.wait_until(lambda: samples(get(port, "/metrics")[1])[
            ("scaleft_forwarder_checkpoint_events_total", ())] == 2500, 10, "the checkpoint to reach 2500 events")
        status, body = get(port, "/readyz")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"ready": True})
        status, text = get(port, "/metrics")
        self.assertEqual(status, 200)
        m = samples(text)  # raises on anything that is not the exposition format
        self.assertEqual(m[("scaleft_forwarder_events_received_total", ())], 2500)
        self.assertEqual(m[("scaleft_forwarder_events_shipped_total", (("sink", "archive"), ("type", "file")))], 2500)
        self.assertEqual(m[("scaleft_forwarder_events_dead_lettered_total", (("sink", "archive"),))], 0)
        self.assertGreaterEqual(m[("scaleft_forwarder_api_requests_total",
                                   (("endpoint", "auditsV2"), ("status", "200")))], 3)
        self.assertEqual(m[("scaleft_forwarder_api_requests_total",
                            (("endpoint", "service_token"), ("status", "200")))], 1)
        self.assertEqual(m[("scaleft_forwarder_build_info", (("version", "0.1.0"),))], 1)
        self.assertEqual(m[("scaleft_forwarder_buffered_events", ())], 0)
        self.assertIn(("scaleft_forwarder_rate_limit_remaining", ()), m)
        count = m[("scaleft_forwarder_batch_delivery_seconds_count", (("sink", "archive"),))]
        self.assertEqual(m[("scaleft_forwarder_batch_delivery_seconds_bucket",
                            (("le", "+Inf"), ("sink", "archive")))], count)
        self.assertGreaterEqual(count, 3)
        # The checkpoint lag is now minus the newest event's time; the sim's events are recent.
        lag = m[("scaleft_forwarder_checkpoint_lag_seconds", ())]
        self.assertGreaterEqual(lag, 0)
        self.assertLess(lag, 7 * 86400)
        # The same checkpoint through `status`, while the daemon runs.
        st = self.run_forwarder_cmd("status", "--config", self.config_path, "--json")
        self.assertEqual(st.returncode, 0, st.stderr)
        report = json.loads(st.stdout)
        self.assertEqual(report["checkpoint_events_total"], 2500)
        self.assertEqual(report["checkpoint_event_id"], harness.ndjson_ids(f"{self.tmp}/out.ndjson")[-1])
        self.assertEqual(report["key_id"], sim.key_id())

    def test_a_stalled_source_makes_readyz_fail_with_a_reason(self):
        sim = self.start_scaleft_sim(events=10)
        self.configure(sim)
        p = self.start_forwarder()
        port = harness.wait_until(lambda: port_from_log(p), 20, "the endpoint to listen")
        harness.wait_until(lambda: get(port, "/readyz")[0] == 200, 20, "ready")
        sim.faults(["audits:503"])
        status, body = harness.wait_until(lambda: (lambda r: r if r[0] == 503 else None)(get(port, "/readyz")),
                                          20, "readyz to fail")
        self.assertIn("no page fetched from the ScaleFT API", json.loads(body)["reason"])
        self.assertEqual(get(port, "/healthz")[0], 200)  # alive all the same

    def test_notify_ready_after_authentication_watchdog_and_stopping(self):
        sim = self.start_scaleft_sim(events=100)
        self.configure(sim)
        p, sock = self.start_with_notify(watchdog_usec=400000)
        messages = self.drain(sock, 2.0)
        joined = "\n".join(messages)
        self.assertIn("READY=1", joined)
        self.assertIn("STATUS=Forwarding:", joined)
        self.assertTrue(messages[0].startswith("STATUS=Authenticating"), messages[:2])
        # WATCHDOG=1 at half of 400 ms: about 10 in 2 s (at least 5 even on a busy machine).
        self.assertGreaterEqual(joined.count("WATCHDOG=1"), 5)
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(20), 0)
        tail = "\n".join(self.drain(sock, 0.5))
        self.assertIn("STOPPING=1", tail)

    def test_no_ready_when_the_key_is_refused(self):
        sim = self.start_scaleft_sim(events=10)
        wrong = os.path.join(self.tmp, "wrong-secret")
        with open(wrong, "w") as f:
            f.write("not-the-secret\n")
        self.configure(sim, key_secret_file=wrong)
        p, sock = self.start_with_notify()
        joined = "\n".join(self.drain(sock, 2.0))
        self.assertNotIn("READY=1", joined)
        self.assertIn("STATUS=Authenticating", joined)
        port = port_from_log(p)
        status, body = get(port, "/readyz")
        self.assertEqual(status, 503)
        self.assertIn("not authenticated", json.loads(body)["reason"])
        self.assertNotIn("not-the-secret", p.output())


if __name__ == "__main__":
    import unittest
    unittest.main()

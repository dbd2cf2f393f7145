"""End to end: each alert of the README's "Metrics and alerts" section made to fire through /metrics.

An alert's `for:` and range windows (15m, 1h) are not waited out: each test drives the daemon into the
failure and checks that the series the expression reads move (or stay still) the way it needs, between two
scrapes a few seconds apart. The key alerts fire in tests/keys/test_key_rotation.py (they need the
simulated clock and a failing disk)."""
import os
import re
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import harness  # noqa: E402
from test_ops_e2e import get, port_from_log, samples  # noqa: E402

README = os.path.join(HERE, "..", "..", "README.md")
# Which test makes each README alert fire (module.Class.method).
ALERT_TESTS = {
    "ScaleftForwarderNotReady": "test_alerts_e2e.AlertsTest.test_not_ready_fires_when_the_key_is_refused",
    "ScaleftForwarderSourceStalled": "test_alerts_e2e.AlertsTest.test_source_stalled_and_api_errors_fire_on_500s",
    "ScaleftForwarderApiErrors": "test_alerts_e2e.AlertsTest.test_source_stalled_and_api_errors_fire_on_500s",
    "ScaleftForwarderSinkStalled": "test_alerts_e2e.AlertsTest.test_sink_stalled_and_sink_errors_fire_on_503s",
    "ScaleftForwarderSinkErrors": "test_alerts_e2e.AlertsTest.test_sink_stalled_and_sink_errors_fire_on_503s",
    "ScaleftForwarderCheckpointLag": "test_alerts_e2e.AlertsTest.test_checkpoint_lag_fires_while_old_events_wait",
    "ScaleftForwarderDeadLetters": "test_alerts_e2e.AlertsTest.test_dead_letters_fire_when_documents_are_refused",
    "ScaleftForwarderKeyExpiring":
        "test_key_rotation.KeyRotationTest.test_alerts_key_expiring_and_rotation_failing_fire",
    "ScaleftForwarderKeyRotationFailing":
        "test_key_rotation.KeyRotationTest.test_alerts_key_expiring_and_rotation_failing_fire",
}


def readme_alerts():
    """(name, expr) of every alert in the README's alerts block."""
    with open(README) as f:
        text = f.read()
    section = text.split("## Metrics and alerts", 1)[1].split("\n## ", 1)[0]
    block = section.split("```yaml", 1)[1].split("```", 1)[0]
    return re.findall(r"- alert: (\w+).*?\n\s+expr: ([^\n]+)", block)


def value(m, name, **labels):
    return m.get((name, tuple(sorted(labels.items()))))


class AlertListTest(unittest.TestCase):
    def test_every_readme_alert_has_a_test_that_makes_it_fire(self):
        alerts = readme_alerts()
        self.assertGreaterEqual(len(alerts), 9)
        for name, _ in alerts:
            self.assertIn(name, ALERT_TESTS, f"README alert {name} has no test that makes it fire")
            module, cls, method = ALERT_TESTS[name].split(".")
            with open(os.path.join(HERE, "..", "keys" if module == "test_key_rotation" else "ops", module + ".py")) as f:
                self.assertIn(f"def {method}(", f.read(), f"{ALERT_TESTS[name]} does not exist")


class AlertsTest(harness.ForwarderTest):
    def configure(self, sim, sinks, page_size=1000, retry_max="1s"):
        harness.write_config(self.config_path, sim, self.state_dir, sinks,
                             extra="http:\n  listen: 127.0.0.1:0\n  ready_window: 1m\n")
        with open(self.config_path) as f:
            text = f.read()
        text = text.replace("page_size: 1000", f"page_size: {page_size}").replace("max_backoff: 1s",
                                                                              f"max_backoff: {retry_max}")
        with open(self.config_path, "w") as f:
            f.write(text)

    def file_sink(self):
        return f"  - name: archive\n    type: file\n    path: {self.tmp}/out.ndjson\n"

    def es_sim(self, faults=()):
        args = []
        for f in faults:
            args += ["--fault", f]
        es = harness.Sim(harness.ES_SIM, args, self.tmp, "es-sim")
        self.processes.append(es)
        return es

    def es_sink(self, es):
        return (f"  - name: elk\n    type: elasticsearch\n    url: {es.url}\n    index: scaleft-audit\n"
                f"    compression: gzip\n    request_timeout: 2s\n")

    def start(self):
        p = self.start_forwarder()
        port = harness.wait_until(lambda: port_from_log(p), 20, "the endpoint to listen")
        return p, port

    def scrape(self, port):
        status, text = get(port, "/metrics")
        self.assertEqual(status, 200)
        return samples(text)

    def test_not_ready_fires_when_the_key_is_refused(self):
        # expr: ... or scaleft_forwarder_authenticated == 0
        sim = self.start_scaleft_sim(events=10)
        self.configure(sim, self.file_sink())
        sim.faults(["token:authorization_error"])
        _, port = self.start()
        time.sleep(2)
        m = self.scrape(port)
        self.assertEqual(value(m, "scaleft_forwarder_authenticated"), 0)
        self.assertGreaterEqual(value(m, "scaleft_forwarder_api_requests_total", endpoint="service_token",
                                      status="401") or 0, 1, m)

    def test_source_stalled_and_api_errors_fire_on_500s(self):
        # SourceStalled: increase(pages_total[15m]) == 0; ApiErrors: rate(api_requests_total{status=~"0|4..|5.."})
        sim = self.start_scaleft_sim(events=100)
        self.configure(sim, self.file_sink())
        _, port = self.start()
        harness.wait_until(lambda: (value(self.scrape(port), "scaleft_forwarder_pages_total") or 0) >= 2, 20,
                           "pages while healthy")
        sim.faults(["audits:500"])
        time.sleep(1)  # a page in flight may still land
        before = self.scrape(port)
        time.sleep(3)
        after = self.scrape(port)
        self.assertEqual(value(after, "scaleft_forwarder_pages_total"), value(before, "scaleft_forwarder_pages_total"))
        errors = [value(m, "scaleft_forwarder_api_requests_total", endpoint="auditsV2", status="500") or 0
                  for m in (before, after)]
        self.assertGreater(errors[1], errors[0])
        self.assertGreater((errors[1] - errors[0]) / 3, 0.1, "the ApiErrors threshold is 0.1 a second")
        # The alert resolves once the service answers again.
        sim.post("/_sim/faults", method="DELETE")
        harness.wait_until(lambda: value(self.scrape(port), "scaleft_forwarder_pages_total") >
                           value(after, "scaleft_forwarder_pages_total"), 20, "pages again")

    def test_sink_stalled_and_sink_errors_fire_on_503s(self):
        # SinkStalled: sink_pending_pages > 0 and no events_shipped increase; SinkErrors: sink_requests_total
        # with a status other than 2xx/ok. retry.max_backoff (200ms here) reaches the sink: it retries often.
        sim = self.start_scaleft_sim(events=300)
        es = self.es_sim(faults=["bulk:503"])
        self.configure(sim, self.es_sink(es), retry_max="200ms")
        _, port = self.start()
        harness.wait_until(lambda: (value(self.scrape(port), "scaleft_forwarder_sink_pending_pages", sink="elk")
                                    or 0) > 0, 20, "pages waiting for the sink")
        before = self.scrape(port)
        time.sleep(3)
        after = self.scrape(port)
        shipped = lambda m: value(m, "scaleft_forwarder_events_shipped_total", sink="elk", type="elasticsearch")
        self.assertEqual(shipped(after), 0)
        self.assertGreater(value(after, "scaleft_forwarder_sink_pending_pages", sink="elk"), 0)
        refused = [value(m, "scaleft_forwarder_sink_requests_total", sink="elk", status="503") or 0
                   for m in (before, after)]
        # At the default retry.max_backoff (60s) three seconds hold about 3 attempts; at 200ms, over 10.
        self.assertGreaterEqual(refused[1] - refused[0], 10, "retry.* did not reach the sink")
        retried = [value(m, "scaleft_forwarder_sink_retried_events_total", sink="elk") for m in (before, after)]
        self.assertGreater(retried[1], retried[0])
        self.assertGreater(value(after, "scaleft_forwarder_sink_wire_bytes_total", sink="elk"), 0)
        # Fixed: the sink ships, and gzip shows in the byte counters.
        es.post("/_sim/faults", method="DELETE")
        harness.wait_until(lambda: shipped(self.scrape(port)) == 300, 30, "all events shipped")
        m = self.scrape(port)
        self.assertLess(value(m, "scaleft_forwarder_sink_wire_bytes_total", sink="elk"),
                        value(m, "scaleft_forwarder_sink_payload_bytes_total", sink="elk"))
        self.assertGreaterEqual(value(m, "scaleft_forwarder_sink_requests_total", sink="elk", status="200"), 1)

    def test_checkpoint_lag_fires_while_old_events_wait(self):
        # expr: checkpoint_lag_seconds > 3600. The simulator's events span the last 30 days; a slow
        # Elasticsearch (1 s a request) holds the checkpoint among the old ones.
        sim = self.start_scaleft_sim(events=1500)
        es = self.es_sim(faults=["bulk:delay=1s"])
        self.configure(sim, self.es_sink(es), page_size=50)
        _, port = self.start()
        m = harness.wait_until(lambda: (lambda m: m if value(m, "scaleft_forwarder_checkpoint_lag_seconds")
                                        is not None else None)(self.scrape(port)), 30, "a first checkpoint")
        self.assertGreater(value(m, "scaleft_forwarder_checkpoint_lag_seconds"), 3600)
        self.assertLess(value(m, "scaleft_forwarder_checkpoint_events_total"), 1500)

    def test_dead_letters_fire_when_documents_are_refused(self):
        # expr: increase(events_dead_lettered_total[1h]) > 0
        sim = self.start_scaleft_sim(events=200)
        es = self.es_sim(faults=["item:400:n=3"])
        self.configure(sim, self.es_sink(es))
        _, port = self.start()
        harness.wait_until(lambda: value(self.scrape(port), "scaleft_forwarder_checkpoint_events_total") == 200,
                           30, "every event behind the checkpoint")
        m = self.scrape(port)
        self.assertEqual(value(m, "scaleft_forwarder_events_dead_lettered_total", sink="elk"), 3)
        self.assertEqual(value(m, "scaleft_forwarder_events_shipped_total", sink="elk", type="elasticsearch"), 197)


if __name__ == "__main__":
    unittest.main()

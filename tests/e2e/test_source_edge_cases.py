"""End to end: the real service's odd answers (short pages, no last next link, aged-out offsets, 401
authorization_error, a key rotated under a running backfill) against scaleft-sim."""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "ops"))
from test_ops_e2e import get, port_from_log  # noqa: E402
from harness import FORWARDER, ForwarderTest, Process, ndjson_ids, wait_until, write_config  # noqa: E402

DAY = 86400


def log_records(process):
    out = []
    for line in process.output().splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


class SourceEdgeCaseTest(ForwarderTest):
    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.tmp, "out.ndjson")

    def configure(self, sim, extra_source="", extra=""):
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: archive\n    type: file\n    path: {self.out}\n    fsync: false\n",
                     extra_source=extra_source, extra=extra)

    def run_once(self, timeout=120):
        r = subprocess.run([FORWARDER, "run", "--once", "--config", self.config_path], capture_output=True, text=True,
                           timeout=timeout)
        return r

    # 1. Only an empty page ends a walk.
    def test_run_ships_every_event_through_short_pages_and_without_a_last_next_link(self):
        sim = self.start_scaleft_sim(events=5000, extra=["--omit-last-next", "--fault", "audits:short_page:p=0.3"])
        self.configure(sim)
        r = self.run_once()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())
        self.assertGreater(sim.state()["faults_injected"].get("short_page", 0), 0)
        # New events after the end: found by building the next offset, since no next link was given.
        sim.add_events(7)
        r = self.run_once()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())

    # 3. A lost offset: source.on_lost_offset stop (the default), oldest, newest.
    def lose_the_checkpoint(self, policy=None):
        sim = self.start_scaleft_sim(events=1500, extra=["--span", "5d", "--retention", "90d", "--refuse-aged-offsets"])
        self.configure(sim, extra_source=f"  on_lost_offset: {policy}\n" if policy else "")
        r = self.run_once()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
            checkpoint = json.load(f)["event_id"]
        self.assertEqual(checkpoint, sim.event_ids()[-1])
        sim.post(f"/_sim/clock/advance?seconds={91 * DAY}")  # everything so far is past the retention
        sim.add_events(40)  # new events at the simulated now
        return sim, checkpoint

    def test_lost_offset_stops_with_exit_1_naming_the_offset_its_age_and_the_recovery(self):
        sim, checkpoint = self.lose_the_checkpoint()
        before = ndjson_ids(self.out)
        r = self.run_once()
        self.assertEqual(r.returncode, 1, r.stderr[-3000:])
        self.assertIn(checkpoint, r.stderr)
        self.assertRegex(r.stderr, r"days old")
        self.assertIn("source.on_lost_offset", r.stderr)
        self.assertIn("scaleft-forwarder run", r.stderr)
        self.assertEqual(ndjson_ids(self.out), before)  # nothing shipped, the checkpoint kept
        with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
            self.assertEqual(json.load(f)["event_id"], checkpoint)
        # It stopped at once: the refused offset was not retried every config_error_backoff.
        self.assertLessEqual(sim.state()["requests"]["audits"].get("400", 0), 1)

    def test_lost_offset_oldest_resumes_at_the_oldest_kept_event_logs_and_counts_the_gap(self):
        sim, checkpoint = self.lose_the_checkpoint("oldest")
        before = ndjson_ids(self.out)
        self.configure(sim, extra_source="  on_lost_offset: oldest\n", extra="http:\n  listen: 127.0.0.1:0\n")
        p = self.start_forwarder()
        port = wait_until(lambda: port_from_log(p), 20, "the endpoint to listen")
        wait_until(lambda: ndjson_ids(self.out) == before + sim.event_ids()[-40:], 60, "the 40 new events")
        _, metrics = get(port, "/metrics")
        self.assertIn("scaleft_forwarder_lost_offsets_total 1", metrics)
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(30), 0)
        errors = [rec for rec in log_records(p) if rec.get("level") == "error" and "events lost" in rec.get("msg", "")]
        self.assertEqual(len(errors), 1, p.output()[-3000:])
        self.assertEqual(errors[0]["offset"], checkpoint)
        self.assertGreater(errors[0]["offset_age_s"], 0)

    def test_lost_offset_newest_skips_to_the_present(self):
        sim, _ = self.lose_the_checkpoint("newest")
        before = ndjson_ids(self.out)
        r = self.run_once()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertIn("events lost", r.stderr)
        newest = sim.event_ids()[-1]
        self.assertEqual(ndjson_ids(self.out), before + [newest])  # 39 of the 40 new ones went with the gap
        with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
            self.assertEqual(json.load(f)["event_id"], newest)  # so a restart does not lose them again
        sim.add_events(5)
        r = self.run_once()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertNotIn("events lost", r.stderr)
        self.assertEqual(ndjson_ids(self.out), before + [newest] + sim.event_ids()[-5:])

    # 4. A 401 that a fresh token does not cure.
    def test_a_user_without_roles_is_a_permission_problem_minted_once_retried_slowly_and_not_ready(self):
        sim = self.start_scaleft_sim(events=100, extra=["--service-user", "log-forwarder="])
        self.configure(sim, extra="http:\n  listen: 127.0.0.1:0\n")
        p = self.start_forwarder()
        port = wait_until(lambda: port_from_log(p), 20, "the endpoint to listen")
        status, body = wait_until(lambda: (lambda r: r if "permission" in r[1] else None)(get(port, "/readyz")), 20,
                                  "readyz to name the permission problem")
        self.assertEqual(status, 503)
        self.assertIn("fresh token", json.loads(body)["reason"])
        time.sleep(3)  # config_error_backoff is 2s in the harness: at most one slow retry in this time
        state = sim.state()["requests"]
        p.signal(signal.SIGTERM)
        self.assertEqual(p.wait(30), 0)
        # Per attempt: the call with the first token, one fresh token, the call with it; no more.
        self.assertLessEqual(state["audits"].get("401", 0), 4)
        self.assertLessEqual(state["token"].get("200", 0), 4)
        self.assertIn("permission problem", p.output())
        self.assertNotIn("Authentication token expired", p.output())

    def test_authorization_error_fault_recovers_after_the_slow_retry(self):
        sim = self.start_scaleft_sim(events=300, extra=["--fault", "audits:authorization_error:n=2"])
        self.configure(sim)
        r = self.run_once()
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertIn("permission problem", r.stderr)
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())
        self.assertEqual(sim.state()["requests"]["audits"].get("401"), 2)

    # 5. backfill follows a key rotation made meanwhile.
    def test_backfill_across_a_rotation_that_deletes_its_key_completes(self):
        sim = self.start_scaleft_sim(events=30000, extra=["--span", "5d"])
        es = self.start_es_sim(faults=["bulk:delay=300ms"])
        initial = sim.key_id()
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: elk\n    type: elasticsearch\n    url: {es.url}\n    index: scaleft-audit\n",
                     extra="key_rotation:\n  enabled: true\n  max_age: 7d\n  expire_previous: after_verify\n")
        bf = Process([FORWARDER, "backfill", "--config", self.config_path, "--since", "2000-01-01T00:00:00Z"],
                     os.path.join(self.tmp, "backfill.log"))
        self.processes.append(bf)

        def progress():
            for path in glob.glob(os.path.join(self.state_dir, "backfill", "*.json")):
                with open(path) as f:
                    return json.load(f)["events"]
            return 0

        wait_until(lambda: progress() >= 3000, 60, "the backfill to ship some pages")
        r = subprocess.run([FORWARDER, "rotate-key", "--config", self.config_path], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        keys = {k["id"]: k for k in sim.state()["keys"]}
        self.assertTrue(keys[initial]["deleted"], "the key the backfill started with was deleted")
        self.assertLess(progress(), 30000, "the backfill ended before the rotation")
        self.assertEqual(bf.wait(240), 0, bf.output()[-3000:])
        out = bf.output()
        self.assertIn("the API key on record changed", out)
        ids = es.get("/_sim/ids?index=scaleft-audit").decode().split()
        # Every event of the window (up to the backfill's start), not the key events the rotation added after.
        self.assertEqual(sorted(ids), sorted(sim.event_ids()[:30000]))


if __name__ == "__main__":
    unittest.main()

"""The chaos test: both simulators misbehave at steady rates, events keep arriving, and the forwarder is killed
with kill -9 every few seconds and restarted. Nothing may be lost; Elasticsearch keeps exactly one copy."""
import collections
import json
import os
import random
import signal
import time
import unittest

from harness import ForwarderTest, ndjson_ids, rss_bound_mib, wait_until, write_config

CHAOS_SECONDS = float(os.environ.get("SF_CHAOS_SECONDS", "120"))
MAX_EVENTS = 5000  # the buffer bound given to the forwarder
RSS_BOUND_MIB = rss_bound_mib(64)  # 64 MiB for the product; more under a sanitizer (harness.py)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


class ChaosTest(ForwarderTest):
    def test_kill9_under_faults_loses_nothing(self):
        rng = random.Random(20261127)
        sim = self.start_scaleft_sim(events=20000, extra=[
            "--fault", "audits:429:p=0.04", "--fault", "audits:500:p=0.04", "--fault", "audits:503:p=0.02",
            "--fault", "audits:reset_body:p=0.03", "--fault", "audits:truncate:p=0.03",
            "--fault", "audits:expire_token:p=0.03", "--fault", "token:503:p=0.05"])
        poisoned = rng.sample(sim.event_ids(), 6)
        es = self.start_es_sim(faults=["item:400:id=" + ",".join(poisoned), "item:429:p=0.03", "item:503:p=0.02",
                                       "bulk:503:p=0.03", "bulk:reset:p=0.02", "bulk:reset_body:p=0.02"])
        out = os.path.join(self.tmp, "out", "audit.ndjson")
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: elk\n    type: elasticsearch\n    url: {es.url}\n    index: scaleft-audit\n"
                     f"    compression: gzip\n    request_timeout: 2s\n"
                     f"  - name: archive\n    type: file\n    path: {out}\n",
                     # Every page committed as it is delivered, so that a kill repeats at most the buffer
                     # (the default 1 s interval adds what one interval delivered).
                     extra=f"buffer:\n  max_events: {MAX_EVENTS}\ncheckpoint_interval: 0s\n")

        kills = 0
        unexpected_deaths = []
        peak_rss_kib = 0
        deadline = time.monotonic() + CHAOS_SECONDS
        round_no = 0
        while time.monotonic() < deadline:
            fwd = self.start_forwarder(name=f"forwarder-{round_no}")
            life_end = time.monotonic() + rng.uniform(2.0, 6.0)
            while time.monotonic() < life_end:
                sim.add_events(rng.randint(20, 400))
                peak_rss_kib = max(peak_rss_kib, rss_kib(fwd.proc.pid))
                time.sleep(0.25)
            if not fwd.alive():
                unexpected_deaths.append((round_no, fwd.proc.returncode, fwd.output()[-1500:]))
            fwd.kill9()
            kills += 1
            round_no += 1

        # Calm: the faults stay, new events stop; a last run catches up and exits by itself.
        final = self.start_forwarder("--once", name="forwarder-final")
        self.assertEqual(final.wait(300), 0, final.output()[-3000:])
        self.assertEqual(unexpected_deaths, [], "the forwarder never died except by our hand")

        expected = sim.event_ids()
        stored = es.get("/_sim/ids?index=scaleft-audit").decode().split()
        self.assertEqual(len(stored), len(set(stored)), "Elasticsearch holds each id once")
        self.assertEqual(set(stored), set(expected) - set(poisoned),
                         "every event but the poisoned ones is in Elasticsearch")
        dead_path = os.path.join(self.state_dir, "dead-letter", "elk.ndjson")
        with open(dead_path) as f:
            dead = collections.Counter(json.loads(line)["event_id"] for line in f)
        self.assertEqual(set(dead), set(poisoned), "the dead letter holds exactly the poisoned events")
        in_file = collections.Counter(ndjson_ids(out))
        self.assertEqual(set(in_file), set(expected), "every event is in the file at least once")
        file_repeats = sum(c - 1 for c in in_file.values())
        # A kill repeats at most what was past the checkpoint: the buffered window plus the page in hand.
        self.assertLessEqual(file_repeats, kills * (MAX_EVENTS + 1000))
        dead_repeats = sum(c - 1 for c in dead.values())
        self.assertLessEqual(peak_rss_kib, RSS_BOUND_MIB * 1024, "RSS stays under the bound")
        es_state = json.loads(es.get("/_sim/state"))
        sim_state = sim.state()
        print(f"\nchaos: {CHAOS_SECONDS:.0f}s, {kills} kill -9, {len(expected)} events, "
              f"{len(stored)} in Elasticsearch (once each), {len(poisoned)} poisoned -> dead letter "
              f"({dead_repeats} repeated dead-letter lines), file repeats {file_repeats}, "
              f"peak RSS {peak_rss_kib / 1024:.1f} MiB")
        print("scaleft-sim faults:", json.dumps(sim_state.get("faults", sim_state.get("faults_injected", {})),
                                                sort_keys=True))
        print("es-sim faults:", json.dumps(es_state.get("faults", {}), sort_keys=True))


if __name__ == "__main__":
    unittest.main(verbosity=2)

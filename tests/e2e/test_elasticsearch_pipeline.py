"""End to end with Elasticsearch: scaleft-sim -> scaleft-forwarder -> es-sim (and a file), under faults."""
import collections
import json
import os
import signal
import time
import unittest

from harness import ES_SIM, ForwarderTest, Sim, ndjson_ids, rss_bound_mib, wait_until, write_config


def rss_peak_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class ElasticsearchPipelineTest(ForwarderTest):
    def start_es_sim(self, faults=()):
        args = []
        for f in faults:
            args += ["--fault", f]
        es = Sim(ES_SIM, args, self.tmp, "es-sim")
        self.processes.append(es)
        return es

    def es_sink(self, es, name="elk", extra=""):
        return (f"  - name: {name}\n    type: elasticsearch\n    url: {es.url}\n    index: scaleft-audit\n"
                f"    compression: gzip\n    request_timeout: 2s\n{extra}")

    def es_ids(self, es):
        return es.get("/_sim/ids?index=scaleft-audit").decode().split()

    def dead_letter(self, sink):
        path = os.path.join(self.state_dir, "dead-letter", f"{sink}.ndjson")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [json.loads(line) for line in f]

    def checkpoint_id(self):
        try:
            with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
                return json.load(f)["event_id"]
        except FileNotFoundError:
            return None

    def test_fifty_thousand_events_under_faults_stored_exactly_once(self):
        sim = self.start_scaleft_sim(events=50000, extra=[
            "--fault", "audits:500:p=0.03", "--fault", "audits:reset_body:p=0.03",
            "--fault", "audits:expire_token:p=0.03"])
        ids = sim.event_ids()
        poisoned = [ids[123], ids[9999], ids[31337], ids[49999]]
        es = self.start_es_sim(faults=[
            "item:400:id=" + ",".join(poisoned),
            "item:429:p=0.03", "item:503:p=0.02",
            "bulk:429:p=0.04", "bulk:503:p=0.03", "bulk:502:p=0.03", "bulk:reset:p=0.03",
            "bulk:reset_body:p=0.03"])
        self.out = os.path.join(self.tmp, "out", "audit.ndjson")
        write_config(self.config_path, sim, self.state_dir,
                     self.es_sink(es) + f"  - name: archive\n    type: file\n    path: {self.out}\n")
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(300), 0, fwd.output()[-3000:])
        stored = self.es_ids(es)
        self.assertEqual(len(stored), len(set(stored)))
        self.assertEqual(sorted(stored), sorted(set(ids) - set(poisoned)),
                         "every event but the poisoned ones is stored, exactly once")
        dead = self.dead_letter("elk")
        self.assertEqual(sorted(d["event_id"] for d in dead), sorted(poisoned),
                         "exactly the poisoned events are dead-lettered")
        for d in dead:
            self.assertEqual(d["status"], 400)
            self.assertEqual(d["error_type"], "document_parsing_exception")
        self.assertEqual(ndjson_ids(self.out), ids, "the file sink got every event once, in order")
        state = json.loads(es.get("/_sim/state"))
        print("es-sim faults injected:", json.dumps(state.get("faults", {}), sort_keys=True))

    def test_a_sink_that_is_down_holds_the_checkpoint_and_memory_stays_bounded(self):
        sim = self.start_scaleft_sim(events=30000)
        es = self.start_es_sim(faults=["bulk:503:p=1"])
        self.out = os.path.join(self.tmp, "out", "audit.ndjson")
        write_config(self.config_path, sim, self.state_dir,
                     self.es_sink(es) + f"  - name: archive\n    type: file\n    path: {self.out}\n",
                     extra="buffer:\n  max_events: 5000\n  max_bytes: 64MiB\n")
        fwd = self.start_forwarder()
        # The file sink keeps going until the buffer is full; then polling pauses.
        wait_until(lambda: "buffer full" in fwd.output(), 60, "the buffer to fill")
        time.sleep(1.0)
        in_file = len(ndjson_ids(self.out))
        self.assertGreaterEqual(in_file, 5000)
        self.assertLessEqual(in_file, 5000 + 1000, "no more than the bound (plus the page that crossed it)")
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, "checkpoint.json")),
                         "the checkpoint never passes events Elasticsearch has not stored")
        peak_kib = rss_peak_kib(fwd.proc.pid)
        es.post("/_sim/faults", method="DELETE")
        wait_until(lambda: len(self.es_ids(es)) == 30000, 120, "Elasticsearch to catch up")
        last_id = sim.event_ids()[-1]
        wait_until(lambda: self.checkpoint_id() == last_id, 60, "the checkpoint to reach the last event")
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(30), 0)
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())
        print(f"peak RSS during the outage: {peak_kib / 1024:.1f} MiB")
        self.assertLess(peak_kib, rss_bound_mib(96) * 1024, "RSS stays bounded during an outage")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""100,000 events about 2,700 related objects, with the default field limit, in the three target modes, each
into a real node and into es-sim at once (one forwarder, two sinks): (a) a plain index with `template:
false`, (b) a data stream after `setup`, (c) the event-time index. Every mode ends with every event stored,
nothing refused by a mapping, nothing dead-lettered, and the field count Elasticsearch computes from GET
_mapping. Then the README's delivery guarantees across a rollover: a backfill of an already shipped window
stores one second copy per event in a data stream after `_rollover` (and no third), and nothing in the
event-time index (every create is a 409).

The real Elasticsearch 7.10.2 node (fixture es_node) has no data streams (x-pack): mode (b) runs on the
OpenSearch 2.19.6 node (fixture os_node) instead, whose core has them.

Under dynamic mapping a `scaleft.details` key takes the type of the first value an index sees: an index whose
first document is one of scaleft-sim's odd events (a number in `actor`) refuses the string ones after it (the
README says so; `setup` rules it out). Mode (a)'s single index starts with the feed's first event (seed 7),
which is not odd. Mode (c)'s daily indices start wherever the day boundaries fall, and they move with the
time of day the test runs (the feed ends at the sim's start), so mode (c) runs a feed without odd events:
with them, whether some day starts with a numeric `actor` would depend on the clock.

On the real nodes the test first puts index settings only (no mappings: the mapping stays whatever the mode
makes it): no replicas (one node), a 30 s refresh and an async translog, as for a bulk load; on the shared
2-core machine they make the 100,000 documents fit the test's time. In mode (b) they go in the
`<base>@custom` component template that setup composes in when it exists."""
import json
import os
import re
import time
import unittest
import urllib.parse
from datetime import datetime, timedelta, timezone

from harness import (ES_SIM, OS_NODE_URL_FILE, ForwarderTest, RealElasticsearch, Sim, wait_until,
                     write_config)
from test_elasticsearch_pipeline import dead_letter_of, mapped_fields

EVENTS = 100_000
OBJECTS = 2_700  # 600 users, 900 clients, 1,200 servers (scaleft-sim --objects)
STREAM = "logs-scaleft.audit-default"
EVENT_TIME_INDEX = "scaleft-audit-%{+yyyy.MM.dd}"
# The replayed window: the last three of the feed's 30 days.
REPLAY_DAYS = 3
BULK_LOAD_SETTINGS = {"number_of_replicas": 0, "refresh_interval": "30s", "translog.durability": "async"}


class EsSimNode(RealElasticsearch):
    """es-sim through the same REST calls as a real node; ids from its control API (it has no scroll)."""

    def __init__(self, sim):
        self.sim = sim
        self.url = sim.url
        root = self.json("GET", "/")
        self.version = root["version"]["number"]
        self.distribution = "es-sim"

    def refresh(self, target):
        pass  # es-sim makes every write visible at once

    def ids(self, target):
        return sorted(self.sim.get("/_sim/ids?index=" + urllib.parse.quote(target)).decode().split())

    def index_states(self):
        return json.loads(self.sim.get("/_sim/state"))["indices"]


def field_counts(node, target):
    """{concrete index: its field count as Elasticsearch counts it}, from GET <target>/_mapping."""
    return {name: mapped_fields(m["mappings"].get("properties", {}))
            for name, m in sorted(node.json("GET", f"/{target}/_mapping").items())}


def store_bytes_per_doc(node, target):
    """The real node's on-disk primary store size per document (after a refresh)."""
    node.refresh(target)
    rows = node.json("GET", f"/_cat/indices/{target}?format=json&bytes=b&h=index,docs.count,pri.store.size")
    docs = sum(int(r["docs.count"]) for r in rows)
    return sum(int(r["pri.store.size"]) for r in rows) / docs


class ScaleModesTest(ForwarderTest):
    def setUp(self):
        super().setUp()
        self.started = time.monotonic()

    def tearDown(self):
        super().tearDown()
        for node in getattr(self, "real_nodes", []):
            node.reset()
        print(f"{self.id().split('.')[-1]}: {time.monotonic() - self.started:.1f} s wall time")

    def start(self, real_node, odd_events=True):
        self.real = real_node
        self.real_nodes = [real_node]
        real_node.reset()
        if real_node.distribution == "opensearch":
            real_node.json("PUT", "/_component_template/logs-scaleft.audit@custom",
                           {"template": {"settings": {"index": BULK_LOAD_SETTINGS}}})
        else:
            real_node.json("PUT", "/_index_template/bulk-load-settings",
                           {"index_patterns": ["scaleft-audit*"], "priority": 1,
                            "template": {"settings": {"index": BULK_LOAD_SETTINGS}}})
        extra = ["--objects", str(OBJECTS)] + ([] if odd_events else ["--odd-rate", "0"])
        self.sim = self.start_scaleft_sim(events=EVENTS, extra=extra)
        self.ids = sorted(self.sim.event_ids())
        self.assertEqual(len(self.ids), EVENTS)
        es = Sim(ES_SIM, [], self.tmp, "es-sim")
        self.processes.append(es)
        self.es = EsSimNode(es)

    def configure(self, target_yaml):
        # Both sinks in one forwarder: the same documents, fetched and rendered once.
        sinks = "".join(f"  - name: {name}\n    type: elasticsearch\n    url: {node.url}\n    {target_yaml}\n"
                        f"    request_timeout: 120s\n"
                        for name, node in (("real", self.real), ("sim", self.es)))
        write_config(self.config_path, self.sim, self.state_dir, sinks)

    def ship(self):
        began = time.monotonic()
        fwd = self.start_forwarder("--once", name=f"forwarder-{len(self.processes)}")
        self.assertEqual(fwd.wait(400), 0, fwd.output()[-3000:])
        self.assertNotIn("X-elastic-product", fwd.output(), "neither 7.10, OpenSearch nor es-sim 8.x warrants it")
        return time.monotonic() - began

    def assert_clean(self, pattern):
        """Every event stored once per target, no dead letter, no mapping refusal, no field left unmapped."""
        for name, node in (("real", self.real), ("sim", self.es)):
            self.assertEqual(dead_letter_of(self.state_dir, name), [], f"{name}: dead letters")
            self.assertEqual(node.count(pattern), EVENTS, f"{name}: every event stored")
        for index, state in self.es.index_states().items():
            self.assertEqual(state["mapping_refusals"], {}, f"es-sim {index}")
            self.assertEqual(state["fields_ignored_beyond_limit"], 0, f"es-sim {index}")
        # es-sim's own count (what its limit checks) is Elasticsearch's count of the mapping it shows.
        sim_counts = field_counts(self.es, pattern)
        self.assertEqual(sim_counts, {i: s["fields"] for i, s in self.es.index_states().items() if i in sim_counts})
        real_counts = field_counts(self.real, pattern)
        for counts in (real_counts, sim_counts):
            self.assertLess(max(counts.values()), 1000, "below the default index.mapping.total_fields.limit")
        return real_counts, sim_counts

    def report(self, mode, real_counts, sim_counts, pattern, took):
        state = json.loads(self.es.sim.get("/_sim/state"))
        bulk_bytes = state["bytes_decoded"] / EVENTS

        def counts(c):
            if len(c) == 1:
                return f"{next(iter(c.values()))} fields ({next(iter(c))})"
            return f"{min(c.values())}-{max(c.values())} fields over {len(c)} indices"
        print(f"\n{mode}: {EVENTS} events in {took:.1f} s; real {self.real.distribution} {self.real.version}: "
              f"{counts(real_counts)}, {store_bytes_per_doc(self.real, pattern):.0f} store bytes/doc; "
              f"es-sim {self.es.version}: {counts(sim_counts)}; {bulk_bytes:.0f} bulk bytes/doc "
              f"(action line included)")

    def backfill_window(self):
        """Backfills the last REPLAY_DAYS days to both sinks; returns ({sink: (stored, duplicates, dead)}, events)."""
        since = (datetime.now(timezone.utc) - timedelta(days=REPLAY_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        r = self.run_forwarder_cmd("backfill", "--config", self.config_path, "--since", since, timeout=400)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-3000:])
        sinks = {m[0]: tuple(int(x) for x in m[1:]) for m in
                 re.findall(r"sink (\w+): stored (\d+), duplicates (\d+), dead-lettered (\d+)", r.stdout)}
        events = int(re.search(r"events:\s+(\d+)", r.stdout).group(1))
        self.assertEqual(sorted(sinks), ["real", "sim"], r.stdout)
        self.assertGreater(events, EVENTS * (REPLAY_DAYS - 1) // 30, r.stdout)
        return sinks, events

    def test_a_plain_index_with_dynamic_mapping(self):
        self.start(RealElasticsearch())
        self.configure("index: scaleft-audit")
        took = self.ship()
        real_counts, sim_counts = self.assert_clean("scaleft-audit")
        # The population really is in the documents: distinct related objects stored.
        agg = self.real.json("POST", "/scaleft-audit/_search", {"size": 0, "aggs": {"objects": {"cardinality": {
            "field": "scaleft.related_objects.id.keyword", "precision_threshold": 40000}}}})
        distinct = agg["aggregations"]["objects"]["value"]
        self.assertGreaterEqual(distinct, 2000)
        print(f"\n{distinct} distinct related objects in the stored documents")
        self.report("(a) plain index, template: false", real_counts, sim_counts, "scaleft-audit", took)

    def test_b_data_stream_after_setup_and_a_replay_across_a_rollover(self):
        self.start(RealElasticsearch(url_file=OS_NODE_URL_FILE, fixture="os_node"))
        self.configure(f"data_stream: {STREAM}")
        r = self.run_forwarder_cmd("setup", "--config", self.config_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        took = self.ship()
        real_counts, sim_counts = self.assert_clean(STREAM)
        self.report("(b) data stream after setup", real_counts, sim_counts, STREAM, took)

        first = {}
        for name, node in (("real", self.real), ("sim", self.es)):
            [first[name]] = [i["index_name"] for i in node.json("GET", f"/_data_stream/{STREAM}")["data_streams"][0]
                             ["indices"]]
            rollover = node.json("POST", f"/{STREAM}/_rollover")
            self.assertTrue(rollover["rolled_over"], rollover)
        # The window is replayed into the new write indices: one second copy of each of its events.
        sinks, window = self.backfill_window()
        self.assertEqual(sinks, {"real": (window, 0, 0), "sim": (window, 0, 0)})
        for name, node in (("real", self.real), ("sim", self.es)):
            indices = [i["index_name"] for i in node.json("GET", f"/_data_stream/{STREAM}")["data_streams"][0]
                       ["indices"]]
            self.assertEqual(len(indices), 2, indices)
            self.assertEqual(indices[0], first[name])
            self.assertEqual(node.ids(indices[0]), self.ids, f"{name}: the old backing index is unchanged")
            second = node.ids(indices[1])
            self.assertEqual(len(second), window)
            self.assertTrue(set(second) <= set(self.ids))
            self.assertEqual(node.count(STREAM), EVENTS + window, f"{name}: one copy per backing index")
        # Replayed again into the same write index: all 409, no third copy.
        sinks, again = self.backfill_window()
        self.assertEqual(sinks, {"real": (0, again, 0), "sim": (0, again, 0)})
        for name, node in (("real", self.real), ("sim", self.es)):
            self.assertEqual(node.count(STREAM), EVENTS + window, f"{name}: no third copy")
            self.assertEqual(dead_letter_of(self.state_dir, name), [])
        print(f"(b) replay of the last {REPLAY_DAYS} days after _rollover: {window} second copies on each target, "
              f"then {again} duplicates (409) and no third copy")

    def test_c_event_time_index_keeps_one_copy_across_a_replay(self):
        self.start(RealElasticsearch(), odd_events=False)
        self.configure(f'index: "{EVENT_TIME_INDEX}"')
        took = self.ship()
        real_counts, sim_counts = self.assert_clean("scaleft-audit-*")
        self.assertEqual(sorted(real_counts), sorted(sim_counts), "the same daily indices on both")
        self.assertGreaterEqual(len(real_counts), 30)
        self.report("(c) event-time index", real_counts, sim_counts, "scaleft-audit-*", took)
        # The same window again: each event goes to the index of its own day, where its first copy is.
        sinks, window = self.backfill_window()
        self.assertEqual(sinks, {"real": (0, window, 0), "sim": (0, window, 0)})
        for name, node in (("real", self.real), ("sim", self.es)):
            self.assertEqual(node.count("scaleft-audit-*"), EVENTS, f"{name}: nothing new stored")
            self.assertEqual(dead_letter_of(self.state_dir, name), [])
        print(f"(c) replay of the last {REPLAY_DAYS} days: {window} duplicates (409) on each target, nothing stored")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""End to end into a real data stream: scaleft-sim -> scaleft-forwarder -> the OpenSearch 2.19.6 node (ctest
fixture os_node), whose data streams are core (the open-source Elasticsearch 7.10.2 node has none)."""
import json
import os
import shutil
import unittest

from harness import OS_NODE_URL_FILE, ForwarderTest, RealElasticsearch, write_config
from test_elasticsearch_pipeline import dead_letter_of

STREAM = "logs-scaleft.audit-default"


class RealDataStreamTest(ForwarderTest):
    """The README's guarantee for a data stream, on a real node: one copy per backing index."""

    def setUp(self):
        super().setUp()
        self.node = RealElasticsearch(url_file=OS_NODE_URL_FILE, fixture="os_node")
        self.node.reset()
        # One node: replicas could never be assigned. Dynamic mapping otherwise, as a new user deploys it.
        self.node.json("PUT", "/_index_template/scaleft-audit-stream", {
            "index_patterns": ["logs-scaleft.audit-*"], "data_stream": {}, "priority": 200,
            "template": {"settings": {"number_of_replicas": 0}}})

    def tearDown(self):
        super().tearDown()
        self.node.reset()

    def configure(self, sim):
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: elk\n    type: elasticsearch\n    url: {self.node.url}\n"
                     f"    data_stream: {STREAM}\n    compression: gzip\n    request_timeout: 60s\n")

    def run_once(self):
        fwd = self.start_forwarder("--once", name=f"forwarder-{len(self.processes)}")
        self.assertEqual(fwd.wait(400), 0, fwd.output()[-3000:])
        return fwd.output()

    def backing_indices(self):
        streams = self.node.json("GET", f"/_data_stream/{STREAM}")["data_streams"]
        self.assertEqual(len(streams), 1, streams)
        return [i["index_name"] for i in streams[0]["indices"]]

    def test_one_copy_per_backing_index_across_a_rollover(self):
        self.assertEqual((self.node.distribution, self.node.version), ("opensearch", "2.19.6"))
        sim = self.start_scaleft_sim(events=1200)
        first_ids = sim.event_ids()
        self.configure(sim)
        log = self.run_once()
        # 2.19.6 is not "major 8", so the sink sends plain NDJSON (no v8 compatibility headers, which
        # OpenSearch would refuse); GET / says distribution opensearch, which never sends X-elastic-product,
        # so its absence is no reason to warn.
        self.assertIn('"version":"2.19.6"', log)
        self.assertNotIn("X-elastic-product", log)
        [first_backing] = self.backing_indices()
        self.assertEqual(self.node.ids(first_backing), sorted(first_ids), "every event stored exactly once")
        self.assertEqual(dead_letter_of(self.state_dir, "elk"), [])

        rollover = self.node.json("POST", f"/{STREAM}/_rollover")
        self.assertTrue(rollover["rolled_over"], rollover)
        self.assertEqual(rollover["old_index"], first_backing)
        second_backing = rollover["new_index"]
        sim.add_events(300)
        all_ids = sim.event_ids()
        new_ids = sorted(set(all_ids) - set(first_ids))
        self.assertEqual(len(new_ids), 300)

        # A lost state volume after the rollover: every event is sent again. The create of an event already
        # in the old backing index succeeds in the new write index: a second copy, exactly one per event.
        shutil.rmtree(self.state_dir)
        self.run_once()
        self.assertEqual(self.backing_indices(), [first_backing, second_backing])
        self.assertEqual(self.node.ids(first_backing), sorted(first_ids), "the old backing index is unchanged")
        self.assertEqual(self.node.ids(second_backing), sorted(all_ids), "one copy in the new write index")
        stored = self.node.ids(STREAM)
        duplicates = len(stored) - len(set(stored))
        self.assertEqual(duplicates, len(first_ids), "the replayed events that were in the old backing index")
        self.assertEqual(dead_letter_of(self.state_dir, "elk"), [])

        # Replayed again without a rollover: the write index answers 409 to every create, no third copy.
        shutil.rmtree(self.state_dir)
        self.run_once()
        self.assertEqual(self.node.ids(STREAM), stored)
        self.assertEqual(self.node.count(STREAM), len(first_ids) + len(all_ids))
        self.assertEqual(dead_letter_of(self.state_dir, "elk"), [], "a 409 is a delivery, not a refusal")
        print(f"real data stream (OpenSearch {self.node.version}): {len(first_ids)} events in {first_backing}, "
              f"{len(all_ids)} in {second_backing} after the replay: {duplicates} second copies")

    def test_the_stream_refuses_what_elasticsearch_refuses(self):
        # The refusals the forwarder's documents must never meet, on the real node: only `create`, and a
        # date @timestamp in every document.
        body = "\n".join(json.dumps(line) for line in [
            {"index": {"_index": STREAM, "_id": "a"}}, {"@timestamp": "2024-05-01T10:00:00Z"},
            {"create": {"_index": STREAM, "_id": "b"}}, {"message": "no timestamp"},
            {"create": {"_index": STREAM, "_id": "c"}}, {"@timestamp": "2024-05-01T10:00:00Z"},
            {"create": {"_index": STREAM, "_id": "c"}}, {"@timestamp": "2024-05-01T10:00:00Z"}]) + "\n"
        status, _, data = self.node.request("POST", "/_bulk", body.encode(),
                                            {"Content-Type": "application/x-ndjson"})
        self.assertEqual(status, 200, data)
        items = [list(i.values())[0] for i in json.loads(data)["items"]]
        self.assertEqual([i["status"] for i in items], [400, 400, 201, 409])
        self.assertEqual(items[0]["error"]["reason"], "only write ops with an op_type of create are allowed in "
                                                      "data streams")
        self.assertEqual(items[1]["error"]["caused_by"]["reason"],
                         "documents must contain a single-valued timestamp field '@timestamp' of date type")
        self.assertEqual(items[3]["error"]["type"], "version_conflict_engine_exception")


if __name__ == "__main__":
    unittest.main(verbosity=2)

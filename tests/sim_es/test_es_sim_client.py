"""es-sim with the official Python client (Debian's python3-elasticsearch 7.17): info(), helpers.bulk with
create ops and duplicate ids, partial failures the client must report, and the index management calls a
setup makes (component and index templates, ILM, pipelines, data streams, mappings, rollover, privileges)."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from es_sim_process import EsSim  # noqa: E402

import elasticsearch  # noqa: E402
from elasticsearch import Elasticsearch, helpers  # noqa: E402

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else os.environ.get("SF_ES_SIM", "es-sim")
INDEX = "logs-scaleft.audit-default"


def actions(ids):
    for i in ids:
        yield {"_op_type": "create", "_index": INDEX, "_id": i,
               "_source": {"@timestamp": "2024-05-01T00:00:00Z", "event": {"id": i}}}


class OfficialClient(unittest.TestCase):
    def setUp(self):
        self.sim = EsSim(BINARY, "--fault", "item:400:id=poison")
        self.es = Elasticsearch(self.sim.url, timeout=10, max_retries=0)

    def tearDown(self):
        self.es.close()
        self.sim.close()

    def stored(self):
        return self.sim.request("GET", "/_sim/ids?index=" + INDEX)[2].decode().split()

    def test_info(self):
        info = self.es.info()
        self.assertEqual(info["version"]["number"], "8.15.0")
        self.assertEqual(info["tagline"], "You Know, for Search")

    def test_bulk_create_with_duplicates(self):
        ok, errors = helpers.bulk(self.es, actions(["a", "b", "c"]))
        self.assertEqual((ok, errors), (3, []))
        ok, errors = helpers.bulk(self.es, actions(["b", "c", "d"]), raise_on_error=False)
        self.assertEqual(ok, 1)
        self.assertEqual(sorted(e["create"]["_id"] for e in errors), ["b", "c"])
        self.assertTrue(all(e["create"]["status"] == 409 for e in errors))
        self.assertEqual(self.stored(), ["a", "b", "c", "d"])
        self.assertEqual(self.es.count(index=INDEX)["count"], 4)

    def test_partial_failure_is_reported(self):
        with self.assertRaises(helpers.BulkIndexError) as caught:
            helpers.bulk(self.es, actions(["x", "poison", "y"]))
        failed = caught.exception.errors
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["create"]["_id"], "poison")
        self.assertEqual(failed[0]["create"]["error"]["type"], "document_parsing_exception")
        self.assertEqual(self.stored(), ["x", "y"])
        state = json.loads(self.sim.request("GET", "/_sim/state")[2])
        self.assertEqual(state["faults"]["item:400"], 1)

    def test_streaming_bulk_sees_every_item_in_order(self):
        results = list(helpers.streaming_bulk(self.es, actions(["p", "poison", "q"]), raise_on_error=False,
                                              chunk_size=2))
        self.assertEqual([ok for ok, _ in results], [True, False, True])

    def test_index_management_as_a_setup_makes_it(self):
        es = self.es
        builtin = es.cluster.get_component_template(name="logs@*")
        self.assertIn("logs@settings", [c["name"] for c in builtin["component_templates"]])
        es.cluster.put_component_template(name="scaleft@mappings", body={"template": {"mappings": {
            "properties": {"scaleft": {"properties": {"related": {"type": "flattened"}}}}}}})
        es.indices.put_index_template(name="scaleft", body={
            "index_patterns": ["logs-scaleft.*-*"], "priority": 200, "data_stream": {},
            "composed_of": ["logs@mappings", "logs@settings", "scaleft@mappings", "ecs@mappings", "scaleft@custom"],
            "ignore_missing_component_templates": ["scaleft@custom"]})
        with self.assertRaises(elasticsearch.RequestError) as bad:
            es.indices.put_index_template(name="clash", body={"index_patterns": ["logs-scaleft.*-*"],
                                                              "priority": 200})
        self.assertEqual(bad.exception.error, "illegal_argument_exception")
        es.ilm.put_lifecycle(policy="scaleft", body={"policy": {"phases": {"hot": {"actions": {
            "rollover": {"max_age": "30d", "max_primary_shard_size": "50gb"}}}}}})
        self.assertIn("scaleft", es.ilm.get_lifecycle(policy="scaleft"))
        es.ingest.put_pipeline(id="scaleft", body={"processors": [
            {"set": {"field": "event.ingested", "value": "{{{_ingest.timestamp}}}"}}]})
        self.assertIn("scaleft", es.ingest.get_pipeline(id="scaleft"))
        ok, _ = helpers.bulk(self.es, actions(["m1", "m2"]), pipeline="scaleft")
        self.assertEqual(ok, 2)
        with self.assertRaises(helpers.BulkIndexError) as missing:
            helpers.bulk(self.es, actions(["m3"]), pipeline="none-such")
        self.assertEqual(missing.exception.errors[0]["create"]["error"]["reason"],
                         "pipeline with id [none-such] does not exist")
        stream = es.indices.get_data_stream(name=INDEX)["data_streams"][0]
        self.assertEqual(stream["template"], "scaleft")
        mapping = es.indices.get_mapping(index=INDEX)
        props = list(mapping.values())[0]["mappings"]["properties"]
        self.assertEqual(props["scaleft"]["properties"]["related"], {"type": "flattened"})
        self.assertEqual(props["event"]["properties"]["ingested"], {"type": "date"})
        rolled = es.indices.rollover(alias=INDEX)
        self.assertTrue(rolled["rolled_over"])
        ok, errors = helpers.bulk(self.es, actions(["m1"]), raise_on_error=False)
        self.assertEqual((ok, errors), (1, []), "the new write index has no m1 yet")
        self.assertEqual(es.count(index=INDEX)["count"], 3)
        priv = es.security.has_privileges(body={"cluster": ["manage_ilm"],
                                                "index": [{"names": [INDEX], "privileges": ["create_doc"]}]})
        self.assertTrue(priv["has_all_requested"])


if __name__ == "__main__":
    print("elasticsearch-py", elasticsearch.__versionstr__)
    unittest.main(verbosity=2)

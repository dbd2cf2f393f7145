"""The official Python client 8.x (PyPI, in the venv scripts/install-es-node.sh makes) against es-sim and
against the real Elasticsearch 7.10.2 node: what works, and what the client refuses on a 7.10 server.

usage: test_es_client8.py ES_SIM_BINARY   (re-runs itself under $SF_ES_CLIENT_PYTHON, the venv's python)
"""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
if sys.prefix == sys.base_prefix:  # not in the venv: Debian's python3 has the 7.17 client
    venv_python = os.environ.get("SF_ES_CLIENT_PYTHON", "")
    if not os.access(venv_python, os.X_OK):
        sys.exit("test_es_client8: the official 8.x client is not installed "
                 f"(no {venv_python or 'SF_ES_CLIENT_PYTHON'}): run scripts/install-es-node.sh")
    os.execv(venv_python, [venv_python, os.path.abspath(__file__), *sys.argv[1:]])

sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import elasticsearch  # noqa: E402
from elasticsearch import Elasticsearch, helpers  # noqa: E402
from es_sim_process import EsSim  # noqa: E402
from harness import RealElasticsearch  # noqa: E402

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else os.environ.get("SF_ES_SIM", "es-sim")
INDEX = "client8-audit"


def creates(ids):
    for i in ids:
        yield {"_op_type": "create", "_index": INDEX, "_id": i,
               "_source": {"@timestamp": "2024-05-01T00:00:00Z", "event": {"id": i}}}


class ClientOnEsSim(unittest.TestCase):
    """es-sim as the 8.x server the client is made for."""

    def setUp(self):
        self.sim = EsSim(BINARY)
        self.es = Elasticsearch(self.sim.url, request_timeout=10, max_retries=0)

    def tearDown(self):
        self.es.close()
        self.sim.close()

    def test_info(self):
        self.assertEqual(self.es.info()["version"]["number"], "8.15.0")

    def test_bulk_helper_with_duplicate_creates(self):
        self.assertEqual(helpers.bulk(self.es, creates(["a", "b", "c"])), (3, []))
        ok, errors = helpers.bulk(self.es, creates(["b", "c", "d"]), raise_on_error=False)
        self.assertEqual(ok, 1)
        self.assertEqual(sorted((e["create"]["_id"], e["create"]["status"]) for e in errors), [("b", 409), ("c", 409)])
        self.assertEqual(self.es.count(index=INDEX)["count"], 4)

    def test_indices_create_and_get_mapping(self):
        self.es.indices.create(index=INDEX, mappings={"properties": {"event": {"properties": {
            "id": {"type": "keyword"}}}}})
        helpers.bulk(self.es, creates(["a"]))
        mapping = self.es.indices.get_mapping(index=INDEX)
        self.assertEqual(mapping[INDEX]["mappings"]["properties"]["event"]["properties"]["id"]["type"], "keyword")


class SevenTenServer:
    """What the 8.x client does with an Elasticsearch 7.10.2 server (facts measured on the real node)."""

    def test_info_is_refused_for_the_missing_product_header(self):
        # 7.10 predates X-elastic-product (7.14); the client checks it on every 2xx answer.
        with self.assertRaises(elasticsearch.UnsupportedProductError):
            self.es.info()

    def test_bulk_helper_gets_406_for_the_compatibility_media_type(self):
        with self.assertRaises(elasticsearch.ApiError) as caught:
            helpers.bulk(self.es, creates(["a"]))
        self.assertEqual(caught.exception.meta.status, 406)
        self.assertEqual(caught.exception.message, "Content-Type header [application/vnd.elasticsearch+x-ndjson; "
                                                   "compatible-with=8] is not supported")

    def test_indices_create_gets_406(self):
        with self.assertRaises(elasticsearch.ApiError) as caught:
            self.es.indices.create(index=INDEX, mappings={"properties": {"a": {"type": "keyword"}}})
        self.assertEqual(caught.exception.meta.status, 406)

    def test_errors_pass_through_only_non_2xx(self):
        with self.assertRaises(elasticsearch.NotFoundError) as caught:
            self.es.indices.get_mapping(index="client8-missing")
        self.assertEqual(caught.exception.error, "index_not_found_exception")


class ClientOnRealNode(SevenTenServer, unittest.TestCase):
    def setUp(self):
        self.node = RealElasticsearch()
        self.node.reset()
        self.es = Elasticsearch(self.node.url, request_timeout=30, max_retries=0)

    def tearDown(self):
        self.es.close()
        self.node.reset()

    def test_the_node_is_usable_without_the_compatibility_headers(self):
        # The same requests with plain JSON media types, as the forwarder sends them to a 7.x server.
        status, _, _ = self.node.request("PUT", "/" + INDEX, {"mappings": {"properties": {"a": {"type": "keyword"}}}})
        self.assertEqual(status, 200)
        self.assertEqual(self.node.json("GET", f"/{INDEX}/_mapping")[INDEX]["mappings"]["properties"]["a"]["type"],
                         "keyword")


# es-sim as 7.10.2 sends no X-elastic-product (it came in 7.14), so the client refuses it as it does the real node.
class ClientOnEsSimAsSevenTen(SevenTenServer, unittest.TestCase):
    def setUp(self):
        self.sim = EsSim(BINARY, "--version", "7.10.2")
        self.es = Elasticsearch(self.sim.url, request_timeout=10, max_retries=0)

    def tearDown(self):
        self.es.close()
        self.sim.close()


if __name__ == "__main__":
    print("elasticsearch-py", elasticsearch.__versionstr__)
    unittest.main(verbosity=2)

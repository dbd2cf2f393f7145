"""es-sim held to Elasticsearch's mapping rules, over loopback: dynamic mapping and type conflicts, the field
limit, dynamic false/strict, templates and their validation, the built-in logs templates, ingest pipelines,
data stream rollover with duplicates per backing index, ILM policies and _has_privileges."""
import json
import subprocess
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from es_sim_process import SimTestCase  # noqa: E402

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else os.environ.get("SF_ES_SIM", "es-sim")
JSON = {"Content-Type": "application/json"}
NDJSON = {"Content-Type": "application/x-ndjson"}


def ndjson(*pairs):
    out = b""
    for action, source in pairs:
        out += json.dumps(action).encode() + b"\n"
        if source is not None:
            out += json.dumps(source, separators=(",", ":")).encode() + b"\n"
    return out


class Mappings(SimTestCase):
    def start(self, *args):
        return self.start_sim(BINARY, *args)

    def call(self, sim, method, path, body=None):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        status, _, raw = sim.request(method, path, data, JSON if data else {})
        return status, (json.loads(raw) if raw and raw[:1] in (b"{", b"[") else raw)

    def bulk(self, sim, *pairs, path="/_bulk"):
        status, _, raw = sim.request("POST", path, ndjson(*pairs), NDJSON)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["items"]

    def state(self, sim):
        return self.call(sim, "GET", "/_sim/state")[1]

    def test_dynamic_mapping_fixes_the_type_and_refuses_a_value_that_does_not_fit(self):
        sim = self.start()
        items = self.bulk(sim,
                          ({"create": {"_index": "audit", "_id": "1"}},
                           {"n": 1, "f": 1.5, "b": True, "s": "hello", "d": "2024-05-01T10:00:00Z",
                            "slash": "2024/05/01", "o": {"x": 1}, "nothing": None, "empty": []}),
                          ({"create": {"_index": "audit", "_id": "2"}}, {"n": "not a number"}),
                          ({"create": {"_index": "audit", "_id": "3"}}, {"o": 7}),
                          ({"create": {"_index": "audit", "_id": "4"}}, {"n": "12", "s": 5}))
        self.assertEqual([i["create"]["status"] for i in items], [201, 400, 400, 201])
        err = items[1]["create"]["error"]
        self.assertEqual(err["type"], "document_parsing_exception")
        self.assertEqual(err["reason"], "[1:6] failed to parse field [n] of type [long] in document with id '2'. "
                                        "Preview of field's value: 'not a number'")
        self.assertEqual(err["caused_by"]["type"], "illegal_argument_exception")
        self.assertEqual(items[2]["create"]["error"]["reason"],
                         "[1:6] object mapping for [o] tried to parse field [o] as object, but found a concrete value")
        status, m = self.call(sim, "GET", "/audit/_mapping")
        self.assertEqual(status, 200)
        props = m["audit"]["mappings"]["properties"]
        self.assertEqual(props["n"], {"type": "long"})
        self.assertEqual(props["f"], {"type": "float"})
        self.assertEqual(props["b"], {"type": "boolean"})
        self.assertEqual(props["s"], {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}})
        self.assertEqual(props["d"], {"type": "date"})
        self.assertEqual(props["slash"]["type"], "date")
        self.assertEqual(props["o"], {"properties": {"x": {"type": "long"}}})
        self.assertNotIn("nothing", props)
        self.assertNotIn("empty", props)
        # o + x + n + f + b + s + s.keyword + d + slash = 9
        self.assertEqual(self.state(sim)["indices"]["audit"]["fields"], 9)
        self.assertEqual(self.state(sim)["indices"]["audit"]["mapping_refusals"], {"type_conflict": 2})
        status, _ = self.call(sim, "GET", "/missing/_mapping")
        self.assertEqual(status, 404)

    def test_field_limit_refuses_the_document_that_passes_it(self):
        sim = self.start()
        status, _ = self.call(sim, "PUT", "/small", {"settings": {"index.mapping.total_fields.limit": 6}})
        self.assertEqual(status, 200)
        items = self.bulk(sim,
                          ({"create": {"_index": "small", "_id": "1"}}, {"a": 1, "b": 2}),
                          ({"create": {"_index": "small", "_id": "2"}}, {"c": {"d": 1, "e": 2}}),
                          ({"create": {"_index": "small", "_id": "3"}}, {"f": 1}),
                          ({"create": {"_index": "small", "_id": "4"}}, {"g": "text and keyword"}))
        self.assertEqual([i["create"]["status"] for i in items], [201, 201, 201, 400])
        err = items[3]["create"]["error"]
        self.assertEqual(err["type"], "document_parsing_exception")
        self.assertEqual(err["reason"], "[1:6] failed to parse: Limit of total fields [6] has been exceeded while "
                                        "adding new fields [2]")
        self.assertEqual(err["caused_by"], {"type": "illegal_argument_exception",
                                            "reason": "Limit of total fields [6] has been exceeded while adding new "
                                                      "fields [2]"})
        st = self.state(sim)["indices"]["small"]
        self.assertEqual((st["fields"], st["documents"]), (6, 3))
        self.assertEqual(st["mapping_refusals"], {"total_fields_limit": 1})

    def test_field_limit_in_7x_words(self):
        sim = self.start("--version", "7.10.2")
        self.call(sim, "PUT", "/small", {"settings": {"index": {"mapping": {"total_fields": {"limit": 2}}}}})
        items = self.bulk(sim, ({"create": {"_index": "small", "_id": "1"}}, {"a": "x", "b": 1}),
                          ({"create": {"_index": "small", "_id": "2"}}, {"n": 1, "m": "x"}))
        self.assertEqual(items[0]["create"]["error"], {"type": "illegal_argument_exception",
                                                       "reason": "Limit of total fields [2] has been exceeded"})
        self.assertEqual(items[1]["create"]["status"], 400)
        self.assertEqual(self.state(sim)["indices"]["small"]["fields"], 0, "a refused document adds no mapping")
        ct = "application/vnd.elasticsearch+x-ndjson; compatible-with=8"
        status, _, raw = sim.request("POST", "/_bulk", b'{"create":{"_index":"v","_id":"1"}}\n{}\n',
                                     {"Content-Type": ct})
        self.assertEqual((status, json.loads(raw)), (406, {"error": "Content-Type header [%s] is not supported" % ct,
                                                           "status": 406}))

    def test_ignore_dynamic_beyond_limit_stores_the_document_and_drops_the_fields(self):
        sim = self.start()
        self.call(sim, "PUT", "/lenient", {"settings": {"index.mapping.total_fields.limit": 3,
                                                        "index.mapping.total_fields.ignore_dynamic_beyond_limit": True}})
        items = self.bulk(sim, ({"create": {"_index": "lenient", "_id": "1"}},
                                {"a": 1, "b": 2, "c": 3, "d": 4, "e": "x"}))
        self.assertEqual(items[0]["create"]["status"], 201)
        st = self.state(sim)["indices"]["lenient"]
        self.assertEqual((st["fields"], st["fields_ignored_beyond_limit"]), (3, 2))
        status, doc = self.call(sim, "GET", "/_sim/doc?index=lenient&id=1")
        self.assertEqual(doc["e"], "x", "the source keeps every value")

    def test_dynamic_false_strict_and_flattened(self):
        sim = self.start()
        self.call(sim, "PUT", "/loose", {"mappings": {"dynamic": False, "properties": {"k": {"type": "keyword"}}}})
        self.call(sim, "PUT", "/tight", {"mappings": {"dynamic": "strict", "properties": {"k": {"type": "keyword"}}}})
        self.call(sim, "PUT", "/flat", {"mappings": {"properties": {"related": {"type": "flattened"}}}})
        items = self.bulk(sim,
                          ({"create": {"_index": "loose", "_id": "1"}}, {"k": "a", "new": {"x": 1}}),
                          ({"create": {"_index": "tight", "_id": "1"}}, {"k": "a", "new": 1}),
                          ({"create": {"_index": "flat", "_id": "1"}},
                           {"related": {"id-%d" % i: {"name": "n%d" % i} for i in range(50)}}))
        self.assertEqual(items[0]["create"]["status"], 201)
        self.assertEqual(items[1]["create"]["error"]["type"], "strict_dynamic_mapping_exception")
        self.assertEqual(items[1]["create"]["error"]["reason"],
                         "[1:16] mapping set to strict, dynamic introduction of [new] within [_doc] is not allowed")
        self.assertEqual(items[2]["create"]["status"], 201)
        st = self.state(sim)["indices"]
        self.assertEqual((st["loose"]["fields"], st["tight"]["fields"], st["flat"]["fields"]), (1, 1, 1))

    def test_templates_compose_and_are_validated_when_put(self):
        sim = self.start()
        s, body = self.call(sim, "PUT", "/_component_template/bad",
                            {"template": {"mappings": {"properties": {"a": {"type": "strnig"}}}}})
        self.assertEqual((s, body["error"]["type"]), (400, "mapper_parsing_exception"))
        self.assertEqual(body["error"]["reason"], "Failed to parse mapping: No handler for type [strnig] declared on field [a]")
        s, body = self.call(sim, "PUT", "/_index_template/t", {"index_patterns": ["audit-*"], "composed_of": ["nope"]})
        self.assertEqual((s, body["error"]["type"]), (400, "invalid_index_template_exception"))
        self.assertIn("specifies component templates [nope] that do not exist", body["error"]["reason"])
        s, _ = self.call(sim, "PUT", "/_component_template/c1",
                         {"template": {"settings": {"index.mapping.total_fields.limit": 50},
                                       "mappings": {"properties": {"n": {"type": "long"}}}}})
        self.assertEqual(s, 200)
        s, _ = self.call(sim, "PUT", "/_index_template/t",
                         {"index_patterns": ["audit-*"], "priority": 300, "composed_of": ["c1", "c2@custom"],
                          "ignore_missing_component_templates": ["c2@custom"],
                          "template": {"mappings": {"properties": {"user": {"properties": {"name": {"type": "keyword"}}}}}}})
        self.assertEqual(s, 200)
        s, body = self.call(sim, "DELETE", "/_component_template/c1")
        self.assertEqual(body["error"]["reason"],
                         "component templates [c1] cannot be removed as they are still in use by index templates [t]")
        items = self.bulk(sim, ({"create": {"_index": "audit-1", "_id": "1"}}, {"n": "one"}),
                          ({"create": {"_index": "audit-1", "_id": "2"}}, {"n": 1, "user": {"name": "x"}}))
        self.assertEqual([i["create"]["status"] for i in items], [400, 201])
        self.assertEqual(self.state(sim)["indices"]["audit-1"]["fields_limit"], 50)
        _, m = self.call(sim, "GET", "/audit-1/_mapping")
        self.assertEqual(m["audit-1"]["mappings"]["properties"]["user"], {"properties": {"name": {"type": "keyword"}}})
        s, body = self.call(sim, "GET", "/_component_template/c1")
        self.assertEqual(body["component_templates"][0]["component_template"]["template"]["settings"],
                         {"index": {"mapping": {"total_fields": {"limit": "50"}}}})

    def test_builtin_logs_templates_and_switching_them_off(self):
        sim = self.start()
        s, body = self.call(sim, "GET", "/_component_template/logs@*")
        self.assertEqual(sorted(c["name"] for c in body["component_templates"]), ["logs@mappings", "logs@settings"])
        s, body = self.call(sim, "GET", "/_index_template/logs")
        self.assertEqual(body["index_templates"][0]["index_template"]["composed_of"],
                         ["logs@mappings", "logs@settings", "logs@custom", "ecs@mappings"])
        items = self.bulk(sim, ({"create": {"_index": "logs-scaleft-default", "_id": "1"}},
                                {"@timestamp": "2024-05-01T00:00:00Z", "source": {"ip": "10.1.2.3"},
                                 "user": {"name": "Quentin"}, "when": "2024-05-01T00:00:00Z",
                                 "data_stream": {"type": "logs", "dataset": "scaleft", "namespace": "default"}}),
                          ({"create": {"_index": "logs-scaleft-default", "_id": "2"}},
                           {"@timestamp": "2024-05-01T00:00:00Z", "source": {"ip": "not an ip"}}),
                          ({"create": {"_index": "logs-scaleft-default", "_id": "3"}},
                           {"@timestamp": "2024-05-01T00:00:00Z", "data_stream": {"type": "metrics"}}))
        self.assertEqual([i["create"]["status"] for i in items], [201, 400, 400])
        backing = items[0]["create"]["_index"]
        _, m = self.call(sim, "GET", "/logs-scaleft-default/_mapping")
        props = m[backing]["mappings"]["properties"]
        self.assertEqual(props["source"]["properties"]["ip"], {"type": "ip"})
        self.assertEqual(props["when"], {"type": "keyword", "ignore_above": 1024}, "date detection is off")
        self.assertEqual(props["data_stream"]["properties"]["type"], {"type": "constant_keyword", "value": "logs"})
        _, ds = self.call(sim, "GET", "/_data_stream/logs-scaleft-default")
        self.assertEqual(ds["data_streams"][0]["ilm_policy"], "logs")
        _, pol = self.call(sim, "GET", "/_ilm/policy/logs")
        self.assertIn("rollover", pol["logs"]["policy"]["phases"]["hot"]["actions"])
        old = self.start("--no-builtin-templates")
        s, _ = self.call(old, "GET", "/_component_template/logs@mappings")
        self.assertEqual(s, 404)
        s, body = self.call(old, "GET", "/_index_template/logs")
        self.assertEqual(s, 404)
        items = self.bulk(old, ({"index": {"_index": "logs-a-b", "_id": "1"}}, {"x": 1}))
        self.assertEqual(items[0]["index"]["_index"], "logs-a-b", "no built-in template: a plain index")
        oss = self.start("--no-xpack")
        s, body = self.call(oss, "PUT", "/_ilm/policy/p", {"policy": {"phases": {}}})
        self.assertEqual(body, {"error": "no handler found for uri [/_ilm/policy/p] and method [PUT]", "status": 400})
        s, body = self.call(oss, "PUT", "/flat", {"mappings": {"properties": {"r": {"type": "flattened"}}}})
        self.assertEqual(body["error"]["reason"], "Failed to parse mapping: No handler for type [flattened] declared on field [r]")

    def test_pipelines_run_and_a_missing_one_fails_the_item(self):
        sim = self.start()
        s, _ = self.call(sim, "PUT", "/_ingest/pipeline/p1", {"processors": [
            {"set": {"field": "event.ingested", "value": "{{{_ingest.timestamp}}}"}},
            {"set": {"field": "copy", "value": "{{{user.name}}}!"}},
            {"set": {"field": "kept", "value": "new", "override": False}},
            {"rename": {"field": "old", "target_field": "renamed", "ignore_missing": True}},
            {"remove": {"field": "secret", "ignore_missing": True}}]})
        self.assertEqual(s, 200)
        s, body = self.call(sim, "PUT", "/_ingest/pipeline/bad", {"processors": [{"frobnicate": {}}]})
        self.assertEqual(body["error"]["reason"], "No processor type exists with name [frobnicate]")
        s, body = self.call(sim, "PUT", "/_ingest/pipeline/bad", {"processors": [{"set": {"value": 1}}]})
        self.assertEqual(body["error"]["reason"], "[field] required property is missing")
        items = self.bulk(sim,
                          ({"create": {"_index": "piped", "_id": "1"}},
                           {"user": {"name": "ann"}, "kept": "old", "old": 1, "secret": "s"}),
                          ({"create": {"_index": "piped", "_id": "2", "pipeline": "none-such"}}, {"a": 1}),
                          path="/_bulk?pipeline=p1")
        self.assertEqual(items[0]["create"]["status"], 201)
        self.assertEqual(items[1]["create"]["error"], {"type": "illegal_argument_exception",
                                                       "reason": "pipeline with id [none-such] does not exist"})
        _, doc = self.call(sim, "GET", "/_sim/doc?index=piped&id=1")
        self.assertEqual((doc["copy"], doc["kept"], doc["renamed"]), ("ann!", "old", 1))
        self.assertNotIn("secret", doc)
        self.assertRegex(doc["event"]["ingested"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.call(sim, "PUT", "/withdefault", {"settings": {"index.default_pipeline": "p1"}})
        self.bulk(sim, ({"create": {"_index": "withdefault", "_id": "1"}}, {"user": {"name": "bo"}}))
        _, doc = self.call(sim, "GET", "/_sim/doc?index=withdefault&id=1")
        self.assertEqual(doc["copy"], "bo!")
        s, body = self.call(sim, "GET", "/_ingest/pipeline/none-such")
        self.assertEqual((s, body), (404, {}))

    def test_rollover_duplicates_only_within_the_write_index(self):
        sim = self.start()
        ts = "2024-05-01T00:00:00Z"
        first = self.bulk(sim, ({"create": {"_index": "logs-a-default", "_id": "e1"}}, {"@timestamp": ts}),
                          ({"create": {"_index": "logs-a-default", "_id": "e1"}}, {"@timestamp": ts}))
        self.assertEqual([i["create"]["status"] for i in first], [201, 409])
        s, r = self.call(sim, "POST", "/logs-a-default/_rollover", {"conditions": {"max_docs": 5}})
        self.assertEqual((r["rolled_over"], r["conditions"]), (False, {"[max_docs: 5]": False}))
        s, r = self.call(sim, "POST", "/logs-a-default/_rollover")
        self.assertTrue(r["rolled_over"])
        self.assertTrue(r["new_index"].endswith("-000002"), r)
        again = self.bulk(sim, ({"create": {"_index": "logs-a-default", "_id": "e1"}}, {"@timestamp": ts}))
        self.assertEqual(again[0]["create"]["status"], 201, "a new backing index holds a second copy")
        self.assertEqual(again[0]["create"]["_index"], r["new_index"])
        self.assertEqual(self.call(sim, "GET", "/logs-a-default/_count")[1]["count"], 2)
        self.assertEqual(self.call(sim, "GET", "/_sim/ids?index=logs-a-default")[1].split(), [b"e1", b"e1"])
        _, ds = self.call(sim, "GET", "/_data_stream/logs-a-default")
        self.assertEqual(ds["data_streams"][0]["generation"], 2)
        s, r = self.call(sim, "POST", "/plain/_rollover")
        self.assertEqual(s, 400)
        auto = self.start("--rollover-max-docs", "2")
        items = self.bulk(auto, *[({"create": {"_index": "logs-b-default", "_id": str(i)}}, {"@timestamp": ts})
                                  for i in range(5)])
        self.assertEqual([i["create"]["_index"][-6:] for i in items], ["000001", "000001", "000002", "000002", "000003"])

    def test_has_privileges_and_lacking_ones(self):
        sim = self.start("--lack-privilege", "manage_ilm,create_doc")
        s, body = self.call(sim, "POST", "/_security/user/_has_privileges",
                            {"cluster": ["manage_index_templates", "manage_ilm"],
                             "index": [{"names": ["logs-x-y"], "privileges": ["create_doc", "auto_configure"]}]})
        self.assertEqual(s, 200)
        self.assertEqual(body, {"username": "es-sim", "has_all_requested": False,
                                "cluster": {"manage_index_templates": True, "manage_ilm": False},
                                "index": {"logs-x-y": {"create_doc": False, "auto_configure": True}},
                                "application": {}})
        s, body = self.call(sim, "PUT", "/_ilm/policy/p", {"policy": {"phases": {"hot": {"actions": {}}}}})
        self.assertEqual((s, body["error"]["type"]), (403, "security_exception"))
        items = self.bulk(sim, ({"create": {"_index": "logs-x-y", "_id": "1"}}, {"@timestamp": "2024-05-01"}))
        self.assertEqual(items[0]["create"]["status"], 403)
        s, _ = self.call(sim, "POST", "/_sim/privileges", b"")
        items = self.bulk(sim, ({"create": {"_index": "logs-x-y", "_id": "1"}}, {"@timestamp": "2024-05-01"}))
        self.assertEqual(items[0]["create"]["status"], 201)

    def test_without_security_has_privileges_has_no_handler(self):
        # Elasticsearch 8 with xpack.security.enabled: false registers no _security handlers.
        plain = self.start("--no-security")
        for method in ("GET", "POST"):
            s, body = self.call(plain, method, "/_security/user/_has_privileges",
                                {"index": [{"names": ["logs-x-y"], "privileges": ["create_doc"]}]})
            self.assertEqual((s, body), (400, {"error": "no handler found for uri [/_security/user/_has_privileges] "
                                                        f"and method [{method}]", "status": 400}))
        s, _ = self.call(plain, "POST", "/_sim/privileges", b"create_doc")
        self.assertEqual(s, 409)
        items = self.bulk(plain, ({"create": {"_index": "logs-x-y", "_id": "1"}}, {"@timestamp": "2024-05-01"}))
        self.assertEqual(items[0]["create"]["status"], 201)
        for extra in (["--lack-privilege", "create_doc"], ["--api-key-file", "/dev/null"]):
            bad = subprocess.run([BINARY, "--no-security", *extra], capture_output=True, text=True, timeout=10)
            self.assertEqual(bad.returncode, 2, bad.stderr)
            self.assertIn("--no-security cannot be combined", bad.stderr)

    def test_ilm_policies_are_validated(self):
        sim = self.start()
        ok = {"policy": {"phases": {"hot": {"actions": {"rollover": {"max_age": "7d", "max_docs": 1000}}},
                                    "delete": {"min_age": "30d", "actions": {"delete": {}}}}}}
        self.assertEqual(self.call(sim, "PUT", "/_ilm/policy/scaleft", ok)[0], 200)
        _, got = self.call(sim, "GET", "/_ilm/policy/scaleft")
        self.assertEqual(got["scaleft"]["policy"]["phases"]["hot"]["actions"]["rollover"]["max_docs"], 1000)
        s, body = self.call(sim, "PUT", "/_ilm/policy/bad", {"policy": {"phases": {"lukewarm": {"actions": {}}}}})
        self.assertEqual(body["error"]["reason"], "Timeseries lifecycle does not support phase [lukewarm]")
        s, body = self.call(sim, "GET", "/_ilm/policy/none")
        self.assertEqual(s, 404)


if __name__ == "__main__":
    unittest.main()

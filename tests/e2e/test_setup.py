"""`scaleft-forwarder setup` against es-sim: objects created then up to date, refusals, fallbacks, and what the
sink then writes (pipeline, data_stream.*, event-time indices and the copies each mode keeps on replay)."""
import json
import os
import socket
import unittest
import urllib.parse

from harness import ForwarderTest, write_config

OBJECTS = ["ingest pipeline logs-scaleft.audit@pipeline", "lifecycle policy logs-scaleft.audit",
           "component template logs-scaleft.audit@package", "index template logs-scaleft.audit"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SetupTest(ForwarderTest):
    def configure(self, sim, es_url, target="data_stream: logs-scaleft.audit-default", extra=""):
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: elk\n    type: elasticsearch\n    url: {es_url}\n    {target}\n"
                     f"    request_timeout: 5s\n{extra}")

    def setup(self, *args):
        return self.run_forwarder_cmd("setup", "--config", self.config_path, *args)

    def outcomes(self, stdout):
        """{"<kind> <name>": outcome} from setup's `elk: <kind> <name>: <outcome>` lines."""
        out = {}
        for line in stdout.splitlines():
            parts = line.split(": ", 2)
            if len(parts) == 3 and parts[0] == "elk" and not parts[1].startswith(("warning", "Elasticsearch")):
                out[parts[1]] = parts[2]
        return out

    def es_json(self, es, path):
        return json.loads(es.get(path))

    def test_export_contacts_no_one_and_prints_the_shipped_objects(self):
        sim = self.start_scaleft_sim()
        self.configure(sim, f"http://127.0.0.1:{free_port()}")  # nothing listens there
        r = self.setup("--export")
        self.assertEqual(r.returncode, 0, r.stderr)
        objects = json.loads(r.stdout)
        self.assertEqual([f"{o['kind']} {o['name']}" for o in objects], OBJECTS)
        with open(os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "elasticsearch",
                               "setup-export.json")) as f:
            self.assertEqual(json.load(f), objects)
        self.assertEqual(json.loads(self.setup("--export", "--sink", "elk").stdout), objects)
        r = self.setup("--export", "--sink", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no elasticsearch sink named 'nope'", r.stderr)
        # Without --export the same configuration fails: the cluster cannot be reached.
        r = self.setup()
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach Elasticsearch", r.stderr)

    def test_setup_creates_then_is_idempotent_and_the_data_stream_uses_it(self):
        sim = self.start_scaleft_sim(events=500)
        es = self.start_es_sim()
        self.configure(sim, es.url, extra="    retention: 30d\n")
        first = self.setup()
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        self.assertEqual(self.outcomes(first.stdout), {o: "created" for o in OBJECTS}, first.stdout)
        second = self.setup()
        self.assertEqual(second.returncode, 0, second.stdout + second.stderr)
        self.assertEqual(self.outcomes(second.stdout), {o: "already up to date" for o in OBJECTS}, second.stdout)

        tmpl = self.es_json(es, "/_index_template/logs-scaleft.audit")["index_templates"][0]["index_template"]
        self.assertEqual(tmpl["priority"], 200)  # above the built-in logs (100), which stays
        self.assertEqual(tmpl["composed_of"][:2], ["logs@mappings", "logs@settings"])
        builtin = self.es_json(es, "/_index_template/logs")["index_templates"][0]["index_template"]
        self.assertEqual(builtin["priority"], 100)
        policy = self.es_json(es, "/_ilm/policy/logs-scaleft.audit")["logs-scaleft.audit"]["policy"]
        self.assertEqual(policy["phases"]["delete"]["min_age"], "30d")

        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        count = self.es_json(es, "/logs-scaleft.audit-default/_count")["count"]
        self.assertEqual(count, 500)
        mapping = self.es_json(es, "/logs-scaleft.audit-default/_mapping")
        props = list(mapping.values())[0]["mappings"]["properties"]
        self.assertEqual(props["scaleft"]["properties"]["details"]["type"], "flattened")
        self.assertEqual(props["event"]["properties"]["ingested"]["type"], "date")
        stream = "logs-scaleft.audit-default"
        doc_id = es.get(f"/_sim/ids?index={stream}").decode().split()[0]
        doc = json.loads(es.get(f"/_sim/doc?index={stream}&id={urllib.parse.quote(doc_id, safe='')}"))
        # The pipeline set event.ingested; the sink added data_stream.* from the stream's name.
        self.assertIn("ingested", doc["event"])
        self.assertEqual(doc["data_stream"], {"type": "logs", "dataset": "scaleft.audit", "namespace": "default"})

    def test_a_refused_object_is_reported_and_exits_non_zero(self):
        sim = self.start_scaleft_sim()
        es = self.start_es_sim("--lack-privilege", "manage_ilm")
        self.configure(sim, es.url)
        r = self.setup()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        out = self.outcomes(r.stdout)
        self.assertTrue(out["lifecycle policy logs-scaleft.audit"].startswith("refused: 403 security_exception"), out)
        self.assertEqual(out["ingest pipeline logs-scaleft.audit@pipeline"], "created")

    def test_a_7x_cluster_without_xpack_gets_the_fallbacks_and_no_lifecycle(self):
        sim = self.start_scaleft_sim()
        es = self.start_es_sim("--no-xpack", "--no-builtin-templates", "--version", "7.10.2")
        # 7.x has data streams only with x-pack: setup says so and what to use instead.
        self.configure(sim, es.url)
        r = self.setup()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("without x-pack has no data streams; use an index", r.stdout)
        self.configure(sim, es.url, target='index: "scaleft-audit-%{+yyyy.MM.dd}"', extra="    retention: 30d\n")
        r = self.setup()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("retention 30d is not applied", r.stdout)
        self.assertNotIn("lifecycle policy scaleft-audit", self.outcomes(r.stdout))
        tmpl = self.es_json(es, "/_index_template/scaleft-audit")["index_templates"][0]["index_template"]
        self.assertEqual(tmpl["composed_of"], ["scaleft-audit@package"])
        comp = self.es_json(es, "/_component_template/scaleft-audit@package")
        details = comp["component_templates"][0]["component_template"]["template"]["mappings"]["properties"][
            "scaleft"]["properties"]["details"]
        self.assertEqual(details.get("enabled"), False)
        again = self.setup()
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertTrue(all(v == "already up to date" for v in self.outcomes(again.stdout).values()), again.stdout)

    def test_event_time_index_keeps_one_copy_across_replays(self):
        sim = self.start_scaleft_sim(events=300)
        es = self.start_es_sim()
        self.configure(sim, es.url, target='index: "scaleft-audit-%{+yyyy.MM.dd}"')
        self.assertEqual(self.setup().returncode, 0)
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        count = self.es_json(es, "/scaleft-audit-*/_count")["count"]
        self.assertEqual(count, 300)
        # A lost state_dir: everything is sent again, and every item meets its first copy (409).
        os.remove(os.path.join(self.state_dir, "checkpoint.json"))
        again = self.start_forwarder("--once", name="replay")
        self.assertEqual(again.wait(120), 0, again.output()[-3000:])
        self.assertEqual(self.es_json(es, "/scaleft-audit-*/_count")["count"], 300)

    def test_after_setup_the_field_count_stays_bounded_and_nothing_is_refused(self):
        sim = self.start_scaleft_sim(events=20000)
        es = self.start_es_sim()
        self.configure(sim, es.url)
        self.assertEqual(self.setup().returncode, 0)
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(300), 0, fwd.output()[-3000:])
        self.assertEqual(self.es_json(es, "/logs-scaleft.audit-default/_count")["count"], 20000)
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, "dead-letter", "elk.ndjson")))
        indices = self.es_json(es, "/_sim/state")["indices"]
        self.assertEqual(len(indices), 1, indices)
        index = list(indices.values())[0]
        # Ids and names of related objects are values under dynamic:false / flattened, never field names.
        self.assertLess(index["fields"], 200, index)
        self.assertEqual(index["fields_ignored_beyond_limit"], 0, index)
        self.assertFalse(index["mapping_refusals"], index)
        print(f"\n20000 events into the data stream after setup: {index['fields']} fields "
              f"(limit {index['fields_limit']})")

    def test_data_stream_keeps_one_copy_per_backing_index(self):
        sim = self.start_scaleft_sim(events=300)
        es = self.start_es_sim()
        self.configure(sim, es.url)
        self.assertEqual(self.setup().returncode, 0)
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        os.remove(os.path.join(self.state_dir, "checkpoint.json"))
        # A replay into the same backing index: every item is a 409, nothing new.
        again = self.start_forwarder("--once", name="replay")
        self.assertEqual(again.wait(120), 0, again.output()[-3000:])
        self.assertEqual(self.es_json(es, "/logs-scaleft.audit-default/_count")["count"], 300)
        # After a rollover the write index is new and empty: the same replay stores a second copy of each.
        es.post("/logs-scaleft.audit-default/_rollover")
        os.remove(os.path.join(self.state_dir, "checkpoint.json"))
        third = self.start_forwarder("--once", name="after-rollover")
        self.assertEqual(third.wait(120), 0, third.output()[-3000:])
        self.assertEqual(self.es_json(es, "/logs-scaleft.audit-default/_count")["count"], 600)


if __name__ == "__main__":
    unittest.main()

"""`scaleft-forwarder test-connection` against real processes: scaleft-sim and es-sim over TLS (a CA made with
openssl), a file sink, and each way a step fails (key, privileges, port, CA, directory), as text and --json."""
import base64
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import unittest
import urllib.request

from harness import ES_SIM, ForwarderTest, RealElasticsearch, Sim, write_config
from pki import Pki

API_KEY = "shipper-key-id:shipper-key-secret-9f8e7d"  # es-sim's "id:key"
STREAM = "logs-scaleft.audit-default"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(sim, ca_file, method, path, body=None):
    """A request to a simulator serving https with a certificate from `ca_file`'s CA; the body of the answer."""
    req = urllib.request.Request(sim.url + path, data=body, method=method)
    with urllib.request.urlopen(req, timeout=30, context=ssl.create_default_context(cafile=ca_file)) as r:
        return r.read()


class TestConnection(ForwarderTest):
    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="sf-tc-pki-")
        cls.pki = Pki(cls.pki_dir, name="test-connection", server_subject="/O=test-connection/CN=127.0.0.1",
                      server_days=30)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        self.tls = ["--tls-cert", self.pki.path("server.pem"), "--tls-key", self.pki.path("server.key")]
        self.out_dir = os.path.join(self.tmp, "out")
        os.makedirs(self.out_dir)

    def tearDown(self):
        if os.path.isdir(self.out_dir):
            subprocess.run(["chattr", "-i", self.out_dir], capture_output=True)
            os.chmod(self.out_dir, 0o755)
        super().tearDown()

    def start_es(self, *args):
        key_file = os.path.join(self.tmp, "es-api-key")
        with open(key_file, "w") as f:
            f.write(API_KEY)
        es = Sim(ES_SIM, [*self.tls, "--api-key-file", key_file, *args], self.tmp, "es-sim")
        self.processes.append(es)
        return es

    def configure(self, sim, es_url, source_ca=None, api_key=API_KEY, file_path=None, es_extra=""):
        encoded = base64.b64encode(api_key.encode()).decode()
        key_file = os.path.join(self.tmp, "elk-api-key")
        with open(key_file, "w") as f:
            f.write(encoded)
        os.chmod(key_file, 0o600)
        sinks = (f"  - name: elk\n    type: elasticsearch\n    url: {es_url}\n    data_stream: {STREAM}\n"
                 f"    api_key_file: {key_file}\n    ca_file: {self.pki.path('ca.pem')}\n"
                 f"    request_timeout: 3s\n{es_extra}"
                 f"  - name: archive\n    type: file\n    path: {file_path or os.path.join(self.out_dir, 'audit.ndjson')}\n")
        write_config(self.config_path, sim, self.state_dir, sinks,
                     extra_source=f"  ca_file: {source_ca or self.pki.path('ca.pem')}\n")

    def edit_config(self, old, new):
        with open(self.config_path) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(self.config_path, "w") as f:
            f.write(text.replace(old, new))

    def check(self, *args):
        return self.run_forwarder_cmd("test-connection", "--config", self.config_path, *args)

    def lines(self, stdout):
        """{(target, step): (status, rest)} from the aligned lines (the last line is the summary)."""
        out = {}
        for line in stdout.splitlines()[:-1]:
            target, rest = line.split(None, 1)
            for step in ("audit page", "free space"):
                if rest.startswith(step):
                    name, rest = step, rest[len(step):].strip()
                    break
            else:
                name, rest = rest.split(None, 1)
            status, _, detail = rest.strip().partition(" ")
            out[(target, name)] = (status, detail.strip())
        return out

    def lack(self, es, privileges):
        call(es, self.pki.path("ca.pem"), "POST", "/_sim/privileges", privileges)

    def start_all(self, events=25):
        sim = self.start_scaleft_sim(events=events, extra=self.tls)
        es = self.start_es()
        return sim, es

    def test_every_step_passes(self):
        sim, es = self.start_all()
        self.configure(sim, es.url)
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        got = self.lines(r.stdout)
        expected = [("source", s) for s in ("dns", "tcp", "proxy", "tls", "auth", "audit page")] + \
                   [("elk", s) for s in ("dns", "tcp", "proxy", "tls", "auth", "version", "privileges")] + \
                   [("archive", s) for s in ("directory", "write", "free space")]
        self.assertEqual(list(got), expected, r.stdout)
        for key, (status, detail) in got.items():
            if key[1] == "proxy":
                self.assertEqual((status, detail), ("skipped", "not configured"))
            else:
                self.assertEqual(status, "ok", f"{key}: {detail}")
        self.assertRegex(got[("source", "tls")][1],
                         r"^TLSv1\.[23], CN=127\.0\.0\.1,O=test-connection, expires \d{4}-\d\d-\d\d \((29|30) days\)$")
        self.assertIn("newest event 20", got[("source", "audit page")][1])
        self.assertIn(f"for key {sim.key_id()} (source.key_id)", got[("source", "auth")][1])
        self.assertEqual(got[("elk", "version")][1], "Elasticsearch 8.15.0")
        self.assertEqual(got[("elk", "privileges")][1],
                         f"user es-sim holds create_doc on {STREAM}, auto_configure on {STREAM}")
        self.assertIn("free of", got[("archive", "free space")][1])
        self.assertTrue(r.stdout.endswith("all 16 checks passed\n"), r.stdout)
        self.assertEqual(os.listdir(self.out_dir), [], "the probe file is removed and nothing else is written")
        self.assertEqual(json.loads(call(es, self.pki.path("ca.pem"), "GET", "/_sim/state"))["documents"], {}, "nothing is written to Elasticsearch")

    def test_no_events_and_template_true_asks_for_setups_privileges(self):
        sim, es = self.start_all(events=0)
        self.lack(es, b"manage_ilm")
        self.configure(sim, es.url, es_extra="    template: true\n")
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        got = self.lines(r.stdout)
        self.assertEqual(got[("source", "audit page")], ("ok", "no events"))
        status, detail = got[("elk", "privileges")]
        self.assertEqual(status, "failed")
        self.assertTrue(detail.startswith("user es-sim lacks cluster manage_ilm; hint: grant the key's role "
                                          "cluster manage_ilm"), detail)

    def test_a_wrong_source_secret_fails_authentication_and_is_never_printed(self):
        sim, es = self.start_all()
        self.configure(sim, es.url)
        with open(sim.key_secret_file()) as f:
            real = f.read().strip()
        wrong = os.path.join(self.tmp, "wrong-secret")
        with open(wrong, "w") as f:
            f.write("not-the-secret-0a1b2c3d")
        os.chmod(wrong, 0o600)
        self.edit_config(sim.key_secret_file(), wrong)
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        got = self.lines(r.stdout)
        self.assertEqual(got[("source", "tls")][0], "ok")
        status, detail = got[("source", "auth")]
        self.assertEqual(status, "failed")
        self.assertIn("HTTP 401", detail)
        self.assertIn("hint: check source.key_id and source.key_secret", detail)
        self.assertEqual(got[("source", "audit page")], ("skipped", "not reached"))
        self.assertEqual(got[("elk", "privileges")][0], "ok", "the sinks are still checked")
        for secret in ("not-the-secret-0a1b2c3d", real, "shipper-key-secret-9f8e7d"):
            self.assertNotIn(secret, r.stdout + r.stderr)

    def test_a_wrong_elasticsearch_api_key_fails_authentication(self):
        sim, es = self.start_all()
        self.configure(sim, es.url, api_key="shipper-key-id:wrong")
        r = self.check()
        self.assertEqual(r.returncode, 1)
        got = self.lines(r.stdout)
        self.assertEqual(got[("elk", "auth")][0], "failed")
        self.assertIn("Elasticsearch refuses the api_key credentials (401)", got[("elk", "auth")][1])
        self.assertIn("hint: check sinks[elk].api_key", got[("elk", "auth")][1])
        self.assertEqual(got[("elk", "version")], ("skipped", "not reached"))

    def test_a_missing_create_doc_is_named(self):
        sim, es = self.start_all()
        self.lack(es, b"create_doc")
        self.configure(sim, es.url)
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout)
        status, detail = self.lines(r.stdout)[("elk", "privileges")]
        self.assertEqual(status, "failed")
        self.assertTrue(detail.startswith(f"user es-sim lacks create_doc on {STREAM}; hint: grant the key's role "
                                          f"create_doc on {STREAM}"), detail)
        self.assertIn("1 of 16 checks failed: elk privileges", r.stdout)

    def test_an_unreachable_port_fails_tcp(self):
        sim = self.start_scaleft_sim(events=3, extra=self.tls)
        self.configure(sim, f"https://127.0.0.1:{free_port()}")
        r = self.check()
        self.assertEqual(r.returncode, 1)
        got = self.lines(r.stdout)
        self.assertEqual(got[("elk", "dns")][0], "ok")
        status, detail = got[("elk", "tcp")]
        self.assertEqual(status, "failed")
        self.assertIn("Connection refused; hint: nothing listens there: check the host and port in sinks[elk].url",
                      detail)
        for step in ("tls", "auth", "version", "privileges"):
            self.assertEqual(got[("elk", step)], ("skipped", "not reached"))

    def test_a_wrong_ca_fails_tls_and_names_the_certificate(self):
        sim, es = self.start_all()
        self.configure(sim, es.url, source_ca=self.pki.path("other-ca.pem"))
        r = self.check()
        self.assertEqual(r.returncode, 1)
        got = self.lines(r.stdout)
        status, detail = got[("source", "tls")]
        self.assertEqual(status, "failed")
        self.assertIn("certificate", detail)
        self.assertIn("the server presented CN=127.0.0.1,O=test-connection, issued by CN=test-connection ca", detail)
        self.assertIn("hint: set source.ca_file to the CA that signed the server's certificate", detail)
        self.assertEqual(got[("source", "auth")], ("skipped", "not reached"))
        self.assertEqual(got[("elk", "tls")][0], "ok")

    def test_an_unwritable_directory_fails_the_file_sink(self):
        sim, es = self.start_all()
        locked = self.out_dir
        if os.geteuid() != 0:
            os.chmod(locked, 0o555)
        elif subprocess.run(["chattr", "+i", locked], capture_output=True).returncode != 0:
            locked = "/sys"  # sysfs takes no new files, even from root
        self.configure(sim, es.url, file_path=os.path.join(locked, "audit.ndjson"))
        r = self.check()
        self.assertEqual(r.returncode, 1, r.stdout)
        got = self.lines(r.stdout)
        self.assertEqual(got[("archive", "directory")], ("ok", f"{locked} exists"))
        status, detail = got[("archive", "write")]
        self.assertEqual(status, "failed")
        self.assertIn(f"cannot create a file in {locked}", detail)
        self.assertIn("hint: make", detail)
        # A path under a regular file is no directory at all.
        self.configure(sim, es.url, file_path=os.path.join(self.config_path, "audit.ndjson"))
        got = self.lines(self.check().stdout)
        self.assertEqual(got[("archive", "directory")][0], "failed")
        self.assertIn("is not a directory", got[("archive", "directory")][1])

    def test_the_key_on_record_is_the_one_tested(self):
        # After a rotation run uses state_dir/credentials.json, not source.key_id: so does test-connection.
        sim, es = self.start_all()
        self.configure(sim, es.url)
        with open(sim.key_secret_file()) as f:
            secret = f.read().strip()
        os.makedirs(self.state_dir)
        creds = os.path.join(self.state_dir, "credentials.json")
        with open(creds, "w") as f:
            json.dump({"version": 1, "current": {"id": sim.key_id(), "secret": secret}}, f)
        os.chmod(creds, 0o600)
        self.edit_config(f"key_id: {sim.key_id()}", "key_id: a-key-rotated-away")
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"for key {sim.key_id()} (credentials.json in {self.state_dir})",
                      self.lines(r.stdout)[("source", "auth")][1])
        os.remove(creds)
        got = self.lines(self.check().stdout)
        self.assertEqual(got[("source", "auth")][0], "failed")
        self.assertIn("key a-key-rotated-away (source.key_id)", got[("source", "auth")][1])

    def test_each_url_of_a_sink_is_checked(self):
        sim, es = self.start_all()
        self.configure(sim, es.url)
        self.edit_config(f"    url: {es.url}\n",
                                    f"    urls: [{es.url}, 'https://127.0.0.1:{free_port()}']\n")
        r = self.check("--json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        targets = {t["name"]: t for t in json.loads(r.stdout)["targets"]}
        self.assertEqual(list(targets), ["source", "elk[1]", "elk[2]", "archive"])
        self.assertTrue(targets["elk[1]"]["ok"])
        self.assertEqual(targets["elk[1]"]["endpoint"], es.url)
        self.assertEqual([s["status"] for s in targets["elk[2]"]["steps"] if s["step"] == "tcp"], ["failed"])

    def test_json_is_one_object_per_target(self):
        sim, es = self.start_all()
        self.lack(es, b"create_doc")
        self.configure(sim, es.url)
        r = self.check("--json")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertFalse(doc["ok"])
        self.assertEqual([(t["name"], t["kind"], t["ok"]) for t in doc["targets"]],
                         [("source", "scaleft", True), ("elk", "elasticsearch", False), ("archive", "file", True)])
        self.assertEqual(doc["targets"][1]["endpoint"], es.url)
        steps = {s["step"]: s for s in doc["targets"][1]["steps"]}
        self.assertEqual(list(steps), ["dns", "tcp", "proxy", "tls", "auth", "version", "privileges"])
        self.assertEqual(steps["privileges"]["status"], "failed")
        self.assertEqual(steps["privileges"]["detail"], f"user es-sim lacks create_doc on {STREAM}")
        self.assertEqual(steps["proxy"], {"step": "proxy", "status": "skipped", "detail": "not configured", "hint": ""})

    def test_a_cluster_without_security_skips_privileges(self):
        sim = self.start_scaleft_sim(events=3, extra=self.tls)
        es = Sim(ES_SIM, [*self.tls, "--no-security"], self.tmp, "es-sim")
        self.processes.append(es)
        self.configure(sim, es.url)
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.lines(r.stdout)[("elk", "privileges")], ("skipped", "security not enabled"))

    def test_a_bad_configuration_exits_2(self):
        with open(self.config_path, "w") as f:
            f.write("source:\n  url: https://x\nsinks: []\nnonsense: 1\n")
        r = self.check()
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")


class RealNode(ForwarderTest):
    """The real Elasticsearch 7.10.2 node (open source, no security) of the ctest fixture es_node."""

    def test_a_node_without_security_skips_privileges_and_nothing_is_written(self):
        node = RealElasticsearch()
        node.reset()
        sim = self.start_scaleft_sim(events=3)
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: node\n    type: elasticsearch\n    url: {node.url}\n    index: scaleft-tc-probe\n")
        r = self.run_forwarder_cmd("test-connection", "--config", self.config_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        lines = {tuple(line.split(None, 2)[:2]): line.split(None, 3)[2:] for line in r.stdout.splitlines()[:-1]}
        self.assertEqual(lines[("node", "tls")], ["skipped", "plain http"])
        self.assertEqual(lines[("node", "auth")][0], "ok")
        self.assertEqual(lines[("node", "version")], ["ok", "Elasticsearch 7.10.2"])
        self.assertEqual(lines[("node", "privileges")], ["skipped", "security not enabled"])
        self.assertEqual(node.request("HEAD", "/scaleft-tc-probe")[0], 404, "test-connection created the index")


if __name__ == "__main__":
    unittest.main()

"""Deployment files: the index template maps every field of the golden documents with a compatible type.
(systemd units: test_systemd.py; container: test_container.py; Kubernetes: test_kubernetes.py.)"""
import glob
import ipaddress
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEPLOY = os.path.join(ROOT, "deploy")
FORWARDER = os.environ.get("SF_FORWARDER", "")


def credentials_env(test):
    """The environment of a process started by systemd: placeholder secret files in ${CREDENTIALS_DIRECTORY}."""
    cred = tempfile.mkdtemp()
    test.addCleanup(shutil.rmtree, cred)
    for name in ("sft-key-secret", "es-api-key"):
        with open(os.path.join(cred, name), "w") as f:
            f.write("placeholder\n")
    return dict(os.environ, CREDENTIALS_DIRECTORY=cred, SFT_KEY_ID="placeholder-key-id")


# Elasticsearch types a JSON value may be stored in.
COMPATIBLE = {
    str: {"keyword", "text", "match_only_text", "date", "ip", "flattened", "constant_keyword", "wildcard"},
    bool: {"boolean", "keyword", "flattened"},
    int: {"long", "integer", "double", "keyword", "flattened"},
    float: {"double", "float", "keyword", "flattened"},
}


class IndexTemplate(unittest.TestCase):
    export_file = os.path.join(DEPLOY, "elasticsearch", "setup-export.json")

    def exported(self):
        with open(self.export_file) as f:
            return json.load(f)

    @unittest.skipUnless(FORWARDER, "needs SF_FORWARDER")
    def test_the_shipped_file_is_what_setup_export_prints(self):
        config, env = os.path.join(ROOT, "config", "forwarder.example.yaml"), credentials_env(self)
        r = subprocess.run([FORWARDER, "setup", "--export", "--config", config], capture_output=True, text=True,
                           timeout=30, env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.export_file) as f:
            self.assertEqual(r.stdout, f.read(), "regenerate deploy/elasticsearch/setup-export.json")
        # Nothing but the objects: no request is made (the configured URL does not even resolve).
        kinds = [o["kind"] for o in json.loads(r.stdout)]
        self.assertEqual(kinds, ["ingest pipeline", "lifecycle policy", "component template", "index template"])

    def test_every_golden_field_is_mapped_compatibly(self):
        objects = self.exported()
        mappings = [o for o in objects if o["kind"] == "component template"][0]["body"]["template"]["mappings"]
        goldens = glob.glob(os.path.join(ROOT, "tests", "audit", "golden", "*.ndjson"))
        self.assertTrue(goldens)
        checked = set()

        def walk(value, mapping, path):
            if mapping.get("type") == "flattened" or mapping.get("enabled") is False:
                checked.add(path)
                return  # any shape: that is what flattened is for
            if isinstance(value, dict):
                self.assertIn("properties", mapping, f"{path} is an object but mapped as {mapping}")
                for k, v in value.items():
                    if k not in mapping["properties"] and str(mapping.get("dynamic")).lower() == "false":
                        checked.add(path)
                        continue  # kept in _source, adds no mapping
                    self.assertIn(k, mapping["properties"], f"{path}.{k} is not mapped")
                    walk(v, mapping["properties"][k], f"{path}.{k}".lstrip("."))
            elif isinstance(value, list):
                for v in value:
                    walk(v, mapping, path)
            elif value is not None:
                self.assertIn(mapping.get("type"), COMPATIBLE[type(value)], f"{path}: {value!r} vs {mapping}")
                if mapping["type"] == "ip":
                    ipaddress.ip_address(value)
                checked.add(path)

        for g in goldens:
            with open(g) as f:
                for line in f:
                    if line.strip():
                        walk(json.loads(line), mappings, "")
        for must in ("@timestamp", "event.id", "user.name", "scaleft.details"):
            self.assertIn(must, checked)


if __name__ == "__main__":
    unittest.main()

"""Deployment files: the systemd unit verifies, the index template maps every field of the golden documents with a
compatible type. (Kubernetes: test_kubernetes.py.)"""
import glob
import ipaddress
import json
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DEPLOY = os.path.join(ROOT, "deploy")
FORWARDER = os.environ.get("SF_FORWARDER", "")


def unit_settings(path):
    settings = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")) and "=" in line:
                key, value = line.split("=", 1)
                settings.setdefault(key, []).append(value)
    return settings


class SystemdUnit(unittest.TestCase):
    unit = os.path.join(DEPLOY, "systemd", "scaleft-forwarder.service")

    def test_hardening_and_notify(self):
        s = unit_settings(self.unit)
        self.assertEqual(s["Type"], ["notify"])
        self.assertTrue(s.get("DynamicUser") == ["yes"] or "User" in s)
        self.assertIn("StateDirectory", s)
        self.assertEqual(s["ProtectSystem"], ["strict"])
        self.assertEqual(s["NoNewPrivileges"], ["yes"])
        self.assertEqual(s["CapabilityBoundingSet"], [""])
        self.assertIn("RestrictAddressFamilies", s)
        self.assertIn("@system-service", s["SystemCallFilter"])
        self.assertIn("MemoryMax", s)
        self.assertIn("WatchdogSec", s)
        self.assertTrue(all(":" in c for c in s["LoadCredential"]))
        # Secrets through credentials, never on the command line.
        self.assertNotRegex(s["ExecStart"][0], r"secret|password|api_key")

    def test_example_config_reads_secrets_from_the_credentials_directory(self):
        cred = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, cred)
        for name in ("sft-key-secret", "es-api-key"):
            with open(os.path.join(cred, name), "w") as f:
                f.write("placeholder\n")
        env = dict(os.environ, CREDENTIALS_DIRECTORY=cred)
        r = subprocess.run([FORWARDER, "check-config", "--config", os.path.join(DEPLOY, "systemd", "forwarder.yaml")],
                           capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("placeholder", r.stdout)
        # Without the directory (not started by systemd) the secret file is missing: a clear error.
        env.pop("CREDENTIALS_DIRECTORY")
        r = subprocess.run([FORWARDER, "check-config", "--config", os.path.join(DEPLOY, "systemd", "forwarder.yaml")],
                           capture_output=True, text=True, env=env, timeout=30)
        self.assertNotEqual(r.returncode, 0)

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
    def test_systemd_analyze_verify(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        # verify checks that ExecStart's binary exists: point it at the one just built.
        with open(self.unit) as f:
            text = f.read().replace("/usr/local/bin/scaleft-forwarder", os.path.abspath(FORWARDER))
        path = os.path.join(tmp, "scaleft-forwarder.service")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", path], capture_output=True, text=True,
                           timeout=60)
        # Lines about other units on this machine are not ours; any line naming our unit is a finding.
        ours = [line for line in (r.stdout + r.stderr).splitlines() if "scaleft-forwarder" in line]
        self.assertEqual(ours, [], r.stdout + r.stderr)


# Elasticsearch types a JSON value may be stored in.
COMPATIBLE = {
    str: {"keyword", "text", "date", "ip", "flattened", "constant_keyword", "wildcard"},
    bool: {"boolean", "keyword", "flattened"},
    int: {"long", "integer", "double", "keyword", "flattened"},
    float: {"double", "float", "keyword", "flattened"},
}


class IndexTemplate(unittest.TestCase):
    def test_every_golden_field_is_mapped_compatibly(self):
        with open(os.path.join(DEPLOY, "elasticsearch", "index-template.json")) as f:
            mappings = json.load(f)["template"]["mappings"]
        goldens = glob.glob(os.path.join(ROOT, "tests", "audit", "golden", "*.ndjson"))
        self.assertTrue(goldens)
        checked = set()

        def walk(value, mapping, path):
            if mapping.get("type") == "flattened":
                checked.add(path)
                return  # any shape: that is what flattened is for
            if isinstance(value, dict):
                self.assertIn("properties", mapping, f"{path} is an object but mapped as {mapping}")
                for k, v in value.items():
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
        for must in ("@timestamp", "event.id", "user.name", "scaleft"):
            self.assertIn(must, checked)


if __name__ == "__main__":
    unittest.main()

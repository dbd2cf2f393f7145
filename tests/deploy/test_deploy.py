"""Deployment files: the systemd unit verifies, the Kubernetes configuration passes check-config and its probes
match it, the index template maps every field of the golden documents with a compatible type."""
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


def duration_seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", text)
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def unit_settings(path):
    settings = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith(("#", "[")) and "=" in line:
                key, value = line.split("=", 1)
                settings.setdefault(key, []).append(value)
    return settings


def credentials_env(test):
    """The environment of a process started by systemd: placeholder secret files in ${CREDENTIALS_DIRECTORY}."""
    cred = tempfile.mkdtemp()
    test.addCleanup(shutil.rmtree, cred)
    for name in ("sft-key-secret", "es-api-key"):
        with open(os.path.join(cred, name), "w") as f:
            f.write("placeholder\n")
    return dict(os.environ, CREDENTIALS_DIRECTORY=cred, SFT_KEY_ID="placeholder-key-id")


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
        env = credentials_env(self)
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


class Kubernetes(unittest.TestCase):
    def docs(self, overlay):
        out = []
        for d in (os.path.join(DEPLOY, "kubernetes", "base"), os.path.join(DEPLOY, "kubernetes", overlay)):
            with open(os.path.join(d, "kustomization.yaml")) as f:
                k = yaml.safe_load(f)
            for r in k["resources"]:
                p = os.path.join(d, r)
                if os.path.isfile(p):
                    with open(p) as f:
                        out.extend(doc for doc in yaml.safe_load_all(f) if doc)
        return out

    def check_overlay(self, overlay):
        docs = self.docs(overlay)
        kinds = {d["kind"]: d for d in docs}
        config_text = kinds["ConfigMap"]["data"]["forwarder.yaml"]
        config = yaml.safe_load(config_text)
        deployment = kinds["Deployment"]
        spec = deployment["spec"]
        self.assertEqual(spec["replicas"], 1)
        self.assertEqual(spec["strategy"]["type"], "Recreate")
        pod = spec["template"]["spec"]
        fwd = [c for c in pod["containers"] if c["name"] == "scaleft-forwarder"][0]
        # Probes: the port the configuration listens on, the paths the daemon serves.
        listen_port = int(config["http"]["listen"].rsplit(":", 1)[1])
        host = config["http"]["listen"].rsplit(":", 1)[0]
        self.assertFalse(ipaddress.ip_address(host).is_loopback, "the kubelet probes the pod IP, not loopback")
        ports = {p["name"]: p["containerPort"] for p in fwd["ports"]}
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = fwd[probe]["httpGet"]
            self.assertEqual(get["path"], path)
            port = ports[get["port"]] if isinstance(get["port"], str) else get["port"]
            self.assertEqual(port, listen_port)
        # Shutdown: the pod is given more than the forwarder's grace.
        self.assertGreater(pod["terminationGracePeriodSeconds"], duration_seconds(config["shutdown_grace"]))
        sc = fwd["securityContext"]
        self.assertTrue(sc["runAsNonRoot"])
        self.assertTrue(sc["readOnlyRootFilesystem"])
        self.assertFalse(sc["allowPrivilegeEscalation"])
        self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
        self.assertIn("limits", fwd["resources"])
        # state_dir is the PersistentVolumeClaim; secrets come from the Secret's keys.
        mounts = {m["mountPath"]: m["name"] for m in fwd["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        self.assertIn("persistentVolumeClaim", volumes[mounts[config["state_dir"]]])
        self.assertEqual(volumes[mounts[config["state_dir"]]]["persistentVolumeClaim"]["claimName"],
                         kinds["PersistentVolumeClaim"]["metadata"]["name"])
        secret_dir = [p for p, n in mounts.items() if "secret" in volumes[n]][0]
        secret_keys = set(kinds["Secret"]["stringData"])
        # check-config on the configuration, with the secret files where the pod would see them.
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        for key in secret_keys:
            with open(os.path.join(tmp, key), "w") as f:
                f.write("placeholder-secret\n")
        referenced = re.findall(re.escape(secret_dir) + r"/([\w.-]+)", config_text)
        self.assertTrue(referenced)
        self.assertTrue(set(referenced) <= secret_keys, referenced)
        path = os.path.join(tmp, "forwarder.yaml")
        with open(path, "w") as f:
            f.write(config_text.replace(secret_dir, tmp))
        r = subprocess.run([FORWARDER, "check-config", "--config", path], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_standalone(self):
        self.check_overlay("standalone")

    def test_sidecar(self):
        docs = self.docs("sidecar")
        pod = [d for d in docs if d["kind"] == "Deployment"][0]["spec"]["template"]["spec"]
        self.assertGreaterEqual(len(pod["containers"]), 2)  # beside another workload
        self.check_overlay("sidecar")


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

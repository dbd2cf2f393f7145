"""Kubernetes: every overlay rendered by the real `kubectl kustomize`, then its properties checked (probes,
securityContext, ReadWriteOncePod, a config hash that changes with the config, the scrape path, secrets only
from local files) and its configuration run through `scaleft-forwarder check-config` with the environment
and files the pod would have."""
import base64
import ipaddress
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
K8S = os.path.join(ROOT, "deploy", "kubernetes")
HOOKS = os.path.join(ROOT, "deploy", "hooks")
FORWARDER = os.environ.get("SF_FORWARDER", "")
KUBECTL = shutil.which("kubectl")
OVERLAYS = sorted(d for d in os.listdir(os.path.join(K8S, "overlays"))
                  if os.path.isfile(os.path.join(K8S, "overlays", d, "kustomization.yaml")))
SECRET_FILES = ("key_id", "key_secret", "es_api_key")
OTEL_PROMETHEUS_PORT = 9464  # the OpenTelemetry Prometheus exporter's default: not ours


def duration_seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", text)
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


class Tree:
    """A copy of deploy/kubernetes with the local secret files an operator would create."""

    def __init__(self, test):
        self.dir = tempfile.mkdtemp(prefix="sf-k8s-")
        test.addCleanup(shutil.rmtree, self.dir)
        shutil.copytree(K8S, os.path.join(self.dir, "kubernetes"))
        self.root = os.path.join(self.dir, "kubernetes")

    def add_secrets(self, overlay):
        values = {}
        for name in SECRET_FILES:
            values[name] = f"{overlay}-{name}-value"
            with open(os.path.join(self.root, "overlays", overlay, "secrets", name), "w") as f:
                f.write(values[name])
        return values

    def render(self, path):
        r = subprocess.run([KUBECTL, "kustomize", os.path.join(self.root, path)], capture_output=True, text=True,
                           timeout=120)
        return r, [d for d in yaml.safe_load_all(r.stdout) if d] if r.returncode == 0 else []


def of_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def forwarder_container(pod):
    return [c for c in pod["containers"] if c["name"] == "scaleft-forwarder"][0]


@unittest.skipUnless(KUBECTL, "kubectl (with kustomize) is not installed")
class Overlays(unittest.TestCase):
    def rendered(self, overlay):
        tree = Tree(self)
        values = tree.add_secrets(overlay)
        r, docs = tree.render(os.path.join("overlays", overlay))
        self.assertEqual(r.returncode, 0, r.stderr)
        return tree, values, docs

    def test_every_overlay(self):
        self.assertGreaterEqual(len(OVERLAYS), 4, OVERLAYS)  # standalone, sidecar, two teams
        for overlay in OVERLAYS:
            with self.subTest(overlay=overlay):
                self.check_overlay(overlay)

    def check_overlay(self, overlay):
        tree, values, docs = self.rendered(overlay)
        deployment = of_kind(docs, "Deployment")[0]
        spec = deployment["spec"]
        self.assertEqual(spec["replicas"], 1)
        self.assertEqual(spec["strategy"]["type"], "Recreate")
        pod_meta, pod = spec["template"]["metadata"], spec["template"]["spec"]
        fwd = forwarder_container(pod)
        config_name = [v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v][0]
        config_map = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"] == config_name][0]
        config_text = config_map["data"]["forwarder.yaml"]
        config = yaml.safe_load(config_text)

        # Probes on the port the configuration listens on, the paths the daemon serves.
        host, listen_port = config["http"]["listen"].rsplit(":", 1)
        listen_port = int(listen_port)
        self.assertNotEqual(listen_port, OTEL_PROMETHEUS_PORT)
        self.assertFalse(ipaddress.ip_address(host).is_loopback, "the kubelet probes the pod IP, not loopback")
        ports = {p["name"]: p["containerPort"] for p in fwd["ports"]}
        self.assertEqual(ports["metrics"], listen_port)
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
            get = fwd[probe]["httpGet"]
            self.assertEqual(get["path"], path, probe)
            self.assertEqual(ports[get["port"]] if isinstance(get["port"], str) else get["port"], listen_port)
        self.assertGreater(pod["terminationGracePeriodSeconds"], duration_seconds(config["shutdown_grace"]))

        # securityContext: every container, not only ours (a sidecar's neighbour shares the pod).
        self.assertTrue(pod["securityContext"]["runAsNonRoot"])
        self.assertEqual(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault")
        for c in pod["containers"]:
            sc = c["securityContext"]
            self.assertTrue(sc["runAsNonRoot"], c["name"])
            self.assertFalse(sc["allowPrivilegeEscalation"], c["name"])
            self.assertEqual(sc["capabilities"]["drop"], ["ALL"], c["name"])
            self.assertEqual(sc["seccompProfile"]["type"], "RuntimeDefault", c["name"])
        self.assertTrue(fwd["securityContext"]["readOnlyRootFilesystem"])
        self.assertFalse(pod.get("automountServiceAccountToken", True), "no API token in every container")
        self.assertIn("limits", fwd["resources"])

        # state_dir is a ReadWriteOncePod claim: one writer, even on one node.
        mounts = {m["mountPath"]: m["name"] for m in fwd["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        claim = volumes[mounts[config["state_dir"]]]["persistentVolumeClaim"]["claimName"]
        pvc = [p for p in of_kind(docs, "PersistentVolumeClaim") if p["metadata"]["name"] == claim][0]
        self.assertEqual(pvc["spec"]["accessModes"], ["ReadWriteOncePod"])

        # Generated names (hash suffix) for the configuration and the secrets: edits roll the pod.
        for name in (config_name, volumes[mounts["/etc/scaleft-forwarder/secrets"]]["secret"]["secretName"]):
            self.assertRegex(name, r"-[a-z0-9]{10}$")

        # Secrets: only the generated one, holding exactly the operator's local files.
        secrets = of_kind(docs, "Secret")
        self.assertEqual(len(secrets), 1, [s["metadata"]["name"] for s in secrets])
        data = {k: base64.b64decode(v).decode() for k, v in secrets[0]["data"].items()}
        self.assertEqual(data, values)
        self.assertNotIn("stringData", secrets[0])

        # The scrape path: a Service selecting this pod, annotated with the metrics port and path.
        labels = pod_meta["labels"]
        services = [s for s in of_kind(docs, "Service")
                    if s["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true"]
        self.assertEqual(len(services), 1)
        svc = services[0]
        self.assertTrue(set(svc["spec"]["selector"].items()) <= set(labels.items()), (svc["spec"], labels))
        ann = svc["metadata"]["annotations"]
        self.assertEqual(int(ann["prometheus.io/port"]), listen_port)
        self.assertEqual(ann["prometheus.io/path"], "/metrics")
        self.assertEqual([p["targetPort"] for p in svc["spec"]["ports"]], ["metrics"])
        self.assertTrue(svc["spec"]["publishNotReadyAddresses"], "an unready forwarder is still scraped")
        self.assertEqual(pod_meta["annotations"]["prometheus.io/port"], str(listen_port))
        for monitor in of_kind(docs, "PodMonitor"):
            endpoint = monitor["spec"]["podMetricsEndpoints"][0]
            self.assertEqual((endpoint["port"], endpoint["path"]), ("metrics", "/metrics"))
            self.assertTrue(set(monitor["spec"]["selector"]["matchLabels"].items()) <= set(labels.items()))

        # Key rotation survives a lost volume: restore_from is the optional mount of the Secret on_rotate writes.
        rotation = config["key_rotation"]
        rotated = volumes[mounts[rotation["restore_from"]]]["secret"]
        self.assertTrue(rotated["optional"])
        if "on_rotate" in rotation:
            self.assertEqual(rotation["on_rotate"][1], rotated["secretName"], "the hook writes what is mounted back")
            role = of_kind(docs, "Role")[0]
            self.assertIn(rotated["secretName"], role["rules"][0]["resourceNames"])
            subject = of_kind(docs, "RoleBinding")[0]["subjects"][0]
            self.assertEqual(pod["serviceAccountName"], subject["name"])
            self.assertTrue(subject.get("namespace"), "a ServiceAccount subject needs its namespace")

        self.check_config(tree, docs, pod, fwd, config_text)

    def check_config(self, tree, docs, pod, fwd, config_text):
        """check-config on the rendered configuration, as the pod would run it: its environment, its files."""
        if not FORWARDER:
            self.skipTest("SF_FORWARDER is not set")
        config_maps = {c["metadata"]["name"]: c.get("data", {}) for c in of_kind(docs, "ConfigMap")}
        secrets = {s["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in s.get("data", {}).items()}
                   for s in of_kind(docs, "Secret")}
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        for source in fwd.get("envFrom", []):
            env.update(config_maps[source["configMapRef"]["name"]])
        for e in fwd.get("env", []):
            if "value" in e:
                env[e["name"]] = e["value"]
            else:
                ref = e["valueFrom"]["secretKeyRef"]
                env[e["name"]] = secrets[ref["name"]][ref["key"]]
        volumes = {v["name"]: v for v in pod["volumes"]}
        files = os.path.join(tree.dir, "pod")
        text = config_text
        for m in fwd["volumeMounts"]:
            v = volumes[m["name"]]
            if "secret" in v and v["secret"]["secretName"] in secrets:
                target = os.path.join(files, m["name"])
                os.makedirs(target)
                for k, val in secrets[v["secret"]["secretName"]].items():
                    with open(os.path.join(target, k), "w") as f:
                        f.write(val)
                text = text.replace(m["mountPath"] + "/", target + "/")
        # The hook as the image installs it: the same script from deploy/hooks.
        for program in re.findall(r"/usr/local/share/scaleft-forwarder/hooks/[\w.-]+", text):
            local = os.path.join(HOOKS, os.path.basename(program))
            self.assertTrue(os.access(local, os.X_OK), f"{program} is not shipped in deploy/hooks")
            text = text.replace(program, local)
        path = os.path.join(tree.dir, "forwarder.yaml")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([FORWARDER, "check-config", "--config", path], capture_output=True, text=True,
                           timeout=30, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for value in secrets[next(iter(secrets))].values():
            if value != env.get("SFT_KEY_ID"):
                self.assertNotIn(value, r.stdout + r.stderr, "check-config shows no secret")

    def test_a_config_edit_changes_the_hash_and_the_reference(self):
        for overlay in OVERLAYS:
            with self.subTest(overlay=overlay):
                tree = Tree(self)
                tree.add_secrets(overlay)

                def names():
                    r, docs = tree.render(os.path.join("overlays", overlay))
                    self.assertEqual(r.returncode, 0, r.stderr)
                    pod = of_kind(docs, "Deployment")[0]["spec"]["template"]["spec"]
                    used = {v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v}
                    used |= {s["configMapRef"]["name"] for s in forwarder_container(pod).get("envFrom", [])}
                    return {c["metadata"]["name"] for c in of_kind(docs, "ConfigMap")}, used

                before, used_before = names()
                self.assertEqual(before, used_before)
                config = os.path.join(tree.root, "base", "forwarder.yaml")
                hook_config = os.path.join(tree.root, "components", "kubernetes-secret-hook", "forwarder.yaml")
                for path in (config, hook_config):
                    with open(path) as f:
                        text = f.read()
                    with open(path, "w") as f:
                        f.write(text.replace("ready_window: 5m", "ready_window: 6m"))
                after, used_after = names()
                self.assertEqual(after, used_after, "the Deployment refers to the new name")
                changed = before - after
                self.assertEqual(len(changed), 1, (before, after))
                self.assertTrue(next(iter(changed)).startswith("scaleft-forwarder-config-"))

    def test_without_the_local_secret_files_nothing_renders(self):
        tree = Tree(self)
        for overlay in OVERLAYS:
            with self.subTest(overlay=overlay):
                r, _ = tree.render(os.path.join("overlays", overlay))
                self.assertNotEqual(r.returncode, 0, "an overlay rendered without its secrets")
                self.assertIn("key_id", r.stderr)

    def test_the_workloads_render_without_a_secret(self):
        tree = Tree(self)
        for workload in ("standalone", "sidecar"):
            r, docs = tree.render(os.path.join("workloads", workload))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(of_kind(docs, "Secret"), [])


class Files(unittest.TestCase):
    def test_no_secret_manifest_and_no_placeholder_in_git(self):
        for dirpath, _, names in os.walk(K8S):
            for name in names:
                path = os.path.join(dirpath, name)
                if name.endswith((".yaml", ".yml")):
                    with open(path) as f:
                        for doc in yaml.safe_load_all(f):
                            self.assertNotEqual((doc or {}).get("kind"), "Secret", f"{path} holds a Secret")
                if "/secrets/" in path.replace(os.sep, "/"):
                    self.assertTrue(name == ".gitignore" or name.endswith(".example"), path)
        for overlay in OVERLAYS:
            with open(os.path.join(K8S, "overlays", overlay, "secrets", ".gitignore")) as f:
                self.assertEqual([line for line in f.read().splitlines() if line and not line.startswith("#")],
                                 ["*", "!.gitignore", "!*.example"])

    def test_the_hook_component_changes_only_on_rotate(self):
        with open(os.path.join(K8S, "base", "forwarder.yaml")) as f:
            base = yaml.safe_load(f)
        with open(os.path.join(K8S, "components", "kubernetes-secret-hook", "forwarder.yaml")) as f:
            hooked = yaml.safe_load(f)
        self.assertTrue(hooked["key_rotation"].pop("on_rotate"))
        hooked["key_rotation"].pop("on_rotate_timeout", None)
        self.assertEqual(hooked, base)

    def test_the_metrics_port_is_ours_everywhere(self):
        """9464 is the OpenTelemetry Prometheus exporter's default; no file we ship listens there."""
        offenders = []
        for top in ("deploy", "config", "daemon", "README.md"):
            base = os.path.join(ROOT, top)
            paths = [base] if os.path.isfile(base) else [os.path.join(d, n) for d, _, ns in os.walk(base) for n in ns]
            for path in paths:
                with open(path, errors="replace") as f:
                    if str(OTEL_PROMETHEUS_PORT) in f.read():
                        offenders.append(os.path.relpath(path, ROOT))
        self.assertEqual(offenders, [])


if __name__ == "__main__":
    unittest.main()

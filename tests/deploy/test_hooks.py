"""The on_rotate example scripts in deploy/hooks: run with a key on stdin and stand-ins for kubectl and vault
that record their arguments and input. The secret must reach the tool through stdin only."""
import base64
import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest

HOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy", "hooks")
KEY = {"key_id": "k-123", "key_secret": "s3cr3t/with\"quote", "team": "acme", "service_user": "log-forwarder",
       "previous_key_id": "k-122"}
# Records argv (one per line) and stdin, like the real tool it stands for would receive them.
RECORDER = """#!/bin/sh
printf '%s\\n' "$@" > "$RECORD_DIR/$(basename "$0").argv"
cat > "$RECORD_DIR/$(basename "$0").stdin"
exit "${FAKE_EXIT:-0}"
"""


@unittest.skipUnless(shutil.which("jq") and shutil.which("bash"), "jq and bash are needed")
class HookScripts(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sf-hooks-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.bin = os.path.join(self.dir, "bin")
        os.makedirs(self.bin)
        for tool in ("kubectl", "vault"):
            path = os.path.join(self.bin, tool)
            with open(path, "w") as f:
                f.write(RECORDER)
            os.chmod(path, stat.S_IRWXU)

    def run_hook(self, script, args, stdin, fake_exit=0):
        env = {"PATH": self.bin + ":/usr/bin:/bin", "RECORD_DIR": self.dir, "FAKE_EXIT": str(fake_exit)}
        return subprocess.run([os.path.join(HOOKS, script), *args], input=stdin, capture_output=True, text=True,
                              env=env, timeout=30)

    def recorded(self, tool):
        with open(os.path.join(self.dir, f"{tool}.argv")) as f:
            argv = f.read().splitlines()
        with open(os.path.join(self.dir, f"{tool}.stdin")) as f:
            return argv, f.read()

    def test_kubernetes_secret_gets_the_key_through_stdin(self):
        r = self.run_hook("update-kubernetes-secret.sh", ["scaleft-forwarder-rotated-key", "scaleft-red"],
                          json.dumps(KEY) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        argv, stdin = self.recorded("kubectl")
        self.assertEqual(argv[:3], ["apply", "--namespace", "scaleft-red"])
        self.assertIn("--server-side", argv)
        self.assertEqual(argv[-2:], ["-f", "-"])
        self.assertNotIn(KEY["key_secret"], "\n".join(argv))
        manifest = json.loads(stdin)
        self.assertEqual(manifest["kind"], "Secret")
        self.assertEqual(manifest["metadata"]["name"], "scaleft-forwarder-rotated-key")
        # Not the kustomization's label: `apply --prune -l app.kubernetes.io/name=...` must not delete it.
        self.assertNotIn("app.kubernetes.io/name", manifest["metadata"].get("labels", {}))
        self.assertEqual({k: base64.b64decode(v).decode() for k, v in manifest["data"].items()},
                         {"key_id": KEY["key_id"], "key_secret": KEY["key_secret"]})

    def test_vault_gets_the_key_through_stdin(self):
        r = self.run_hook("write-vault.sh", ["secret", "scaleft-forwarder/acme"], json.dumps(KEY))
        self.assertEqual(r.returncode, 0, r.stderr)
        argv, stdin = self.recorded("vault")
        self.assertEqual(argv, ["kv", "put", "-mount=secret", "scaleft-forwarder/acme", "-"])
        self.assertEqual(json.loads(stdin), {"key_id": KEY["key_id"], "key_secret": KEY["key_secret"]})

    def test_failures_are_non_zero(self):
        for script, args in (("update-kubernetes-secret.sh", ["s"]), ("write-vault.sh", ["secret", "p"])):
            with self.subTest(script=script):
                tool = "kubectl" if script.startswith("update") else "vault"
                self.assertNotEqual(self.run_hook(script, args, "not json").returncode, 0)
                self.assertNotEqual(self.run_hook(script, args, json.dumps({"key_id": "x"})).returncode, 0)
                self.assertNotEqual(self.run_hook(script, args, json.dumps(KEY), fake_exit=1).returncode, 0,
                                    f"a failing {tool} fails the hook")
                self.assertNotEqual(self.run_hook(script, [], json.dumps(KEY)).returncode, 0, "usage error")

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck is not installed")
    def test_shellcheck_clean(self):
        scripts = sorted(os.path.join(HOOKS, n) for n in os.listdir(HOOKS) if n.endswith(".sh"))
        self.assertEqual(len(scripts), 2)
        r = subprocess.run(["shellcheck", *scripts], capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()

"""The systemd units (single and per-team template), their example configurations, scaleft-forwarder-ctl and
the journald priority prefixes, checked against the forwarder just built."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import FORWARDER, Process, wait_until  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SYSTEMD = os.path.join(ROOT, "deploy", "systemd")
SINGLE = os.path.join(SYSTEMD, "scaleft-forwarder.service")
TEMPLATE = os.path.join(SYSTEMD, "scaleft-forwarder@.service")
CTL = os.path.join(SYSTEMD, "scaleft-forwarder-ctl")
INSTALLED_BINARY = "/usr/bin/scaleft-forwarder"


def unit_settings(text):
    settings = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def instance_text(instance):
    """The template unit as systemd reads it for scaleft-forwarder@<instance>.service."""
    with open(TEMPLATE) as f:
        return f.read().replace("%i", instance)


def unit_environment(settings, tmp):
    """What systemd gives the service, with its directories moved under tmp: the credentials (one file per
    LoadCredential=, placeholder secrets), STATE_DIRECTORY, LOGS_DIRECTORY. Returns (env, config path)."""
    cred = os.path.join(tmp, "credentials")
    os.makedirs(cred, exist_ok=True)
    for spec in settings["LoadCredential"]:
        name = spec.split(":", 1)[0]
        with open(os.path.join(cred, name), "w") as f:
            f.write("placeholder-secret\n")
    env = dict(os.environ, CREDENTIALS_DIRECTORY=cred)
    env.pop("JOURNAL_STREAM", None)
    for key, var in (("StateDirectory", "STATE_DIRECTORY"), ("LogsDirectory", "LOGS_DIRECTORY")):
        path = os.path.join(tmp, key, settings[key][0])
        os.makedirs(path, exist_ok=True)
        env[var] = path
    config = re.search(r"--config (\S+)", settings["ExecStart"][0]).group(1)
    return env, config


def example_config_for(config_path):
    """The repository file a unit's --config path is installed from."""
    name = os.path.basename(config_path)
    for candidate in (os.path.join(SYSTEMD, name), os.path.join(SYSTEMD, "examples", name)):
        if os.path.exists(candidate):
            return candidate
    raise AssertionError(f"no example configuration in deploy/systemd for {config_path}")


class Units(unittest.TestCase):
    def check_common(self, s):
        self.assertEqual(s["Type"], ["notify"])
        self.assertEqual(s["ExecReload"], ["/bin/kill -HUP $MAINPID"])
        self.assertEqual(s["RestartPreventExitStatus"], ["2"], "a bad configuration (exit 2) must not loop")
        self.assertEqual(s["Restart"], ["on-failure"])
        self.assertEqual(s["DynamicUser"], ["yes"])
        self.assertEqual(s["ProtectSystem"], ["strict"])
        self.assertEqual(s["NoNewPrivileges"], ["yes"])
        self.assertEqual(s["CapabilityBoundingSet"], [""])
        self.assertIn("@system-service", s["SystemCallFilter"])
        self.assertEqual(s["StateDirectoryMode"], ["0700"])
        self.assertIn("LogsDirectory", s)
        self.assertIn("MemoryMax", s)
        self.assertIn("WatchdogSec", s)
        self.assertTrue(s["ExecStart"][0].startswith(INSTALLED_BINARY + " run --config /etc/scaleft-forwarder/"))
        self.assertNotRegex(s["ExecStart"][0], r"secret|password|api_key")
        self.assertTrue(all(":" in c for c in s["LoadCredential"]))

    def test_single_unit(self):
        with open(SINGLE) as f:
            self.check_common(unit_settings(f.read()))

    def test_template_gives_each_team_its_own_everything(self):
        s = unit_settings(instance_text("team-a"))
        self.check_common(s)
        self.assertEqual(s["ExecStart"][0].split()[-1], "/etc/scaleft-forwarder/team-a.yaml")
        self.assertEqual(s["StateDirectory"], ["scaleft-forwarder-team-a"])
        self.assertEqual(s["LogsDirectory"], ["scaleft-forwarder-team-a"])
        self.assertEqual(s["User"], ["sf-team-a"])
        for spec in s["LoadCredential"]:
            self.assertTrue(spec.split(":", 1)[1].startswith("/etc/scaleft-forwarder/credentials/team-a/"), spec)
        # Nothing but the instance name tells two instances apart: every per-team setting uses it.
        with open(TEMPLATE) as f:
            raw = unit_settings(f.read())
        for key in ("ExecStart", "StateDirectory", "LogsDirectory", "User", "LoadCredential"):
            self.assertTrue(all("%i" in v for v in raw[key]), key)

    def test_the_single_and_template_units_differ_only_per_team(self):
        with open(SINGLE) as f:
            single = unit_settings(f.read())
        team = unit_settings(instance_text("team-a"))
        per_team = {"ExecStart", "StateDirectory", "LogsDirectory", "User", "LoadCredential", "Description"}
        for key in set(single) | set(team):
            if key not in per_team:
                self.assertEqual(single.get(key), team.get(key), f"{key} differs between the two units")

    @unittest.skipUnless(shutil.which("systemd-analyze"), "systemd-analyze is not installed")
    def test_systemd_analyze_verify_every_unit(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        for src in (SINGLE, TEMPLATE):
            # verify checks that ExecStart's binary exists: point it at the one just built.
            with open(src) as f:
                text = f.read().replace(INSTALLED_BINARY, os.path.abspath(FORWARDER))
            with open(os.path.join(tmp, os.path.basename(src)), "w") as f:
                f.write(text)
        for unit in ("scaleft-forwarder.service", "scaleft-forwarder@team-a.service"):
            r = subprocess.run(["systemd-analyze", "verify", "--man=no", os.path.join(tmp, unit)],
                               capture_output=True, text=True, timeout=60, cwd=tmp)
            # Lines about other units on this machine are not ours; any line naming our unit is a finding.
            ours = [line for line in (r.stdout + r.stderr).splitlines() if "scaleft-forwarder" in line]
            self.assertEqual(ours, [], r.stdout + r.stderr)


class ExampleConfigurations(unittest.TestCase):
    def check_config(self, unit_text):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        env, config = unit_environment(unit_settings(unit_text), tmp)
        r = subprocess.run([FORWARDER, "check-config", "--config", example_config_for(config)],
                           capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("placeholder-secret", r.stdout)
        self.assertIn(env["STATE_DIRECTORY"], r.stdout)
        self.assertIn(os.path.join(env["LOGS_DIRECTORY"], "audit.ndjson"), r.stdout)
        return env, config

    def test_single_unit_configuration(self):
        with open(SINGLE) as f:
            env, config = self.check_config(f.read())
        # Outside systemd (no credentials) the secret file is missing: a clear error, exit 2.
        env.pop("CREDENTIALS_DIRECTORY")
        r = subprocess.run([FORWARDER, "check-config", "--config", example_config_for(config)],
                           capture_output=True, text=True, env=env, timeout=30)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("CREDENTIALS_DIRECTORY", r.stderr)

    def test_team_configurations(self):
        for team in ("team-a", "team-b"):
            with self.subTest(team=team):
                self.check_config(instance_text(team))


class TwoInstances(unittest.TestCase):
    """scaleft-forwarder@team-a and @team-b with the example configurations run side by side on one host."""

    def start(self, tmp, instance, name, journal=True):
        # Each process its own directories (as on two hosts), so only the configuration can make them collide.
        env, config = unit_environment(unit_settings(instance_text(instance)), os.path.join(tmp, name))
        log_path = os.path.join(tmp, f"{name}.log")
        open(log_path, "wb").close()
        if journal:
            # As systemd does: JOURNAL_STREAM names the device and inode of the service's stderr.
            st = os.stat(log_path)
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"
        p = Process([FORWARDER, "run", "--config", example_config_for(config)], log_path, env=env)
        self.addCleanup(p.close)
        return p

    def wait_serving(self, p):
        def serving():
            if not p.alive():
                raise AssertionError(f"the forwarder exited:\n{p.output()}")
            m = re.search(r"serving /healthz.* port=(\d+)", p.output())
            return m and int(m.group(1))
        return wait_until(serving, 30, "the metrics endpoint")

    def test_both_serve_on_their_own_port_and_a_duplicate_cannot_start(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        a = self.start(tmp, "team-a", "a")
        b = self.start(tmp, "team-b", "b")
        ports = {self.wait_serving(a), self.wait_serving(b)}
        self.assertEqual(len(ports), 2, ports)
        for port in ports:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
                self.assertEqual(r.status, 200)
        # Under journald each text line carries its priority; journald strips it and stores PRIORITY=.
        for p in (a, b):
            lines = [line for line in p.output().splitlines() if line.strip()]
            self.assertTrue(lines)
            for line in lines:
                self.assertRegex(line, r"^<[3467]>\d{4}-\d\d-\d\dT")
            self.assertRegex(p.output(), r"(?m)^<6>.* info  serving /healthz")
        # The control: a second team-a on the same port is refused, so distinct ports are what made it work.
        dup = self.start(tmp, "team-a", "dup", journal=False)
        self.assertNotEqual(dup.wait(30), 0)
        self.assertRegex(dup.output(), r"(?m)^\d{4}-.* error cannot start.*(in use|9471)")

    def test_no_prefix_when_stderr_is_not_the_journal_stream(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        env, config = unit_environment(unit_settings(instance_text("team-a")), os.path.join(tmp, "team-a"))
        env["JOURNAL_STREAM"] = "1:1"  # inherited from a parent service, but stderr is a file here
        p = Process([FORWARDER, "run", "--config", example_config_for(config)], os.path.join(tmp, "a.log"),
                    env=env)
        self.addCleanup(p.close)
        self.wait_serving(p)
        self.assertRegex(p.output(), r"(?m)^\d{4}-\d\d-\d\dT.* info  serving /healthz")
        self.assertNotRegex(p.output(), r"(?m)^<\d>")


class Ctl(unittest.TestCase):
    """scaleft-forwarder-ctl gives check-config and status the directories the units give the service."""

    def assignments(self):
        with open(CTL) as f:
            text = f.read()
        team_branch, default_branch = text.split("\nelse\n", 1)
        def values(block):
            return dict(re.findall(r"^\s*(CREDENTIALS_DIRECTORY|STATE_DIRECTORY|LOGS_DIRECTORY|config)=(\S+)$",
                                   block, re.M))
        return values(team_branch), values(default_branch.split("\nfi\n", 1)[0])

    def expected(self, settings):
        creds = {os.path.dirname(spec.split(":", 1)[1]) for spec in settings["LoadCredential"]}
        self.assertEqual(len(creds), 1, creds)
        return {"CREDENTIALS_DIRECTORY": creds.pop(),
                "STATE_DIRECTORY": "/var/lib/" + settings["StateDirectory"][0],
                "LOGS_DIRECTORY": "/var/log/" + settings["LogsDirectory"][0],
                "config": re.search(r"--config (\S+)", settings["ExecStart"][0]).group(1)}

    def test_paths_match_the_units(self):
        team, default = self.assignments()
        with open(SINGLE) as f:
            single = unit_settings(f.read())
        expanded = {k: v.replace("$etc", "/etc/scaleft-forwarder") for k, v in default.items()}
        self.assertEqual(expanded, self.expected(single))
        expanded = {k: v.replace("$etc", "/etc/scaleft-forwarder").replace("$team", "team-a")
                    for k, v in team.items()}
        self.assertEqual(expanded, self.expected(unit_settings(instance_text("team-a"))))

    def test_refuses_bad_usage_and_unsafe_team_names(self):
        for args, needle in ((["run"], "usage"), ([], "usage"), (["status", "--bogus"], "usage"),
                             (["../x", "status"], "not a team name"), (["a/b", "check-config"], "not a team name"),
                             (["nosuchteam", "status"], "cannot read /etc/scaleft-forwarder/nosuchteam.yaml")):
            r = subprocess.run(["sh", CTL, *args], capture_output=True, text=True, timeout=30)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(needle, r.stderr, args)


if __name__ == "__main__":
    unittest.main()

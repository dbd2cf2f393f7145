"""End to end: rotation of the service user's API key against scaleft-sim, with its clock moved forward."""
import json
import os
import re
import shutil
import signal
import sys
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "ops"))
from harness import ForwarderTest, Process, ScaleftSim, FORWARDER, ndjson_ids, wait_until, write_config  # noqa: E402
from test_ops_e2e import get, port_from_log  # noqa: E402

DAY = 86400
# The steps of the rotation where SF_TEST_CRASH_AT can kill the forwarder (daemon/keys/crash_point.hpp).
CRASH_STEPS = ["before_create", "after_create", "after_persist", "after_verify", "after_switch",
               "after_delete_previous"]
# With key_rotation.on_rotate, one more: the program succeeded, the forwarder has not recorded it yet.
HOOK_CRASH_STEPS = CRASH_STEPS[:5] + ["after_on_rotate"] + CRASH_STEPS[5:]
HOOK = os.path.join(HERE, "store_key_hook.py")


class RotationCase(ForwarderTest):
    """A simulator with a service user allowed to manage its keys, a file sink, and what the checks read."""

    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.tmp, "out", "audit.ndjson")
        self.creds_path = os.path.join(self.state_dir, "credentials.json")

    def start_sim(self, users=("log-forwarder=reporting_user,access_admin",), events=1500, workdir=None):
        extra = []
        for u in users:
            extra += ["--service-user", u]
        sim = ScaleftSim(workdir or self.tmp, events=events, extra=extra)
        self.processes.append(sim)
        return sim

    def start_sim_in(self, workdir):
        """A fresh simulator, state_dir, sink and configuration in `workdir` (one per crash step)."""
        os.makedirs(workdir)
        self.state_dir = os.path.join(workdir, "state")
        self.creds_path = os.path.join(self.state_dir, "credentials.json")
        self.out = os.path.join(workdir, "audit.ndjson")
        self.config_path = os.path.join(workdir, "forwarder.yaml")
        return self.start_sim(workdir=workdir)  # its own port file and credentials

    def configure(self, sim, expire_previous="after_verify", hook_dir=None, hook_timeout="10s", listen=""):
        sinks = f"  - name: archive\n    type: file\n    path: {self.out}\n"
        extra = f"key_rotation:\n  enabled: true\n  max_age: 7d\n  expire_previous: {expire_previous}\n"
        if hook_dir:
            os.makedirs(hook_dir, exist_ok=True)
            extra += (f"  on_rotate: [/usr/bin/python3, {HOOK}, {hook_dir}]\n  on_rotate_timeout: {hook_timeout}\n"
                      f"  restore_from: {hook_dir}\n")
        extra += f"http:\n  listen: \"{listen}\"\n  ready_window: 1m\n"
        write_config(self.config_path, sim, self.state_dir, sinks, extra=extra)

    def start(self, name="forwarder", env_extra=None):
        env = dict(os.environ)
        env.pop("SF_TEST_CRASH_AT", None)
        env.update(env_extra or {})
        p = Process([FORWARDER, "run", "--config", self.config_path], os.path.join(self.tmp, f"{name}.log"), env=env)
        self.processes.append(p)
        return p

    def advance(self, sim, seconds):
        sim.post(f"/_sim/clock/advance?seconds={seconds}")

    def wait_all_events(self, sim, timeout=60):
        def done():
            expected = set(sim.event_ids())
            try:
                return expected.issubset(set(ndjson_ids(self.out)))
            except AssertionError as e:
                # Read while the sink appends a batch: look again. A partial line that stays fails the wait.
                if "partial line" in str(e):
                    return False
                raise
        wait_until(done, timeout, "every event of the simulator in the sink", interval=0.2)

    def stored(self):
        try:
            with open(self.creds_path) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def sim_keys(self, sim):
        return {k["id"]: k for k in sim.state()["keys"] if k["user"] == "log-forwarder"}

    def wait_rotated_from(self, sim, old_id, timeout=30):
        """Waits until credentials.json names a new current key that the service lists without expiry."""
        def rotated():
            s = self.stored()
            if not s or not s["current"] or s["current"]["id"] == old_id or s["pending"]:
                return None
            k = self.sim_keys(sim).get(s["current"]["id"])
            return s if k and k["usable"] and k["expires_at"].startswith("0001-") else None
        return wait_until(rotated, timeout, f"a rotation away from {old_id}", interval=0.1)

    def check_alive_after_two_days(self, sim, fwd):
        """After the simulated 48 h every old key has died: new events must still arrive."""
        self.advance(sim, 49 * 3600)
        sim.add_events(300)
        self.wait_all_events(sim)
        self.assertTrue(fwd.alive())
        current = self.stored()["current"]["id"]
        self.assertTrue(self.sim_keys(sim)[current]["usable"], "the stored key still works after 48 h")

    def log_lines(self, proc):
        out = []
        for line in proc.output().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    # ---- on_rotate helpers ----

    def authenticates(self, sim, key_id, secret):
        """True when the service mints a token for this key (the key exists, is not deleted, not expired)."""
        body = json.dumps({"key_id": key_id, "key_secret": secret}).encode()
        req = urllib.request.Request(sim.url + "/v1/teams/acme/service_token", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status == 200
        except urllib.error.HTTPError:
            return False

    def configured_key(self, sim):
        with open(sim.key_secret_file()) as f:
            return sim.key_id(), f.read().strip()

    def hook_key(self, hook_dir):
        try:
            with open(os.path.join(hook_dir, "key_id")) as f:
                key_id = f.read()
            with open(os.path.join(hook_dir, "key_secret")) as f:
                return key_id, f.read()
        except FileNotFoundError:
            return None

    def outside_key(self, sim, hook_dir):
        """What survives a lost volume: the hook's copy, or else the bootstrap key in the configuration."""
        return self.hook_key(hook_dir) or self.configured_key(sim)

    def state_keys(self, sim):
        s = self.stored()
        if not s:
            return [self.configured_key(sim)]
        return [(k["id"], k["secret"]) for k in (s["pending"], s["current"]) if k]

    def assert_a_working_key_everywhere(self, sim, hook_dir, when):
        self.assertTrue(self.authenticates(sim, *self.outside_key(sim, hook_dir)),
                        f"{when}: the key outside state_dir does not work")
        self.assertTrue(any(self.authenticates(sim, *k) for k in self.state_keys(sim)),
                        f"{when}: no key in state_dir works")

    def hook_calls(self, hook_dir):
        try:
            with open(os.path.join(hook_dir, "calls.jsonl")) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def set_hook_mode(self, hook_dir, mode):
        with open(os.path.join(hook_dir, "mode"), "w") as f:
            f.write(mode)

    def wait_hook_holds_current(self, sim, hook_dir, timeout=30):
        def done():
            s, k = self.stored(), self.hook_key(hook_dir)
            return s and k and not s["pending"] and s["current"]["id"] == k[0] and not s["on_rotate_pending"]
        wait_until(done, timeout, "the hook's copy to be the current key", interval=0.1)
        return self.stored()



class KeyRotationTest(RotationCase):

    def test_rotation_at_max_age_deletes_the_previous_key(self):
        sim = self.start_sim()
        initial = sim.key_id()
        self.configure(sim)
        fwd = self.start()
        self.wait_all_events(sim)
        self.assertIsNone(self.stored(), "no rotation before max_age")
        self.advance(sim, 6 * DAY)
        time.sleep(3)  # more than one key check (10 poll intervals)
        self.assertIsNone(self.stored(), "a six-day-old key is not rotated")
        self.advance(sim, 1 * DAY + 60)
        s = self.wait_rotated_from(sim, initial)
        wait_until(lambda: self.sim_keys(sim)[initial]["deleted"], 20, "the previous key deleted")
        self.assertEqual(os.stat(self.creds_path).st_mode & 0o777, 0o600)
        self.assertTrue(any(r.get("msg") == "rotating the API key" and r.get("reason") == "max_age"
                            for r in self.log_lines(fwd)))
        self.assertNotIn(s["current"]["secret"], fwd.output(), "the secret is never logged")
        sim.add_events(300)
        self.check_alive_after_two_days(sim, fwd)

    def test_key_created_by_someone_else_triggers_rotation(self):
        sim = self.start_sim(users=("log-forwarder=reporting_user,access_admin", "admin-bot=access_admin"))
        initial = sim.key_id()
        self.configure(sim, expire_previous="never")
        fwd = self.start()
        self.wait_all_events(sim)
        # An administrator creates a key for our service user: ours now dies within two days.
        with open(sim.key_secret_file("admin-bot")) as f:
            body = json.dumps({"key_id": sim.key_id("admin-bot"), "key_secret": f.read()}).encode()
        req = urllib.request.Request(sim.url + "/v1/teams/acme/service_token", data=body,
                                     headers={"Content-Type": "application/json"})
        token = json.loads(urllib.request.urlopen(req, timeout=10).read())["bearer_token"]
        req = urllib.request.Request(sim.url + "/v1/teams/acme/service_users/log-forwarder/keys", data=b"",
                                     method="POST", headers={"Authorization": "Bearer " + token})
        theirs = json.loads(urllib.request.urlopen(req, timeout=10).read())["id"]
        s = self.wait_rotated_from(sim, initial, timeout=20)
        self.assertNotEqual(s["current"]["id"], theirs)
        self.assertEqual(s["previous"]["id"], initial, "expire_previous: never keeps the previous key")
        self.assertFalse(self.sim_keys(sim)[initial]["deleted"])
        self.assertTrue(any(r.get("reason") == "expiry_set" for r in self.log_lines(fwd)))
        self.assertIn(theirs, fwd.output(), "the key we do not hold is named in the log")
        self.check_alive_after_two_days(sim, fwd)

    def test_forced_rotate_key_command(self):
        sim = self.start_sim()
        initial = sim.key_id()
        self.configure(sim)
        r = self.run_forwarder_cmd("rotate-key", "--config", self.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("key rotated", r.stdout)
        s = self.stored()
        self.assertNotEqual(s["current"]["id"], initial)
        self.assertTrue(self.sim_keys(sim)[initial]["deleted"], "the configured key was deleted")
        # The configured key is dead: only the stored key can forward now.
        fwd = self.start()
        self.wait_all_events(sim)
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(30), 0)
        # A second forced rotation starts from the stored key.
        r = self.run_forwarder_cmd("rotate-key", "--config", self.config_path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(self.stored()["current"]["id"], s["current"]["id"])

    def test_key_management_refused_keeps_forwarding(self):
        sim = self.start_sim(users=("log-forwarder=reporting_user",))
        initial = sim.key_id()
        self.configure(sim)
        r = self.run_forwarder_cmd("rotate-key", "--config", self.config_path)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("403", r.stderr)
        self.assertIn("access_admin", r.stderr)
        fwd = self.start()
        self.wait_all_events(sim)
        self.advance(sim, 8 * DAY)
        sim.add_events(300)
        self.wait_all_events(sim)
        warnings = [x for x in self.log_lines(fwd) if x.get("level") == "warn" and "cannot be rotated" in x.get("msg", "")]
        self.assertTrue(warnings, "a warning says the key cannot be rotated")
        self.assertIn("403", warnings[0]["reason"])
        self.assertTrue(self.sim_keys(sim)[initial]["usable"])
        self.assertIsNone(self.stored())
        self.assertTrue(fwd.alive())

    def test_unwritable_secret_deletes_the_new_key_and_warns_until_fixed(self):
        sim = self.start_sim()
        initial = sim.key_id()
        self.configure(sim)
        flag = os.path.join(self.tmp, "disk-full")
        open(flag, "w").close()
        fwd = self.start(env_extra={"SF_TEST_FAIL_WRITES": "credentials.json", "SF_TEST_FAIL_WRITES_WHILE": flag})
        self.wait_all_events(sim)
        self.advance(sim, 8 * DAY)
        wait_until(lambda: "cannot store the new API key's secret" in fwd.output(), 20, "the persistence failure")
        keys = self.sim_keys(sim)
        created = [k for k in keys.values() if k["id"] != initial]
        self.assertTrue(created and all(k["deleted"] for k in created), "every new key was deleted at once")
        self.assertTrue(keys[initial]["usable"])
        self.assertFalse(keys[initial]["expires_at"].startswith("0001-"), "creating a key gave ours an expiry")
        loud = [x for x in self.log_lines(fwd) if x.get("level") == "error" and "EXPIRES" in x.get("msg", "")]
        self.assertTrue(loud and loud[0]["expires_at"], "the deadline is reported at error level")
        # 25 h later, with less than a day left: an error every poll cycle.
        self.advance(sim, 25 * 3600)
        sim.add_events(200)
        self.wait_all_events(sim)

        def errors_after():
            return [x for x in self.log_lines(fwd)
                    if x.get("level") == "error" and x.get("msg") == "the API key cannot be rotated and will expire"
                    and x.get("hours_left", 99) < 24]
        wait_until(lambda: len(errors_after()) >= 5, 20, "repeated error-level expiry warnings")
        # The disk is fixed: the next retry rotates.
        os.unlink(flag)
        self.wait_rotated_from(sim, initial, timeout=30)
        self.check_alive_after_two_days(sim, fwd)

    def test_alerts_key_expiring_and_rotation_failing_fire(self):
        """README alerts ScaleftForwarderKeyRotationFailing and ScaleftForwarderKeyExpiring, from /metrics: the
        key manager reports the failed rotation and the expiry the service gave the key in use."""
        sim = self.start_sim()
        initial = sim.key_id()
        self.configure(sim, listen="127.0.0.1:0")
        flag = os.path.join(self.tmp, "disk-full")
        open(flag, "w").close()
        fwd = self.start(env_extra={"SF_TEST_FAIL_WRITES": "credentials.json", "SF_TEST_FAIL_WRITES_WHILE": flag})
        port = wait_until(lambda: port_from_log(fwd), 20, "the endpoint to listen")
        self.wait_all_events(sim)

        def metric(name, labels=""):
            _, text = get(port, "/metrics")
            found = re.search(rf"^{name}{re.escape(labels)} (-?[0-9.e+]+)$", text, re.M)
            return float(found.group(1)) if found else None

        self.assertEqual(metric("scaleft_forwarder_key_rotations_total", '{outcome="failure"}'), 0)
        self.assertIsNone(metric("scaleft_forwarder_key_expiry_seconds"), "no expiry before another key exists")
        self.advance(sim, 8 * DAY)  # the key is due: the rotation creates a key and cannot store its secret
        wait_until(lambda: (metric("scaleft_forwarder_key_rotations_total", '{outcome="failure"}') or 0) >= 1,
                   20, "rotations_total{outcome=failure} to move (KeyRotationFailing)")
        # Creating the new key gave ours 48 h: on the local clock, although the service's is 8 days ahead.
        left = wait_until(lambda: metric("scaleft_forwarder_key_expiry_seconds"), 20, "key_expiry_seconds")
        self.assertGreater(left, 47 * 3600)
        self.assertLess(left, 48 * 3600 + 5)  # the Date header that gives the service's clock has whole seconds
        # The age is on the service's clock too: 8 days (KeyExpiring's age half fires after 10.5).
        self.assertGreater(metric("scaleft_forwarder_key_age_seconds"), 8 * DAY - 60)
        self.advance(sim, 25 * 3600)
        wait_until(lambda: (metric("scaleft_forwarder_key_expiry_seconds") or DAY) < DAY, 20,
                   "key_expiry_seconds < 86400 (KeyExpiring)")
        # The disk is fixed: the rotation succeeds and the new key has no expiry.
        os.unlink(flag)
        self.wait_rotated_from(sim, initial, timeout=30)
        wait_until(lambda: metric("scaleft_forwarder_key_rotations_total", '{outcome="success"}') == 1, 20,
                   "rotations_total{outcome=success}")
        wait_until(lambda: metric("scaleft_forwarder_key_expiry_seconds") is None, 20, "the expiry gone")
        self.assertLess(metric("scaleft_forwarder_key_age_seconds"), 3600)

    def test_kill9_at_each_step_then_restart(self):
        for step in CRASH_STEPS:
            with self.subTest(step=step):
                self.crash_and_recover(step)

    def crash_and_recover(self, step):
        sim = self.start_sim_in(os.path.join(self.tmp, step))
        initial = sim.key_id()
        self.configure(sim)
        fwd = self.start(name=f"{step}-1", env_extra={"SF_TEST_CRASH_AT": step})
        self.wait_all_events(sim)
        self.advance(sim, 8 * DAY)
        rc = fwd.wait(30)
        self.assertEqual(rc, -signal.SIGKILL, f"the forwarder died at {step}")
        sim.add_events(300)
        fwd2 = self.start(name=f"{step}-2")
        self.wait_rotated_from(sim, initial, timeout=30)
        self.wait_all_events(sim)
        if step == "before_create" or step == "after_create":
            self.assertIn("rotation was interrupted", fwd2.output())
        if step in ("after_persist", "after_verify"):
            self.assertIn("finished a key rotation that a restart interrupted", fwd2.output())
        wait_until(lambda: self.sim_keys(sim)[initial]["deleted"] or not self.sim_keys(sim)[initial]["usable"]
                   or self.sim_keys(sim)[initial]["expires_at"] != "0001-01-01T00:00:00Z", 20,
                   "the old key deleted or expiring")
        self.check_alive_after_two_days(sim, fwd2)
        # Nothing lost: every event the service holds is in the sink.
        self.assertEqual(set(sim.event_ids()) - set(ndjson_ids(self.out)), set())
        fwd2.signal(signal.SIGTERM)
        self.assertEqual(fwd2.wait(30), 0)
        sim.close()


class OnRotateTest(RotationCase):
    """key_rotation.on_rotate: the new key is stored outside state_dir before the previous one is deleted."""

    def setUp(self):
        super().setUp()
        self.hook_dir = os.path.join(self.tmp, "hook")

    def test_the_key_is_stored_before_the_previous_is_deleted_and_survives_a_lost_volume(self):
        sim = self.start_sim()
        initial, initial_secret = self.configured_key(sim)
        self.configure(sim, hook_dir=self.hook_dir)
        # A variable holding a forwarder secret must not reach the hook; an unrelated one must.
        fwd = self.start(env_extra={"SF_COPY_OF_THE_KEY": "x" + initial_secret, "HOOK_SEES_THIS": "1"})
        self.wait_all_events(sim)
        self.advance(sim, 8 * DAY)
        s = self.wait_hook_holds_current(sim, self.hook_dir)
        wait_until(lambda: self.sim_keys(sim)[initial]["deleted"], 20, "the previous key deleted")
        new_id, new_secret = s["current"]["id"], s["current"]["secret"]
        self.assertTrue(self.authenticates(sim, *self.hook_key(self.hook_dir)))
        # Order in the log: verified and switched, then the hook, then the delete.
        msgs = [r.get("msg") for r in self.log_lines(fwd)]
        order = [msgs.index("switched every request to the new API key"),
                 msgs.index("the on_rotate program stored the new key"),
                 msgs.index("deleted the previous API key")]
        self.assertEqual(order, sorted(order), msgs)
        # The secret: on stdin only, never in argv (/proc/<pid>/cmdline), the environment or the log.
        calls = self.hook_calls(self.hook_dir)
        self.assertEqual(len(calls), 1)
        call = calls[0]
        self.assertEqual(call["input_keys"], ["key_id", "key_secret", "previous_key_id", "service_user", "team"])
        for secret in (new_secret, initial_secret):
            self.assertNotIn(secret, call["cmdline"])
            self.assertNotIn(secret, json.dumps(call["environ"]))
            self.assertNotIn(secret, fwd.output())
        self.assertNotIn("SF_COPY_OF_THE_KEY", call["environ"])
        self.assertEqual(call["environ"].get("HOOK_SEES_THIS"), "1")
        self.assertEqual(call["fds"][:3], [0, 1, 2])
        self.assertLessEqual(len(call["fds"]), 4, f"descriptors leaked into the hook: {call['fds']}")

        # The volume is lost: a new pod starts with an empty state_dir and the (deleted) bootstrap key.
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(30), 0)
        self.assertFalse(self.authenticates(sim, initial, initial_secret))
        shutil.rmtree(self.state_dir)
        os.unlink(self.out)
        fwd2 = self.start(name="after-lost-volume")
        self.wait_all_events(sim)
        self.assertIn("using the key the on_rotate program stored", fwd2.output())
        self.assertEqual(self.stored()["current"]["id"], new_id)
        sim.add_events(100)
        self.wait_all_events(sim)

    def test_the_rotate_key_command_runs_the_hook_and_fails_when_it_fails(self):
        sim = self.start_sim()
        initial, initial_secret = self.configured_key(sim)
        self.configure(sim, hook_dir=self.hook_dir)
        self.set_hook_mode(self.hook_dir, "fail")
        r = self.run_forwarder_cmd("rotate-key", "--config", self.config_path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("on_rotate", r.stderr)
        self.assertTrue(self.authenticates(sim, initial, initial_secret), "the previous key is kept")
        self.assertTrue(self.stored()["on_rotate_pending"])
        # The next run (here: another rotate-key) runs the hook first, then rotates again.
        self.set_hook_mode(self.hook_dir, "ok")
        r = self.run_forwarder_cmd("rotate-key", "--config", self.config_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        s = self.wait_hook_holds_current(sim, self.hook_dir, timeout=5)
        self.assertTrue(self.authenticates(sim, *self.hook_key(self.hook_dir)))
        self.assertTrue(self.sim_keys(sim)[initial]["deleted"])
        self.assertNotIn(s["current"]["secret"], r.stdout + r.stderr)

    def test_a_failing_hook_keeps_the_previous_key_and_is_retried(self):
        sim = self.start_sim()
        initial, initial_secret = self.configured_key(sim)
        self.configure(sim, hook_dir=self.hook_dir, listen="127.0.0.1:0")
        self.set_hook_mode(self.hook_dir, "fail")
        fwd = self.start()
        port = wait_until(lambda: port_from_log(fwd), 20, "the endpoint to listen")
        self.wait_all_events(sim)
        self.advance(sim, 8 * DAY)
        wait_until(lambda: "the on_rotate program failed" in fwd.output(), 30, "the hook failure logged")
        failure = [r for r in self.log_lines(fwd) if r.get("msg", "").startswith("the on_rotate program failed")][0]
        self.assertEqual(failure["level"], "error")
        self.assertEqual(failure["program"], "/usr/bin/python3")
        self.assertEqual(failure["result"], "exited with status 3")
        s = self.stored()
        self.assertTrue(s["on_rotate_pending"], "credentials.json records that the hook has not succeeded")
        self.assertEqual(s["previous"]["id"], initial)
        # /readyz reads the telemetry the key manager reports to as the hook fails.
        status, body = wait_until(lambda: (lambda r: r if r[0] == 503 else None)(get(port, "/readyz")), 10,
                                  "/readyz to report the failure")
        self.assertIn("on_rotate", json.loads(body)["reason"])
        self.assertIn(initial, json.loads(body)["reason"], "the kept previous key is named")
        _, metrics = get(port, "/metrics")
        failed = re.search(r'scaleft_forwarder_key_rotations_total\{outcome="on_rotate_failed"\} (\d+)', metrics)
        self.assertTrue(failed and int(failed.group(1)) >= 1, metrics)
        # Retried at the next checks (10 poll intervals apart); the previous key stays.
        wait_until(lambda: len(self.hook_calls(self.hook_dir)) >= 3, 30, "the hook retried")
        self.assertFalse(self.sim_keys(sim)[initial]["deleted"])
        self.assertTrue(self.authenticates(sim, initial, initial_secret), "the previous key still works")
        # A restart retries too (the pending flag is on disk).
        fwd.kill9()
        calls = len(self.hook_calls(self.hook_dir))
        fwd = self.start(name="restarted")
        wait_until(lambda: len(self.hook_calls(self.hook_dir)) > calls, 30, "the hook retried after a restart")
        # Fixed: the next try stores the key, then the previous one is deleted and /readyz recovers.
        self.set_hook_mode(self.hook_dir, "ok")
        self.wait_hook_holds_current(sim, self.hook_dir)
        wait_until(lambda: self.sim_keys(sim)[initial]["deleted"], 30, "the previous key deleted")
        port = wait_until(lambda: port_from_log(fwd), 20, "the endpoint to listen")
        sim.add_events(10)
        self.wait_all_events(sim)
        wait_until(lambda: get(port, "/readyz")[0] == 200, 20, "ready again")
        self.assertNotIn(self.stored()["current"]["secret"], fwd.output())

    def test_a_hanging_hook_is_killed_at_the_timeout_and_retried(self):
        sim = self.start_sim()
        initial, _ = self.configured_key(sim)
        self.configure(sim, hook_dir=self.hook_dir, hook_timeout="1s")
        self.set_hook_mode(self.hook_dir, "hang")
        fwd = self.start()
        self.wait_all_events(sim)
        self.advance(sim, 8 * DAY)
        wait_until(lambda: "timed out after 1s (killed)" in fwd.output(), 30, "the hook timeout")
        pid = self.hook_calls(self.hook_dir)[0]["pid"]
        wait_until(lambda: not os.path.exists(f"/proc/{pid}") or " Z " in open(f"/proc/{pid}/stat").read(),
                   5, "the hanging hook killed")
        self.assertFalse(self.sim_keys(sim)[initial]["deleted"])
        self.assertTrue(fwd.alive())
        sim.add_events(50)
        self.wait_all_events(sim)  # forwarding went on meanwhile
        self.set_hook_mode(self.hook_dir, "ok")
        self.wait_hook_holds_current(sim, self.hook_dir)
        wait_until(lambda: self.sim_keys(sim)[initial]["deleted"], 30, "the previous key deleted")

    def test_kill9_at_each_step_leaves_a_working_key_inside_and_outside(self):
        for step in HOOK_CRASH_STEPS:
            with self.subTest(step=step):
                self.crash_with_hook(step)

    def crash_with_hook(self, step):
        workdir = os.path.join(self.tmp, step)
        hook_dir = os.path.join(workdir, "hook")
        sim = self.start_sim_in(workdir)
        initial, _ = self.configured_key(sim)
        self.configure(sim, hook_dir=hook_dir)
        fwd = self.start(name=f"{step}-1", env_extra={"SF_TEST_CRASH_AT": step})
        self.wait_all_events(sim)
        self.assert_a_working_key_everywhere(sim, hook_dir, "before the rotation")
        self.advance(sim, 8 * DAY)
        self.assertEqual(fwd.wait(30), -signal.SIGKILL, f"the forwarder died at {step}")
        self.assert_a_working_key_everywhere(sim, hook_dir, f"killed at {step}")
        if step in ("after_on_rotate", "after_delete_previous"):
            self.assertIsNotNone(self.hook_key(hook_dir), "the hook ran before this step")
        fwd2 = self.start(name=f"{step}-2")
        s = self.wait_hook_holds_current(sim, hook_dir)
        self.assertNotEqual(s["current"]["id"], initial)
        wait_until(lambda: self.sim_keys(sim)[initial]["deleted"], 30, "the previous key deleted")
        self.assert_a_working_key_everywhere(sim, hook_dir, f"after the restart from {step}")
        sim.add_events(100)
        self.wait_all_events(sim)  # forwarding with the new key (and past start-up, so SIGTERM is handled)
        fwd2.signal(signal.SIGTERM)
        self.assertEqual(fwd2.wait(30), 0)
        sim.close()


if __name__ == "__main__":
    unittest.main()

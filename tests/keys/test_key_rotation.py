"""End to end: rotation of the service user's API key against scaleft-sim, with its clock moved forward."""
import json
import os
import signal
import sys
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import ForwarderTest, Process, ScaleftSim, FORWARDER, ndjson_ids, wait_until, write_config  # noqa: E402

DAY = 86400
# The steps of the rotation where SF_TEST_CRASH_AT can kill the forwarder (daemon/keys/crash_point.hpp).
CRASH_STEPS = ["before_create", "after_create", "after_persist", "after_verify", "after_switch",
               "after_delete_previous"]


class KeyRotationTest(ForwarderTest):
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

    def configure(self, sim, expire_previous="after_verify"):
        sinks = f"  - name: archive\n    type: file\n    path: {self.out}\n"
        extra = (f"key_rotation:\n  enabled: true\n  max_age: 7d\n  expire_previous: {expire_previous}\n"
                 "http:\n  listen: \"\"\n")
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
            return expected.issubset(set(ndjson_ids(self.out)))
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

    # ---- the tests ----

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

    def test_kill9_at_each_step_then_restart(self):
        for step in CRASH_STEPS:
            with self.subTest(step=step):
                self.crash_and_recover(step)

    def crash_and_recover(self, step):
        workdir = os.path.join(self.tmp, step)
        os.makedirs(workdir)
        self.state_dir = os.path.join(workdir, "state")
        self.creds_path = os.path.join(self.state_dir, "credentials.json")
        self.out = os.path.join(workdir, "audit.ndjson")
        self.config_path = os.path.join(workdir, "forwarder.yaml")
        sim = self.start_sim(workdir=workdir)  # its own port file and credentials
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


if __name__ == "__main__":
    unittest.main()

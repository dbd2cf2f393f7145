"""End to end: scaleft-sim -> scaleft-forwarder -> NDJSON file, with restarts, SIGTERM and kill -9."""
import collections
import json
import os
import random
import signal
import stat
import time
import unittest

from harness import ForwarderTest, ndjson_ids, wait_until, write_config


class FilePipelineTest(ForwarderTest):
    def file_sink(self):
        self.out = os.path.join(self.tmp, "out", "audit.ndjson")
        return f"  - name: archive\n    type: file\n    path: {self.out}\n"

    def checkpoint(self):
        with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
            return json.load(f)

    def test_twenty_thousand_events_arrive_exactly_once(self):
        sim = self.start_scaleft_sim(events=20000)
        # An interval longer than the run: pages after the first are committed only by the run's end, and a
        # --once run still ends when caught up (no wake left set holds it).
        write_config(self.config_path, sim, self.state_dir, self.file_sink(), extra="checkpoint_interval: 1h\n")
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-2000:])
        expected = sim.event_ids()
        self.assertEqual(len(expected), 20000)
        got = ndjson_ids(self.out)
        self.assertEqual(got, expected, "the file holds every event once, in API order")
        self.assertEqual(self.checkpoint()["event_id"], expected[-1])
        # Each line is an ECS document for its event.
        with open(self.out) as f:
            first = json.loads(f.readline())
        self.assertIn("@timestamp", first)
        self.assertEqual(first["event"]["kind"], "event")
        self.assertIn("details", first["scaleft"])

    def test_restart_resumes_without_gaps_or_repeats(self):
        sim = self.start_scaleft_sim(events=5000)
        write_config(self.config_path, sim, self.state_dir, self.file_sink())
        fwd = self.start_forwarder()
        wait_until(lambda: len(ndjson_ids(self.out, writer_running=True)) >= 5000, 60, "the first 5000 events")
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(30), 0, "SIGTERM ends the forwarder with status 0")
        sim.add_events(3000)
        fwd2 = self.start_forwarder("--once", name="forwarder2")
        self.assertEqual(fwd2.wait(60), 0, fwd2.output()[-2000:])
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())
        self.assertIn("resuming after the checkpoint", fwd2.output())

    def test_kill9_loop_loses_nothing(self):
        sim = self.start_scaleft_sim(events=20000, rate=400)
        # Every page committed as it is delivered, so that a kill repeats at most what was in flight (the
        # default 1 s interval adds what one interval delivered).
        write_config(self.config_path, sim, self.state_dir, self.file_sink(), extra="checkpoint_interval: 0s\n")
        rng = random.Random(1234)
        kills = 0
        for round_no in range(6):
            fwd = self.start_forwarder(name=f"forwarder-{round_no}")
            time.sleep(rng.uniform(0.3, 1.5))
            fwd.kill9()
            kills += 1
        fwd = self.start_forwarder(name="forwarder-final")
        time.sleep(1.0)
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(30), 0, fwd.output()[-2000:])
        # Drain what arrived after the last run. The simulator keeps adding events, so the drain must hold at
        # least every event the service had when it started; later ones may or may not have made it.
        expected = sim.event_ids()
        last = self.start_forwarder("--once", name="forwarder-drain")
        self.assertEqual(last.wait(120), 0, last.output()[-2000:])
        got = ndjson_ids(self.out)
        held_by_service = set(sim.event_ids())
        counts = collections.Counter(got)
        missing = [i for i in expected if i not in counts]
        self.assertEqual(missing, [], f"{len(missing)} events missing after {kills} kill -9")
        self.assertTrue(set(got) <= held_by_service, "no event the service does not hold")
        repeats = sum(c - 1 for c in counts.values())
        # A kill can only repeat the batches in flight at that moment: at most two pages per kill
        # (one being written, one queued).
        self.assertLessEqual(repeats, kills * 2 * 1000, f"{repeats} repeated events for {kills} kills")
        print(f"kill -9 loop: {kills} kills, {len(expected)} events, {repeats} repeated lines")

    def test_faults_from_the_service_are_retried(self):
        sim = self.start_scaleft_sim(events=6000, extra=[
            "--fault", "audits:500:p=0.15", "--fault", "audits:429:p=0.1", "--fault", "audits:reset_body:p=0.1",
            "--fault", "audits:truncate:p=0.1", "--fault", "audits:invalid_json:p=0.05",
            "--fault", "audits:expire_token:p=0.1", "--fault", "token:503:n=2"])
        write_config(self.config_path, sim, self.state_dir, self.file_sink())
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        self.assertEqual(ndjson_ids(self.out), sim.event_ids())
        out = fwd.output()
        self.assertIn("malformed audit page", out)
        self.assertIn("transient error", out)

    def test_corrupt_checkpoint_is_reported_not_guessed(self):
        sim = self.start_scaleft_sim(events=100)
        write_config(self.config_path, sim, self.state_dir, self.file_sink())
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        with open(os.path.join(self.state_dir, "checkpoint.json"), "w") as f:
            f.write('{"version":1,"event_id":"abc",')  # torn by hand
        fwd = self.start_forwarder()
        self.assertEqual(fwd.wait(30), 1, "a corrupt checkpoint stops the start, with status 1")
        out = fwd.output()
        self.assertIn("checkpoint.json", out)
        self.assertIn("start_at", out, "the message says how to recover")
        self.assertFalse(os.path.exists(self.out) and ndjson_ids(self.out), "nothing was shipped from a guess")

    def test_second_signal_exits_at_once_with_a_whole_checkpoint(self):
        sim = self.start_scaleft_sim(events=20000)
        write_config(self.config_path, sim, self.state_dir, self.file_sink(), extra="shutdown_grace: 30s\n")
        fwd = self.start_forwarder()
        wait_until(lambda: os.path.exists(os.path.join(self.state_dir, "checkpoint.json")), 30, "a checkpoint")
        fwd.signal(signal.SIGTERM)
        fwd.signal(signal.SIGTERM)
        started = time.monotonic()
        code = fwd.wait(10)
        self.assertLess(time.monotonic() - started, 5, "the second signal does not wait for the grace")
        self.assertIn(code, (0, 1))
        cp = self.checkpoint()  # still whole JSON
        ids = sim.event_ids()
        self.assertIn(cp["event_id"], ids)
        got = ndjson_ids(self.out)
        self.assertTrue(set(ids[: ids.index(cp["event_id"]) + 1]) <= set(got),
                        "every event up to the checkpoint is in the file")

    def test_state_and_secrets(self):
        sim = self.start_scaleft_sim(events=100)
        write_config(self.config_path, sim, self.state_dir, self.file_sink())
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(60), 0, fwd.output()[-2000:])
        self.assertEqual(stat.S_IMODE(os.stat(self.state_dir).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.state_dir, "checkpoint.json")).st_mode) & 0o077, 0)
        with open(sim.key_secret_file()) as f:
            secret = f.read().strip()
        self.assertNotIn(secret, fwd.output(), "the key secret never appears in the log")
        checked = self.run_forwarder_cmd("check-config", "--config", self.config_path)
        self.assertEqual(checked.returncode, 0, checked.stderr)
        self.assertNotIn(secret, checked.stdout + checked.stderr)
        self.assertIn("<redacted>", checked.stdout)


class CommandLineTest(ForwarderTest):
    def test_help_and_version(self):
        r = self.run_forwarder_cmd("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("check-config", r.stdout)
        r = self.run_forwarder_cmd("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"scaleft-forwarder \d+\.\d+\.\d+")

    def test_configuration_errors_exit_2_with_every_error(self):
        with open(self.config_path, "w") as f:
            f.write("source:\n  url: http://example.com\n  team: acme\n  page_size: 5000\n  bogus: 1\n"
                    "state_dir: /tmp/x\nsinks: []\n")
        r = self.run_forwarder_cmd("run", "--config", self.config_path)
        self.assertEqual(r.returncode, 2)
        for needle in ["source.page_size", "source.bogus", "source.url", ":4:", ":5:"]:
            self.assertIn(needle, r.stderr)

    def test_unknown_command(self):
        r = self.run_forwarder_cmd("frobnicate", "--config", "x")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command", r.stderr)

    def test_unreachable_source_keeps_retrying_and_stops_on_sigterm(self):
        with open(self.config_path, "w") as f:
            f.write(f"source:\n  url: http://127.0.0.1:1\n  team: acme\n  key_id: k\n  key_secret: s\n"
                    f"  request_timeout: 1s\nstate_dir: {self.state_dir}\nretry:\n  initial_backoff: 50ms\n"
                    f"  max_backoff: 200ms\nsinks:\n  - name: a\n    type: file\n    path: {self.tmp}/o.ndjson\n"
                    f"http:\n  listen: \"\"\n")
        fwd = self.start_forwarder()
        wait_until(lambda: "retrying" in fwd.output(), 20, "a retry message")
        self.assertTrue(fwd.alive(), "a failing source does not end the daemon")
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(15), 0)
        self.assertIn("cannot connect", fwd.output())


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""End to end for the file sink: SIGHUP after logrotate's move, rotation with zstd, and a full disk (sink or state)."""
import errno
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from harness import FORWARDER, ForwarderTest, Process, ndjson_ids, wait_until, write_config  # noqa: E402


def whole_lines(path):
    """Lines already ended by a newline (the forwarder may be mid-write while a test polls)."""
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


def checkpoint_id(state_dir):
    try:
        with open(os.path.join(state_dir, "checkpoint.json")) as f:
            return json.load(f)["event_id"]
    except (FileNotFoundError, ValueError):
        return None


def fill(directory):
    """Writes a filler file until the file system says ENOSPC; returns its path."""
    path = os.path.join(directory, "filler")
    with open(path, "wb", buffering=0) as f:
        chunk = b"\0" * 65536
        while True:
            try:
                f.write(chunk)
            except OSError as e:
                if e.errno != errno.ENOSPC:
                    raise
                break
        # The last partial chunk may have fitted byte by byte: take those too, so nothing is left.
        while True:
            try:
                if f.write(b"\0" * 512) == 0:
                    break
            except OSError:
                break
    return path


def ids_between_attempts(path):
    """The events in `path`, read when no write attempt is under way. A failing attempt writes part of its
    batch and cuts it off again within the same attempt (milliseconds); a read that meets one (a torn last line,
    or lines) is taken again 50 ms later, up to three times. An attempt lasts milliseconds and the next one
    waits at least half the backoff (25 ms here, growing), so four reads in a row do not all meet one: what
    the last of them sees is stored."""
    for _ in range(3):
        try:
            ids = ndjson_ids(path)
            if not ids:
                return ids
        except AssertionError:
            pass
        time.sleep(0.05)
    return ndjson_ids(path)


class FileSinkEndToEnd(ForwarderTest):
    def sink_yaml(self, path, extra=""):
        return f"  - name: archive\n    type: file\n    path: {path}\n{extra}"

    def start(self, env_extra=None, name="forwarder"):
        env = dict(os.environ)
        env.update(env_extra or {})
        p = Process([FORWARDER, "run", "--config", self.config_path], os.path.join(self.tmp, f"{name}.log"), env=env)
        self.processes.append(p)
        return p

    def stop(self, fwd):
        fwd.signal(signal.SIGTERM)
        self.assertEqual(fwd.wait(30), 0, fwd.output()[-3000:])

    def test_sighup_after_mv_writes_a_new_file_and_loses_nothing(self):
        sim = self.start_scaleft_sim(events=3000, rate=300)
        out = os.path.join(self.tmp, "out", "audit.ndjson")
        moved = out + ".1"
        write_config(self.config_path, sim, self.state_dir, self.sink_yaml(out))
        fwd = self.start()
        wait_until(lambda: whole_lines(out) >= 3000, 60, "the first 3000 events")
        os.rename(out, moved)  # logrotate's create mode: move, then SIGHUP
        fwd.signal(signal.SIGHUP)
        wait_until(lambda: "file sink reopened" in fwd.output(), 20, "the reopen to be logged")
        self.assertTrue(fwd.alive(), "SIGHUP does not end the forwarder")
        wait_until(lambda: whole_lines(out) >= 100, 30, "new events in a new file at the path")
        moved_size = os.path.getsize(moved)
        time.sleep(1.0)
        self.assertEqual(os.path.getsize(moved), moved_size, "the moved file is let go after the reopen")
        self.stop(fwd)
        before_drain = sim.event_ids()  # the simulator keeps adding events; the drain catches up past these
        drain = self.start_forwarder("--once", name="drain")
        self.assertEqual(drain.wait(60), 0, drain.output()[-3000:])
        got = ndjson_ids(moved) + ndjson_ids(out)
        self.assertGreaterEqual(len(got), len(before_drain))
        self.assertEqual(got, sim.event_ids()[:len(got)], "every event once, in order, across the two files")
        self.assertGreater(len(ndjson_ids(out)), 100)

    def test_rotation_by_size_with_zstd_reads_back_with_zstdcat(self):
        sim = self.start_scaleft_sim(events=6000)
        out_dir = os.path.join(self.tmp, "out")
        out = os.path.join(out_dir, "audit.ndjson.zst")
        write_config(self.config_path, sim, self.state_dir,
                     self.sink_yaml(out, "    compression: zstd\n    rotate_bytes: 64KiB\n"))
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        rotated = sorted(f for f in os.listdir(out_dir) if f != "audit.ndjson.zst")
        self.assertGreaterEqual(len(rotated), 2, os.listdir(out_dir))
        ids = []
        for name in rotated + ["audit.ndjson.zst"]:
            self.assertRegex(name, r"^audit(-\d{8}T\d{6}\.\d{3}Z(\.\d+)?)?\.ndjson\.zst$")
            text = subprocess.run(["zstdcat", os.path.join(out_dir, name)], capture_output=True, check=True,
                                  timeout=60).stdout
            self.assertTrue(text.endswith(b"\n"), name)
            ids += [json.loads(line)["event"]["id"] for line in text.split(b"\n")[:-1]]
        self.assertEqual(ids, sim.event_ids(), "name order is time order and no event is lost or repeated")
        self.assertIn("file sink rotated its file", fwd.output())

    # ---- full disk ----

    def _full_disk(self, where, use_tmpfs):
        """`where` is "sink" or "state": that directory's disk is full until the test frees it."""
        full_dir = os.path.join(self.tmp, "fulldisk-" + where)
        os.makedirs(full_dir)
        env = {}
        if use_tmpfs:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", full_dir],
                               capture_output=True, text=True, timeout=30)
            if r.returncode != 0:
                self.skipTest(f"cannot mount a tmpfs here ({r.stderr.strip()}); the SF_TEST_FAIL_WRITES variant runs")
            self.addCleanup(subprocess.run, ["umount", "-l", full_dir], capture_output=True, timeout=30)
        else:
            flag = os.path.join(self.tmp, "disk-is-full")
            open(flag, "w").close()
            env = {"SF_TEST_FAIL_WRITES": os.path.basename(full_dir), "SF_TEST_FAIL_WRITES_WHILE": flag}
        out = os.path.join(full_dir if where == "sink" else self.tmp, "out", "audit.ndjson")
        state_dir = os.path.join(full_dir, "state") if where == "state" else self.state_dir
        os.makedirs(os.path.dirname(out), exist_ok=True)
        os.makedirs(state_dir, mode=0o700, exist_ok=True)
        sim = self.start_scaleft_sim(events=2000)
        write_config(self.config_path, sim, state_dir, self.sink_yaml(out))
        filler = fill(full_dir) if use_tmpfs else None

        fwd = self.start(env)
        expected_error = ("file sink cannot store a batch" if where == "sink" else "cannot write the checkpoint")
        wait_until(lambda: expected_error in fwd.output(), 30, f"the {where} disk error to be logged")
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:  # a while on a full disk: alive, and the checkpoint never ahead
            self.assertTrue(fwd.alive(), fwd.output()[-3000:])
            cp = checkpoint_id(state_dir)
            if where == "sink":
                self.assertEqual(ids_between_attempts(out), [], "nothing is stored while the sink's disk is full")
            self.assertIsNone(cp, "the checkpoint does not advance while a disk is full")
            time.sleep(0.2)
        log = fwd.output()
        self.assertIn("No space left on device", log, "the error names the cause")
        if where == "sink":
            self.assertIn("will be retried", log)

        if use_tmpfs:
            os.unlink(filler)
        else:
            os.unlink(flag)
        expected = sim.event_ids()
        try:
            wait_until(lambda: checkpoint_id(state_dir) == expected[-1], 60, "recovery: the checkpoint reaches the end")
        except AssertionError as e:
            raise AssertionError(f"{e}; stored {len(ndjson_ids(out))} of {len(expected)}; forwarder log:\n"
                                 f"{fwd.output()[-3000:]}") from None
        self.assertEqual(ndjson_ids(out), expected, "every event arrives once space returns")
        if where == "sink":
            self.assertIn("file sink write recovered", fwd.output())
        self.stop(fwd)

    def test_full_sink_disk_on_tmpfs(self):
        self._full_disk("sink", use_tmpfs=True)

    def test_full_state_disk_on_tmpfs(self):
        self._full_disk("state", use_tmpfs=True)

    def test_full_sink_disk_with_the_test_switch(self):
        self._full_disk("sink", use_tmpfs=False)

    def test_full_state_disk_with_the_test_switch(self):
        self._full_disk("state", use_tmpfs=False)


if __name__ == "__main__":
    unittest.main()

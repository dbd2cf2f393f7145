"""Backfill end to end: the real scaleft-forwarder backfill against scaleft-sim and es-sim over loopback."""
import datetime
import glob
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))

from harness import FORWARDER, ForwarderTest, Process, ndjson_ids, wait_until, write_config  # noqa: E402

PAGE = 1000


def ts_ns(text):
    """RFC 3339 UTC with up to 9 fraction digits -> integer nanoseconds (exact; floats would round)."""
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z", text)
    secs = int(datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
               .replace(tzinfo=datetime.timezone.utc).timestamp())
    return secs * 1_000_000_000 + int((m.group(2) or "0").ljust(9, "0"))


def rfc3339(ns):
    secs, frac = divmod(ns, 1_000_000_000)
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def served_events(sim):
    """Every event the API serves, oldest first, as (id, timestamp ns): read through the API itself."""
    with open(sim.key_secret_file()) as f:
        secret = f.read()
    body = json.dumps({"key_id": sim.key_id(), "key_secret": secret}).encode()
    req = urllib.request.Request(sim.url + "/v1/teams/acme/service_token", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        token = json.loads(r.read())["bearer_token"]
    events, offset = [], ""
    for _ in range(10000):
        q = f"?count={PAGE}" + (f"&offset={urllib.parse.quote(offset, safe='')}" if offset else "")
        req = urllib.request.Request(sim.url + "/v1/teams/acme/auditsV2" + q,
                                     headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=10) as r:
            page = json.loads(r.read())["list"]
        if not page:
            return events
        events += [(e["id"], ts_ns(e["timestamp"])) for e in page]
        offset = page[-1]["id"]
    raise AssertionError("the event list did not end")


def in_window(events, since, until):
    return [i for i, t in events if since <= t < until]


def summary_number(out, label):
    m = re.search(rf"^  {label}:\s+(\d+)", out, re.M)
    if not m:
        raise AssertionError(f"no '{label}' in the summary:\n{out}")
    return int(m.group(1))


def request_figures(out):
    m = re.search(r"requests:\s+(\d+) \(search (\d+); minimum for this window (\d+)", out)
    if not m:
        raise AssertionError(f"no request figures in the summary:\n{out}")
    return tuple(int(x) for x in m.groups())


class BackfillTest(ForwarderTest):
    def setUp(self):
        super().setUp()
        self.out = os.path.join(self.tmp, "backfill.ndjson")

    def file_config(self, sim, extra=""):
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: archive\n    type: file\n    path: {self.out}\n    fsync: false\n", extra=extra)

    @staticmethod
    def es_sink(es, name="elk"):
        return (f"  - name: {name}\n    type: elasticsearch\n    url: {es.url}\n    index: scaleft-audit\n"
                f"    request_timeout: 5s\n")

    @staticmethod
    def es_ids(es):
        return es.get("/_sim/ids?index=scaleft-audit").decode().split()

    def backfill(self, *args, timeout=120):
        r = self.run_forwarder_cmd("backfill", "--config", self.config_path, *args, timeout=timeout)
        self.last_output = r.stdout + r.stderr
        return r

    def assert_ok(self, r):
        self.assertEqual(r.returncode, 0, f"backfill failed:\n{r.stdout}\n{r.stderr[-3000:]}")

    def test_window_edges_are_exact_with_several_events_on_each_boundary(self):
        sim = self.start_scaleft_sim(events=4000, extra=["--span", "2d"])
        # Bursts added at once share their timestamp (and some pre-loaded events share theirs, too).
        for _ in range(3):
            sim.add_events(4)
            time.sleep(0.05)
        events = served_events(sim)
        counts = {}
        for _, t in events:
            counts[t] = counts.get(t, 0) + 1
        shared = sorted(t for t, n in counts.items() if n >= 2)
        self.assertGreaterEqual(len(shared), 4, "the simulator gave too few shared timestamps to test the edges")
        since, until = shared[len(shared) // 4], shared[-2]
        self.assertLess(since, until)
        expected = in_window(events, since, until)
        self.file_config(sim)
        r = self.backfill("--since", rfc3339(since), "--until", rfc3339(until))
        self.assert_ok(r)
        got = ndjson_ids(self.out)
        self.assertEqual(got, expected)  # every event at `since` in, every event at `until` out, in order
        self.assertEqual(summary_number(r.stdout, "events"), len(expected))
        self.assertIn(f"sink archive: stored {len(expected)}, duplicates 0, dead-lettered 0", r.stdout)
        # The daemon's checkpoint is neither read nor written.
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, "checkpoint.json")))

    def test_an_empty_window_ships_nothing_and_exits_zero(self):
        sim = self.start_scaleft_sim(events=3000, extra=["--span", "1d"])
        events = served_events(sim)
        # A gap between two neighbours with different timestamps.
        i = next(k for k in range(len(events) // 2, len(events) - 1) if events[k + 1][1] - events[k][1] > 2)
        self.file_config(sim)
        r = self.backfill("--since", rfc3339(events[i][1] + 1), "--until", rfc3339(events[i + 1][1]))
        self.assert_ok(r)
        self.assertEqual(ndjson_ids(self.out), [])
        self.assertEqual(summary_number(r.stdout, "events"), 0)
        requests, _, minimum = request_figures(r.stdout)
        self.assertEqual(minimum, 1)
        self.assertLessEqual(requests, 3)  # newest page, oldest page, then at most one more

    def test_a_window_older_than_retention_warns_and_ships_what_is_left(self):
        sim = self.start_scaleft_sim(events=3000, extra=["--span", "120d", "--retention", "90d"])
        events = served_events(sim)
        self.assertLess(len(events), 3000)  # the simulator does hide the oldest quarter
        now = time.time_ns()
        since, until = now - 100 * 86400 * 10**9, now - 60 * 86400 * 10**9
        expected = in_window(events, since, until)
        self.assertGreater(len(expected), 100)
        self.file_config(sim)
        r = self.backfill("--since", rfc3339(since), "--until", rfc3339(until))
        self.assert_ok(r)
        self.assertIn("keeps only 90 days", r.stderr)
        self.assertEqual(ndjson_ids(self.out), expected)
        requests, _, minimum = request_figures(r.stdout)
        self.assertLessEqual(requests, minimum + 1)

    def test_resume_after_kill_9_ships_every_event_once_into_elasticsearch(self):
        sim = self.start_scaleft_sim(events=40000, extra=["--span", "10d"])
        es = self.start_es_sim(faults=["bulk:delay=150ms"])
        events = served_events(sim)
        since = events[5000][1]
        expected = set(in_window(events, since, time.time_ns()))
        write_config(self.config_path, sim, self.state_dir, self.es_sink(es))
        args = ["backfill", "--config", self.config_path, "--since", rfc3339(since)]  # --until: now
        first = Process([FORWARDER, *args], os.path.join(self.tmp, "backfill-1.log"))
        self.processes.append(first)

        def shipped_some():
            for path in glob.glob(os.path.join(self.state_dir, "backfill", "*.json")):
                with open(path) as f:
                    p = json.load(f)
                if p["events"] >= 5000:
                    return p
            return None

        before = wait_until(shipped_some, 60, "the first run to ship some events")
        first.kill9()
        self.assertLess(before["events"], len(expected), "the first run finished before it was killed")
        stored_before = len(self.es_ids(es))
        r = self.backfill("--since", rfc3339(since), timeout=300)
        self.assert_ok(r)
        self.assertIn("resuming the backfill", r.stderr)
        ids = self.es_ids(es)
        self.assertEqual(len(ids), len(set(ids)))
        self.assertEqual(set(ids), expected)
        # The second run continued: it did not send everything again (at most the page in flight was repeated).
        dup = int(re.search(r"duplicates (\d+)", r.stdout).group(1))
        self.assertLessEqual(dup, PAGE)
        self.assertEqual(summary_number(r.stdout, "events"), len(expected))  # totals over both runs
        self.assertGreaterEqual(stored_before, before["events"])
        # --restart starts over: every event is sent again and Elasticsearch answers "already there".
        r = self.backfill("--since", rfc3339(since), "--restart", timeout=300)
        self.assert_ok(r)
        self.assertIn(f"sink elk: stored 0, duplicates {len(expected)}, dead-lettered 0", r.stdout)

    def test_beside_the_daemon_each_id_is_stored_once(self):
        sim = self.start_scaleft_sim(events=20000, rate=40, extra=["--span", "5d"])
        es = self.start_es_sim()
        events = served_events(sim)
        since = events[len(events) // 2][1]
        write_config(self.config_path, sim, self.state_dir, self.es_sink(es))
        daemon = self.start_forwarder()
        bf = Process([FORWARDER, "backfill", "--config", self.config_path, "--since", rfc3339(since)],
                     os.path.join(self.tmp, "backfill.log"))
        self.processes.append(bf)
        self.assertEqual(bf.wait(180), 0, bf.output()[-3000:])
        out = bf.output()
        # Let the daemon catch up with everything the simulator holds, then compare.
        time.sleep(1)
        sim_ids = sim.event_ids()
        wait_until(lambda: set(sim_ids) <= set(self.es_ids(es)), 120, "the daemon to catch up")
        daemon.signal(signal.SIGTERM)
        daemon.wait(30)
        ids = self.es_ids(es)
        self.assertEqual(len(ids), len(set(ids)))
        self.assertLessEqual(set(sim_ids), set(ids))  # everything up to the snapshot, once
        self.assertLessEqual(set(ids), set(sim.event_ids()))  # and nothing else (the simulator kept adding)
        window = summary_number(out, "events")
        m = re.search(r"sink elk: stored (\d+), duplicates (\d+), dead-lettered 0", out)
        self.assertIsNotNone(m, out)
        self.assertEqual(int(m.group(1)) + int(m.group(2)), window)
        print(f"\nbeside the daemon: {window} events, stored {m.group(1)}, duplicates {m.group(2)}", file=sys.stderr)
        # The checkpoint belongs to the daemon alone.
        with open(os.path.join(self.state_dir, "checkpoint.json")) as f:
            self.assertIn(json.load(f)["event_id"], set(sim.event_ids()))

    def test_rate_limit_waits_are_reported_and_only_named_sinks_are_used(self):
        sim = self.start_scaleft_sim(events=3000, extra=["--span", "1d"])
        events = served_events(sim)
        sim.faults(["audits:429:n=2"])  # each says Retry-After: 1
        other = os.path.join(self.tmp, "other.ndjson")
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: archive\n    type: file\n    path: {self.out}\n"
                     f"  - name: other\n    type: file\n    path: {other}\n")
        since = events[100][1]
        r = self.backfill("--since", rfc3339(since), "--sink", "archive")
        self.assert_ok(r)
        self.assertIn("rate limit", r.stderr)
        self.assertEqual(ndjson_ids(self.out), in_window(events, since, time.time_ns()))
        self.assertFalse(os.path.exists(other) and os.path.getsize(other) > 0)
        r = self.backfill("--since", rfc3339(since), "--sink", "nope")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no sink named 'nope'", r.stderr)

    def test_short_pages_and_no_last_next_link_never_end_the_search_or_the_walk(self):
        # The service may send a page shorter than count while more events exist, and (most likely) no next
        # link on its last page: only an empty page is the end.
        sim = self.start_scaleft_sim(events=12000, extra=["--span", "10d", "--omit-last-next"])
        events = served_events(sim)
        self.file_config(sim)
        since, until = events[3000][1], events[8000][1]
        expected = in_window(events, since, until)
        # A short newest page used to end the search: "backfill complete" with events: 0.
        sim.faults(["audits:short_page:n=1"])
        r = self.backfill("--since", rfc3339(since), "--until", rfc3339(until))
        self.assert_ok(r)
        self.assertEqual(ndjson_ids(self.out), expected)
        self.assertEqual(summary_number(r.stdout, "events"), len(expected))
        # Short pages anywhere in the search and the walk.
        sim.faults(["audits:short_page:p=0.4"])
        os.unlink(self.out)
        r = self.backfill("--since", rfc3339(since), "--until", rfc3339(until), "--restart")
        self.assert_ok(r)
        self.assertEqual(ndjson_ids(self.out), expected)
        # From before the retention to now: a walk whose window's newest event is unknown, which a short page
        # used to end; it ends on the empty page.
        os.unlink(self.out)
        since = time.time_ns() - 100 * 86400 * 10**9
        r = self.backfill("--since", rfc3339(since))
        self.assert_ok(r)
        self.assertEqual(ndjson_ids(self.out), [i for i, _ in events])
        self.assertGreaterEqual(sim.state()["faults_injected"]["short_page"], 3)

    def test_request_count_stays_close_to_the_minimum(self):
        sim = self.start_scaleft_sim(events=30000, extra=["--span", "30d"])
        events = served_events(sim)
        n = len(events)
        now = time.time_ns()
        day = 86400 * 10**9
        cases = {
            "last two days, until now": (now - 2 * day, None),
            "the oldest two days": (events[0][1], events[0][1] + 2 * day),
            "two days in the middle": (events[n // 2][1], events[n // 2][1] + 2 * day),
        }
        self.file_config(sim)
        for name, (since, until) in cases.items():
            with self.subTest(name):
                if os.path.exists(self.out):
                    os.unlink(self.out)
                args = ["--since", rfc3339(since)] + (["--until", rfc3339(until)] if until else [])
                r = self.backfill(*args)
                self.assert_ok(r)
                top = until or now
                expected = in_window(events, since, top)
                self.assertEqual(ndjson_ids(self.out), expected)
                requests, search, minimum = request_figures(r.stdout)
                self.assertEqual(minimum, max(1, math.ceil(len(expected) / PAGE)))
                # No client can skip events without reading them: reaching `since` costs the pages from the
                # nearer end of the history (newest-first or oldest-first), the window costs its pages.
                before = sum(1 for _, t in events if t < since)
                after = sum(1 for _, t in events if t >= top)
                reach = min(math.ceil(before / PAGE), math.ceil(after / PAGE))
                print(f"\n{name}: {len(expected)} events, {requests} requests (search {search}), "
                      f"minimum {minimum}, from the nearer end {reach} more", file=sys.stderr)
                self.assertLessEqual(requests, minimum + reach + 2)
                if after == 0:
                    # At the newest end: newest-first pages straight down to `since`, shipped from memory;
                    # the one request over the minimum is the page that holds the event before `since`.
                    self.assertLessEqual(requests, minimum + 1)
                if before == 0:
                    # At the oldest end: the newest page was looked at first (nothing says where the history
                    # starts before one request), then oldest-first up to the first event at `until`.
                    self.assertLessEqual(requests, minimum + 2)


if __name__ == "__main__":
    unittest.main()

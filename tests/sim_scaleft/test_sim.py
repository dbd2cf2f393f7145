# Black-box tests of scaleft-sim over loopback: every rule of the spec, checked with a plain HTTP client.
import datetime
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import unittest
import urllib.parse

import simclient
from simclient import Sim, parse_links

NANO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$")
EXPIRED_BODY = {"error": {"code": "authentication_error", "message": "Authentication token expired"}}
REF_FIELDS = ("actor", "client", "target_server", "target_user", "project", "group")


def parse_ts(text):
    """RFC 3339 with nanoseconds -> integer nanoseconds since the epoch."""
    main, _, frac = text.rstrip("Z").partition(".")
    dt = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp()) * 10**9 + int((frac or "0").ljust(9, "0"))


class SimCase(unittest.TestCase):
    ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(*cls.ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()


class TokenTests(SimCase):
    def test_exchange_returns_token_with_nanosecond_expiry_about_an_hour_ahead(self):
        r = self.sim.token_response(*self.sim.credentials())
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(set(body), {"bearer_token", "expires_at", "team_name"})
        self.assertEqual(body["team_name"], "acme")
        self.assertRegex(body["expires_at"], NANO_TS)
        # Against the simulated clock: another test in this class may have moved it forward.
        ahead = (parse_ts(body["expires_at"]) - parse_ts(self.sim.state()["clock"]["now"])) / 1e9
        self.assertTrue(3590 < ahead <= 3600, ahead)
        self.assertEqual(self.sim.audits(body["bearer_token"], count=1).status, 200)

    def test_wrong_secret_and_unknown_key_are_401(self):
        key_id, secret = self.sim.credentials()
        r = self.sim.token_response(key_id, secret[:-2] + ("AA" if not secret.endswith("AA") else "BB"))
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"]["code"], "authentication_error")
        self.assertEqual(self.sim.token_response("6052868b-1b04-4a14-8288-e6496d7f2f4b", secret).status, 401)

    def test_malformed_body_is_400_and_wrong_content_type_415(self):
        path = "/v1/teams/acme/service_token"
        for body in ("{", '{"key_id": 5, "key_secret": "x"}', '{"key_id": "a"}', "[]", '{"key_id":"a","key_secret":"b"} x'):
            r = self.sim.request("POST", path, body, {"Content-Type": "application/json"})
            self.assertEqual(r.status, 400, body)
            self.assertEqual(r.json()["error"]["code"], "invalid_request")
        key_id, secret = self.sim.credentials()
        r = self.sim.request("POST", path, json.dumps({"key_id": key_id, "key_secret": secret}),
                             {"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415)
        self.assertEqual(r.json()["error"]["code"], "unsupported_content_type")

    def test_unknown_team_is_404(self):
        r = self.sim.token_response(*self.sim.credentials(), team="other")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"]["code"], "resource_does_not_exist")

    def test_bad_missing_or_expired_token_is_401_with_expired_body(self):
        r = self.sim.audits("not-a-token")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), EXPIRED_BODY)
        self.assertEqual(self.sim.get("/v1/teams/acme/auditsV2").status, 401)
        token = self.sim.token()
        self.sim.control("POST", "/_sim/tokens/expire")
        r = self.sim.audits(token)
        self.assertEqual((r.status, r.json()), (401, EXPIRED_BODY))
        self.assertEqual(self.sim.state()["live_tokens"], 0)
        self.assertEqual(self.sim.audits(self.sim.token()).status, 200)

    def test_clock_advance_expires_tokens(self):
        token = self.sim.token()
        before = parse_ts(self.sim.state()["clock"]["now"])
        self.sim.control("POST", "/_sim/clock/advance?seconds=3601")
        after = parse_ts(self.sim.state()["clock"]["now"])
        self.assertGreaterEqual(after - before, 3601 * 10**9)
        self.assertEqual(self.sim.audits(token).status, 401)
        self.assertEqual(self.sim.audits(self.sim.token()).status, 200)


class PagingTests(SimCase):
    ARGS = ("--events", "2500", "--seed", "1", "--odd-rate", "0.05")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sim.token()
        cls.all_ids = cls.sim.ids()

    def page(self, **params):
        r = self.sim.audits(self.token, **params)
        self.assertEqual(r.status, 200, r.body)
        return r, r.json()

    def test_following_next_links_yields_every_id_once_in_order_then_an_empty_page(self):
        r, body = self.page(count=1000)
        seen, sizes = [], []
        for _ in range(10):
            sizes.append(len(body["list"]))
            seen += [e["id"] for e in body["list"]]
            links = parse_links(r.headers["Link"])
            nxt = links["next"]
            self.assertTrue(nxt.startswith(self.sim.base + "/v1/teams/acme/auditsV2?"), nxt)
            self.assertIn("count=1000", nxt)
            if not body["list"]:
                break
            r = self.sim.get(nxt, self.token)
            body = r.json()
        self.assertEqual(sizes, [1000, 1000, 500, 0])
        self.assertEqual(seen, self.all_ids)
        self.assertEqual(body, {"list": [], "related_objects": {}})
        # The empty page repeats its offset in the next link, so only the empty list ends the walk.
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(parse_links(r.headers["Link"])["next"]).query)
        self.assertEqual(query["offset"], [self.all_ids[-1]])

    def test_offset_is_exclusive_and_count_defaults_and_clamps(self):
        _, body = self.page(offset=self.all_ids[10], count=5)
        self.assertEqual([e["id"] for e in body["list"]], self.all_ids[11:16])
        _, body = self.page()
        self.assertEqual(len(body["list"]), 100)
        r, body = self.page(count=5000)
        self.assertEqual(len(body["list"]), 1000)
        self.assertIn("count=1000", parse_links(r.headers["Link"])["next"])
        for bad in ("0", "-3", "ten"):
            r = self.sim.audits(self.token, count=bad)
            self.assertEqual(r.status, 400, bad)
            self.assertEqual(r.json()["error"]["code"], "invalid_request")

    def test_descending_and_prev(self):
        r, body = self.page(descending=True, count=10)
        self.assertEqual([e["id"] for e in body["list"]], self.all_ids[::-1][:10])
        nxt = parse_links(r.headers["Link"])["next"]
        self.assertIn("descending=true", nxt)
        body = self.sim.get(nxt, self.token).json()
        self.assertEqual([e["id"] for e in body["list"]], self.all_ids[::-1][10:20])
        _, body = self.page(offset=self.all_ids[50], prev=True, count=10)
        self.assertEqual([e["id"] for e in body["list"]], self.all_ids[40:50])
        _, body = self.page(offset=self.all_ids[50], prev=True, descending=True, count=10)
        self.assertEqual([e["id"] for e in body["list"]], self.all_ids[51:61][::-1])
        # A page's prev link leads back to the events just before it.
        r, body = self.page(offset=self.all_ids[99], count=10)
        prev = parse_links(r.headers["Link"])["prev"]
        back = self.sim.get(prev, self.token).json()
        self.assertEqual([e["id"] for e in back["list"]], self.all_ids[90:100])

    def test_links_without_a_host_header_use_the_listening_address(self):
        with socket.create_connection((self.sim.host, self.sim.port), timeout=5) as s:
            s.sendall(f"GET /v1/teams/acme/auditsV2?count=2 HTTP/1.0\r\nAuthorization: Bearer {self.token}\r\n\r\n"
                      .encode())
            data = b""
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode()
        self.assertTrue(head.startswith("HTTP/1.0 200"), head)
        link = next(l for l in head.split("\r\n") if l.lower().startswith("link:")).split(":", 1)[1]
        self.assertTrue(parse_links(link)["next"].startswith(self.sim.base + "/v1/teams/acme/auditsV2?count=2&"))

    def test_unknown_or_unescaped_offset_is_400(self):
        r = self.sim.audits(self.token, offset="AAAAAAAAAAAAAAAAAAAAAA==")
        self.assertEqual((r.status, r.json()["error"]["code"]), (400, "invalid_request"))
        plus = next(i for i in self.all_ids if "+" in i)
        r = self.sim.get("/v1/teams/acme/auditsV2?offset=" + plus, self.token)  # '+' not escaped: a space
        self.assertEqual(r.status, 400)

    def test_events_are_ordered_with_nanosecond_timestamps_and_some_shared(self):
        stamps = []
        for start in range(0, 2500, 1000):
            kw = {"count": 1000}
            if start:
                kw["offset"] = self.all_ids[start - 1]
            _, body = self.page(**kw)
            stamps += [e["timestamp"] for e in body["list"]]
        self.assertTrue(all(NANO_TS.match(s) for s in stamps))
        ns = [parse_ts(s) for s in stamps]
        self.assertEqual(ns, sorted(ns))
        self.assertGreater(len(ns) - len(set(ns)), 10)
        span_days = (ns[-1] - ns[0]) / 86400e9
        self.assertTrue(29 < span_days <= 30, span_days)

    def test_references_resolve_and_odd_cases_occur(self):
        _, body = self.page(count=1000)
        related = body["related_objects"]
        types, odd = set(), {"empty": 0, "missing": 0, "malformed": 0, "null": 0, "number": 0}
        for e in body["list"]:
            self.assertEqual(set(e), {"id", "timestamp", "details"})
            d = e["details"]
            if not d:
                odd["empty"] += 1
                continue
            types.add(d["type"])
            for field in REF_FIELDS:
                if field not in d:
                    continue
                v = d[field]
                if v is None:
                    odd["null"] += 1
                elif isinstance(v, int):
                    odd["number"] += 1
                elif v not in related:
                    odd["missing"] += 1
                else:
                    entry = related[v]
                    if "type" not in entry or not isinstance(entry.get("object"), dict):
                        odd["malformed"] += 1
                    else:
                        self.assertIn(entry["type"], ("user", "client", "server", "project", "group"))
                        self.assertIn("id", entry["object"])
        self.assertTrue(all(n > 0 for n in odd.values()), odd)
        for t in ("auth_token.issue", "server.login", "server.sudo", "server.ssh_session_start", "user_creds.issue"):
            self.assertIn(t, types)
        user = next(v for v in related.values() if v.get("type") == "user" and isinstance(v.get("object"), dict)
                    and v["object"].get("user_type") == "human")
        self.assertEqual(set(user["object"]["details"]), {"email", "full_name", "first_name", "last_name"})
        # Ids are base64 of 16 bytes.
        self.assertTrue(all(len(i) == 24 and i.endswith("==") for i in self.all_ids))

    def test_new_events_are_appended_and_counted(self):
        self.sim.control("POST", "/_sim/events?count=5")
        ids = self.sim.ids()
        self.assertEqual(ids[:2500], self.all_ids)
        self.assertEqual(len(ids), 2505)
        _, body = self.page(offset=self.all_ids[-1])
        self.assertEqual([e["id"] for e in body["list"]], ids[2500:])
        self.assertGreater(self.sim.state()["events_served"], 0)
        type(self).all_ids = self.sim.ids()[:2500]


class RetentionTests(SimCase):
    ARGS = ("--events", "200", "--span", "100d", "--retention", "90d")

    def test_old_events_are_not_served_but_their_ids_work_as_offsets(self):
        token = self.sim.token()
        all_ids = self.sim.ids()
        retained = self.sim.ids(retained=True)
        self.assertEqual(len(all_ids), 200)
        self.assertTrue(170 <= len(retained) <= 190, len(retained))
        body = self.sim.audits(token, count=1000).json()
        self.assertEqual([e["id"] for e in body["list"]], retained)
        body = self.sim.audits(token, count=1000, offset=all_ids[0]).json()
        self.assertEqual([e["id"] for e in body["list"]], retained)
        body = self.sim.audits(token, count=1000, offset=all_ids[5], descending=True).json()
        self.assertEqual(body["list"], [])
        self.sim.control("POST", "/_sim/clock/advance?seconds=864000")  # 10 days
        body = self.sim.audits(self.sim.token(), count=1000).json()
        self.assertLess(len(body["list"]), len(retained) - 10)
        oldest = parse_ts(body["list"][0]["timestamp"])
        now = parse_ts(self.sim.state()["clock"]["now"])
        self.assertLessEqual(now - oldest, 90 * 86400 * 10**9)


class RoleAndKeyTests(SimCase):
    ARGS = ("--service-user", "log-forwarder=reporting_user,access_admin", "--service-user", "reader=reporting_user",
            "--service-user", "nobody=some_role", "--rotation-expiry", "48h", "--events", "10")

    def test_roles_decide_403(self):
        r = self.sim.audits(self.sim.token("nobody"))
        self.assertEqual((r.status, r.json()["error"]["code"]), (403, "forbidden_error"))
        reader = self.sim.token("reader")
        self.assertEqual(self.sim.audits(reader).status, 200)
        r = self.sim.get("/v1/teams/acme/service_users/reader/keys", reader)
        self.assertEqual((r.status, r.json()["error"]["code"]), (403, "forbidden_error"))
        admin = self.sim.token()
        self.assertEqual(self.sim.get("/v1/teams/acme/service_users/ghost/keys", admin).status, 404)

    def test_rotation_secret_once_48h_expiry_and_delete_revokes(self):
        admin = self.sim.token("log-forwarder")
        old_id, old_secret = self.sim.credentials("reader")
        old_token = self.sim.token("reader")
        path = "/v1/teams/acme/service_users/reader/keys"
        keys = self.sim.get(path, admin).json()["list"]
        self.assertEqual([k["id"] for k in keys], [old_id])
        self.assertEqual(set(keys[0]), {"id", "issued_at", "expires_at", "last_used"})
        self.assertEqual(keys[0]["expires_at"], "0001-01-01T00:00:00Z")
        self.assertIsNotNone(keys[0]["last_used"])

        r = self.sim.request("POST", path, headers={"Authorization": "Bearer " + admin})
        self.assertEqual(r.status, 200)
        new = r.json()
        self.assertIn("secret", new)
        keys = {k["id"]: k for k in self.sim.get(path, admin).json()["list"]}
        self.assertEqual(set(keys), {old_id, new["id"]})
        self.assertNotIn("secret", json.dumps(list(keys.values())))
        self.assertNotIn(new["secret"], self.sim.request("GET", "/_sim/state").body.decode())
        self.assertEqual(parse_ts(keys[old_id]["expires_at"]) - parse_ts(new["issued_at"]), 48 * 3600 * 10**9)
        self.assertEqual(keys[new["id"]]["expires_at"], "0001-01-01T00:00:00Z")
        self.assertIsNone(keys[new["id"]]["last_used"])
        # The old key still works until it expires; the new one works at once.
        self.assertEqual(self.sim.token_response(old_id, old_secret).status, 200)
        new_token = self.sim.token_response(new["id"], new["secret"]).json()["bearer_token"]
        self.assertEqual(self.sim.audits(old_token).status, 200)

        # A second rotation does not push the old key's expiry later.
        r = self.sim.request("POST", path, headers={"Authorization": "Bearer " + admin})
        third = r.json()
        keys = {k["id"]: k for k in self.sim.get(path, admin).json()["list"]}
        self.assertEqual(parse_ts(keys[old_id]["expires_at"]) - parse_ts(new["issued_at"]), 48 * 3600 * 10**9)
        self.assertEqual(parse_ts(keys[new["id"]]["expires_at"]) - parse_ts(third["issued_at"]), 48 * 3600 * 10**9)

        # Delete: 204, every token of that key fails at once, deleting again is 404.
        r = self.sim.request("DELETE", f"{path}/{old_id}", headers={"Authorization": "Bearer " + admin})
        self.assertEqual(r.status, 204)
        r = self.sim.audits(old_token)
        self.assertEqual((r.status, r.json()), (401, EXPIRED_BODY))
        self.assertEqual(self.sim.token_response(old_id, old_secret).status, 401)
        self.assertEqual(self.sim.audits(new_token).status, 200)
        r = self.sim.request("DELETE", f"{path}/{old_id}", headers={"Authorization": "Bearer " + admin})
        self.assertEqual(r.status, 404)
        state_keys = {k["id"]: k for k in self.sim.state()["keys"]}
        self.assertTrue(state_keys[old_id]["deleted"])

        # Key operations are audit events too.
        body = self.sim.audits(admin, descending=True, count=3).json()
        types = [e["details"]["type"] for e in body["list"]]
        self.assertEqual(types, ["service_user.key_delete", "service_user.key_create", "service_user.key_create"])
        self.assertEqual(body["list"][0]["details"]["key_id"], old_id)
        actor = body["related_objects"][body["list"][0]["details"]["actor"]]
        self.assertEqual(actor["object"]["name"], "log-forwarder")

        # 48 h later the rotated-out key stops working, and so do its tokens.
        self.sim.control("POST", "/_sim/clock/advance?seconds=" + str(48 * 3600 + 1))
        self.assertEqual(self.sim.token_response(new["id"], new["secret"]).status, 401)
        self.assertEqual(self.sim.token_response(third["id"], third["secret"]).status, 200)


class RateLimitTests(SimCase):
    ARGS = ("--rate-limit", "5",)

    def test_headers_count_down_then_429_until_the_next_hour(self):
        token = self.sim.token()  # request 1 of 5
        remaining = []
        for _ in range(4):
            r = self.sim.audits(token, count=1)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.headers["X-RateLimit-Limit"], "5")
            remaining.append(int(r.headers["X-RateLimit-Remaining"]))
            reset = int(r.headers["X-RateLimit-Reset"])
        self.assertEqual(remaining, [3, 2, 1, 0])
        now = parse_ts(self.sim.state()["clock"]["now"]) // 10**9
        self.assertTrue(now < reset <= now + 3600 and reset % 3600 == 0)
        r = self.sim.audits(token, count=1)
        self.assertEqual((r.status, r.json()["error"]["code"]), (429, "too_many_requests"))
        self.assertEqual(int(r.headers["X-RateLimit-Retry-At"]), reset)
        self.assertGreaterEqual(int(r.headers["Retry-After"]), 1)
        self.assertEqual(r.headers["X-RateLimit-Remaining"], "0")
        self.assertEqual(self.sim.request("GET", "/_sim/state").status, 200)  # control API is not limited
        self.sim.control("POST", f"/_sim/clock/advance?seconds={reset - now + 1}")
        r = self.sim.audits(token, count=1)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["X-RateLimit-Remaining"], "4")


class FaultTests(SimCase):
    ARGS = ("--events", "50", "--fault", "token:429:n=2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        key_id, secret = cls.sim.credentials()
        first = [cls.sim.token_response(key_id, secret).status for _ in range(3)]
        cls.cli_statuses = first
        cls.token = cls.sim.token_response(key_id, secret).json()["bearer_token"]

    def arm(self, spec):
        self.sim.control("DELETE", "/_sim/faults")
        self.sim.control("POST", "/_sim/faults", spec + "\n")

    def path(self, count=5):
        return f"/v1/teams/acme/auditsV2?count={count}"

    def test_command_line_fault_hits_the_next_two_token_calls(self):
        self.assertEqual(self.cli_statuses, [429, 429, 200])

    def test_status_faults(self):
        for kind, code in (("500", "unknown_error"), ("503", "service_offline"), ("504", "gateway_timeout")):
            self.arm(f"audits:{kind}:n=1")
            r = self.sim.audits(self.token)
            self.assertEqual((r.status, r.json()["error"]["code"]), (int(kind), code))
            self.assertEqual(self.sim.audits(self.token).status, 200)  # n=1: only once
        self.arm("audits:502:n=1")
        r = self.sim.audits(self.token)
        self.assertEqual(r.status, 502)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn(b"<html>", r.body)
        self.arm("audits:429:n=1")
        r = self.sim.audits(self.token)
        self.assertEqual(r.status, 429)
        self.assertEqual(r.headers["Retry-After"], "1")
        self.assertIn("X-RateLimit-Retry-At", r.headers)

    def test_reset_before_and_during_body(self):
        self.arm("audits:reset:n=1")
        with self.assertRaises((ConnectionError, http.client.HTTPException)):
            self.sim.raw("GET", self.path(), self.token)
        self.arm("audits:reset_body:n=1")
        with self.assertRaises((ConnectionError, http.client.IncompleteRead, http.client.HTTPException)):
            self.sim.raw("GET", self.path(50), self.token)
        self.assertEqual(self.sim.raw("GET", self.path(), self.token).status, 200)

    def test_truncate_and_invalid_json_keep_a_consistent_length(self):
        full = self.sim.raw("GET", self.path(20), self.token).body
        for kind in ("truncate", "invalid_json"):
            self.arm(f"audits:{kind}:n=1")
            r = self.sim.raw("GET", self.path(20), self.token)
            self.assertEqual(r.status, 200)
            self.assertEqual(int(r.headers["Content-Length"]), len(r.body))
            with self.assertRaises(ValueError):
                json.loads(r.body)
            if kind == "truncate":
                self.assertTrue(full.startswith(r.body) and len(r.body) < len(full))

    def test_stall_outlasts_a_client_timeout_and_trickle_is_slow_but_whole(self):
        self.arm("audits:stall:n=1")
        t0 = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.sim.raw("GET", self.path(), self.token, timeout=1.0)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.arm("audits:trickle:n=1:delay=20ms")
        t0 = time.monotonic()
        r = self.sim.raw("GET", self.path(3), self.token, timeout=20)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertEqual(len(r.json()["list"]), 3)
        self.assertGreater(elapsed, 0.2)

    def test_expire_token_fault_gives_401_for_that_token_only(self):
        token = self.sim.token()
        self.arm("audits:expire_token:n=1")
        r = self.sim.audits(token)
        self.assertEqual((r.status, r.json()), (401, EXPIRED_BODY))
        self.assertEqual(self.sim.audits(token).status, 401)
        self.assertEqual(self.sim.audits(self.sim.token()).status, 200)

    def test_probability_faults_endpoint_scope_counting_and_control_immunity(self):
        before = self.sim.state()["faults_injected"].get("500", 0)
        self.arm("token:500:p=1")
        statuses = {self.sim.token_response(*self.sim.credentials()).status for _ in range(5)}
        self.assertEqual(statuses, {500})
        self.assertEqual(self.sim.audits(self.token).status, 200)  # other endpoints untouched
        self.arm("all:500:p=1")
        self.assertEqual(self.sim.request("GET", "/_sim/state").status, 200)
        self.assertEqual(self.sim.request("GET", "/_sim/events/ids").status, 200)
        self.assertEqual(self.sim.get("/v1/teams/acme/service_users/log-forwarder/keys", self.token).status, 500)
        self.sim.control("DELETE", "/_sim/faults")
        self.assertEqual(self.sim.audits(self.token).status, 200)
        self.assertEqual(self.sim.state()["faults_injected"]["500"], before + 6)
        self.arm("audits:500:p=0.5")
        hits = sum(self.sim.audits(self.token).status == 500 for _ in range(200))
        self.assertTrue(60 < hits < 140, hits)
        self.sim.control("DELETE", "/_sim/faults")
        self.assertEqual(self.sim.request("POST", "/_sim/faults", "audits:oops:n=1\n").status, 400)
        self.assertGreater(self.sim.state()["requests"]["audits"]["500"], 0)



class EdgeCaseTests(unittest.TestCase):
    """The real service's odd answers the forwarder must survive: short pages, no last next link, aged-out
    offsets, 401 authorization_error."""

    def walk(self, sim, token, count):
        """Follows next links (or builds the next offset when there is none) until the empty page."""
        r = sim.audits(token, count=count)
        seen, sizes, links = [], [], []
        for _ in range(1000):
            self.assertEqual(r.status, 200, r.body)
            page = r.json()["list"]
            sizes.append(len(page))
            links.append("next" in parse_links(r.headers["Link"]))
            if not page:
                return seen, sizes, links
            seen += [e["id"] for e in page]
            nxt = parse_links(r.headers["Link"]).get("next")
            r = sim.get(nxt, token) if nxt else sim.audits(token, count=count, offset=page[-1]["id"])
        raise AssertionError("the walk did not end")

    def test_short_pages_mid_stream_hold_half_the_count_and_lose_nothing(self):
        sim = Sim("--events", "100", "--fault", "audits:short_page:n=3")
        try:
            token = sim.token()
            seen, sizes, _ = self.walk(sim, token, 20)
            self.assertEqual(seen, sim.ids())
            self.assertEqual(sizes[:3], [10, 10, 10])  # short while more exist
            self.assertEqual(sizes[3:], [20, 20, 20, 10, 0])
            self.assertEqual(sim.state()["faults_injected"]["short_page"], 3)
        finally:
            sim.stop()

    def test_omit_last_next_leaves_the_next_link_off_the_last_and_the_empty_page(self):
        sim = Sim("--events", "45", "--omit-last-next")
        try:
            token = sim.token()
            seen, sizes, links = self.walk(sim, token, 20)
            self.assertEqual(seen, sim.ids())
            self.assertEqual(sizes, [20, 20, 5, 0])
            self.assertEqual(links, [True, True, False, False])
            # Newest first, the last page is the one holding the oldest event.
            r = sim.audits(token, count=40, descending=True)
            self.assertIn("next", parse_links(r.headers["Link"]))
            r = sim.audits(token, count=40, descending=True, offset=r.json()["list"][-1]["id"])
            self.assertEqual(len(r.json()["list"]), 5)
            self.assertNotIn("next", parse_links(r.headers["Link"]))
            self.assertIn("prev", parse_links(r.headers["Link"]))
        finally:
            sim.stop()

    def test_aged_offsets_are_refused_when_asked_by_flag_or_control(self):
        for args, control in ((("--refuse-aged-offsets",), None), ((), "true")):
            sim = Sim("--events", "200", "--span", "100d", "--retention", "90d", *args)
            try:
                if control:
                    self.assertEqual(sim.control("POST", "/_sim/offsets?refuse_aged=" + control).json(),
                                     {"refuse_aged": True})
                token = sim.token()
                all_ids, retained = sim.ids(), sim.ids(retained=True)
                r = sim.audits(token, count=10, offset=all_ids[0])
                self.assertEqual(r.status, 400, r.body)
                self.assertEqual(r.json()["error"]["code"], "invalid_request")
                # A retained offset still works, and so does no offset.
                self.assertEqual(sim.audits(token, count=10, offset=retained[0]).status, 200)
                self.assertEqual(sim.audits(token, count=10).status, 200)
                # A retained offset ages out when the clock moves on.
                sim.control("POST", "/_sim/clock/advance?seconds=8640000")  # 100 days
                self.assertEqual(sim.audits(sim.token(), count=10, offset=retained[-1]).status, 400)
                if control:
                    sim.control("POST", "/_sim/offsets?refuse_aged=false")
                    self.assertEqual(sim.audits(sim.token(), count=10, offset=all_ids[0]).status, 200)
                    self.assertEqual(sim.request("POST", "/_sim/offsets?refuse_aged=maybe").status, 400)
            finally:
                sim.stop()

    def test_authorization_error_as_a_fault_and_for_a_user_without_roles(self):
        sim = Sim("--events", "10", "--service-user", "log-forwarder=reporting_user", "--service-user", "bare=")
        try:
            r = sim.audits(sim.token("bare"))
            self.assertEqual((r.status, r.json()["error"]["code"]), (401, "authorization_error"))
            # A fresh token does not cure it.
            self.assertEqual(sim.audits(sim.token("bare")).status, 401)
            token = sim.token()
            sim.control("POST", "/_sim/faults", "audits:authorization_error:n=1\n")
            r = sim.audits(token)
            self.assertEqual(r.status, 401)
            self.assertEqual(r.json()["error"], {"code": "authorization_error",
                                                 "message": "User doesn't have permissions to access this resource"})
            self.assertEqual(sim.audits(token).status, 200)  # the same token works once the fault is gone
        finally:
            sim.stop()

class CommandLineTests(unittest.TestCase):
    def test_bad_flags_exit_2_with_one_line(self):
        for args in (["--bogus"], ["--span", "30x"], ["--fault", "audits:999"], ["--rate", "-1"], ["--events"]):
            p = subprocess.run([simclient.SIM_BINARY] + args, capture_output=True, text=True, timeout=10)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertEqual(p.stdout, "")

    def test_sigterm_exits_0_and_credential_files_are_private(self):
        sim = Sim("--service-user", "a=reporting_user", "--service-user", "b=access_admin")
        try:
            self.assertTrue(sim.base.startswith("http://127.0.0.1:"))
            for user in ("a", "b"):
                for suffix in ("key_id", "key_secret"):
                    path = os.path.join(sim.creds, f"{user}.{suffix}")
                    self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
                    with open(path) as f:
                        text = f.read()
                    self.assertFalse(text.endswith("\n"))
            line = sim.proc.stdout.readline()
            self.assertEqual(line.strip(), "listening " + sim.base)
            self.assertNotIn(sim.credentials("a")[1], line)
            self.assertEqual(sim.audits(sim.token("a")).status, 200)
        finally:
            code = sim.stop()
        self.assertEqual(code, 0)

    def test_rate_adds_events_over_time(self):
        sim = Sim("--rate", "40")
        try:
            t0 = time.monotonic()
            while len(sim.ids()) < 10 and time.monotonic() - t0 < 5:
                time.sleep(0.05)
            n = len(sim.ids())
            self.assertGreaterEqual(n, 10)
            self.assertLess(n, 40 * (time.monotonic() - t0) + 5)
        finally:
            sim.stop()

    def test_tls_serves_https_with_https_links(self):
        import ssl
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                            "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                           check=True, capture_output=True, timeout=30)
            sim = Sim("--tls-cert", cert, "--tls-key", key, "--events", "3")
            try:
                self.assertTrue(sim.base.startswith("https://127.0.0.1:"))
                ctx = ssl.create_default_context(cafile=cert)
                key_id, secret = sim.credentials()
                conn = http.client.HTTPSConnection(sim.host, sim.port, context=ctx, timeout=10)
                conn.request("POST", "/v1/teams/acme/service_token",
                             json.dumps({"key_id": key_id, "key_secret": secret}), {"Content-Type": "application/json"})
                token = json.loads(conn.getresponse().read())["bearer_token"]
                conn.request("GET", "/v1/teams/acme/auditsV2", headers={"Authorization": "Bearer " + token})
                r = conn.getresponse()
                self.assertEqual(len(json.loads(r.read())["list"]), 3)
                self.assertTrue(parse_links(r.getheader("Link"))["next"].startswith(sim.base + "/v1/"))
                conn.close()
            finally:
                sim.stop()

    def test_same_seed_same_events_other_seed_other_events(self):
        def snapshot(seed):
            sim = Sim("--events", "300", "--seed", str(seed))
            try:
                body = sim.audits(sim.token(), count=1000).json()
                for e in body["list"]:
                    e.pop("timestamp")  # relative to start-up time
                return sim.ids(), body
            finally:
                sim.stop()
        a_ids, a = snapshot(7)
        b_ids, b = snapshot(7)
        c_ids, _ = snapshot(8)
        self.assertEqual(a_ids, b_ids)
        self.assertEqual(a, b)
        self.assertEqual(len(a_ids), 300)
        self.assertFalse(set(a_ids) & set(c_ids))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--sim":
        simclient.SIM_BINARY = sys.argv[2]
        del sys.argv[1:3]
    unittest.main()

"""es-sim over loopback with a plain HTTP client (urllib): the Elasticsearch behaviour the sink relies on,
the transport faults, the control API, flags and signals."""
import base64
import gzip
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from es_sim_process import SimTestCase  # noqa: E402

BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else os.environ.get("SF_ES_SIM", "es-sim")
NDJSON = {"Content-Type": "application/x-ndjson"}


def bulk_body(*pairs):
    out = b""
    for action, source in pairs:
        out += json.dumps(action).encode() + b"\n"
        if source is not None:
            out += json.dumps(source).encode() + b"\n"
    return out


def creates(index, ids, ts=True):
    return bulk_body(*[({"create": {"_index": index, "_id": i}},
                        {"@timestamp": "2024-05-01T00:00:00Z", "n": i} if ts else {"n": i}) for i in ids])


class EsSimHttp(SimTestCase):
    def start(self, *args):
        return self.start_sim(BINARY, *args)

    def bulk(self, sim, body, path="/_bulk", headers=None, timeout=10):
        h = dict(NDJSON)
        h.update(headers or {})
        status, hdrs, data = sim.request("POST", path, body, h, timeout=timeout)
        return status, hdrs, data

    def ids(self, sim, index):
        status, _, data = sim.request("GET", "/_sim/ids?index=" + index)
        self.assertEqual(status, 200)
        return data.decode().split()

    def state(self, sim):
        return json.loads(sim.request("GET", "/_sim/state")[2])

    def test_bulk_items_in_order_with_data_stream_rules(self):
        sim = self.start()
        body = (creates("logs-scaleft-default", ["a", "b", "a"])
                + bulk_body(({"index": {"_index": "logs-scaleft-default", "_id": "c"}}, {"@timestamp": "x"}),
                            ({"create": {"_index": "logs-scaleft-default", "_id": "d"}}, {"no": "ts"}),
                            ({"create": {"_index": "logs-scaleft-default", "_id": "e"}}, [1, 2]),
                            ({"create": {"_index": "plain"}}, {"k": 1})))
        status, hdrs, data = self.bulk(sim, body)
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["X-elastic-product"], "Elasticsearch")
        self.assertEqual(data, json.dumps(json.loads(data), separators=(",", ":")).encode(), "compact JSON")
        res = json.loads(data)
        self.assertTrue(res["errors"])
        items = [list(i.values())[0] for i in res["items"]]
        self.assertEqual([i["status"] for i in items], [201, 201, 409, 400, 400, 400, 201])
        self.assertRegex(items[0]["_index"], r"^\.ds-logs-scaleft-default-\d{4}\.\d{2}\.\d{2}-000001$")
        self.assertEqual(items[2]["error"]["type"], "version_conflict_engine_exception")
        self.assertEqual(items[3]["error"]["type"], "illegal_argument_exception")
        self.assertEqual(items[4]["error"]["type"], "document_parsing_exception")
        self.assertEqual(items[5]["error"]["type"], "document_parsing_exception")
        for key in ("_index", "_id", "_version", "result", "_shards", "_seq_no", "_primary_term", "status"):
            self.assertIn(key, items[0])
        self.assertEqual(len(items[6]["_id"]), 20)
        self.assertEqual(self.ids(sim, "logs-scaleft-default"), ["a", "b"])
        self.assertEqual(self.ids(sim, items[0]["_index"]), ["a", "b"], "the backing index name works too")
        status, _, doc = sim.request("GET", "/_sim/doc?index=logs-scaleft-default&id=a")
        self.assertEqual(json.loads(doc), {"@timestamp": "2024-05-01T00:00:00Z", "n": "a"})
        count = json.loads(sim.request("GET", "/logs-scaleft-default/_count")[2])
        self.assertEqual(count["count"], 2)
        self.assertEqual(json.loads(sim.request("GET", "/_count")[2])["count"], 3)

    def test_filter_path_forms(self):
        sim = self.start()
        self.bulk(sim, creates("audit", ["1"]))
        body = creates("audit", ["1", "2"])
        _, _, data = self.bulk(sim, body, "/_bulk?filter_path=errors,items.*.error,items.*.status")
        res = json.loads(data)
        self.assertEqual(set(res), {"errors", "items"})
        self.assertEqual([list(i.values())[0]["status"] for i in res["items"]], [409, 201])
        self.assertNotIn("_id", json.dumps(res))
        _, _, data = self.bulk(sim, creates("audit", ["1", "3"]), "/_bulk?filter_path=items.*.error")
        res = json.loads(data)
        self.assertEqual(len(res["items"]), 1, "only failed items remain with items.*.error")
        _, _, data = self.bulk(sim, creates("audit", ["4"]), "/_bulk?filter_path=items.*.error")
        self.assertEqual(json.loads(data), {})

    def test_framing_and_header_errors(self):
        sim = self.start()
        status, hdrs, data = self.bulk(sim, creates("audit", ["1"])[:-1])
        self.assertEqual(status, 400)
        err = json.loads(data)
        self.assertEqual(err["status"], 400)
        self.assertEqual(err["error"]["type"], "illegal_argument_exception")
        self.assertEqual(err["error"]["reason"], "The bulk request must be terminated by a newline [\\n]")
        self.assertEqual(err["error"]["root_cause"][0]["type"], "illegal_argument_exception")
        self.assertEqual(hdrs["X-elastic-product"], "Elasticsearch")
        status, _, data = self.bulk(sim, b'{"create":{"_index":"a","_id":"1"}}\n')
        self.assertEqual((status, json.loads(data)["error"]["type"]), (400, "action_request_validation_exception"))
        status, _, data = self.bulk(sim, b'{"create":{"_index":"a","foo":"1"}}\n{}\n')
        self.assertEqual(status, 400)
        self.assertIn("unknown parameter [foo]", json.loads(data)["error"]["reason"])
        status, _, data = self.bulk(sim, creates("audit", ["1"]), headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 406)
        self.assertEqual(json.loads(data), {"error": "Content-Type header [text/plain] is not supported",
                                            "status": 406})
        compat_ct = "application/vnd.elasticsearch+x-ndjson;compatible-with=8"
        compat_ac = "application/vnd.elasticsearch+json;compatible-with=8"
        status, hdrs, _ = self.bulk(sim, creates("audit", ["c1"]),
                                    headers={"Content-Type": compat_ct, "Accept": compat_ac})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["Content-Type"], compat_ac)
        self.assertEqual(self.bulk(sim, creates("audit", ["c2"]), headers={"Content-Type": compat_ct})[0], 400)
        self.assertEqual(self.bulk(sim, creates("audit", ["c3"]), headers={
            "Content-Type": compat_ct, "Accept": "application/vnd.elasticsearch+json;compatible-with=7"})[0], 400)
        self.assertEqual(self.ids(sim, "audit"), ["c1"])

    def test_encodings_and_max_content_length(self):
        sim = self.start("--max-content-length", "20kb")
        body = creates("audit", [str(i) for i in range(50)])
        self.assertEqual(self.bulk(sim, gzip.compress(body), headers={"Content-Encoding": "gzip"})[0], 200)
        self.assertEqual(len(self.ids(sim, "audit")), 50)
        deflated = zlib.compress(creates("audit", ["d1"]))
        self.assertEqual(self.bulk(sim, deflated, headers={"Content-Encoding": "deflate"})[0], 200)
        self.assertIn("d1", self.ids(sim, "audit"))
        # zstd is not decoded: the frame bytes reach the parser and the request fails as a whole.
        fake_zstd = b"\x28\xb5\x2f\xfd\x00\x58\x61\x00\x00" + body[:40]
        self.assertEqual(self.bulk(sim, fake_zstd, headers={"Content-Encoding": "zstd"})[0], 400)
        # Small on the wire, too big once inflated: 413 with an empty body.
        big = creates("audit", [f"big-{i}" for i in range(2000)])
        packed = gzip.compress(big)
        self.assertLess(len(packed), 20 * 1024)
        status, _, data = self.bulk(sim, packed, headers={"Content-Encoding": "gzip"})
        self.assertEqual((status, data), (413, b""))
        # A declared length over the limit: 413 before the body is read, then the connection is reset, so the
        # client sees the 413 or only the reset (as with Elasticsearch); never anything else.
        conn = http.client.HTTPConnection(sim.url.split("//")[1], timeout=10)
        conn.putrequest("POST", "/_bulk")
        conn.putheader("Content-Type", "application/x-ndjson")
        conn.putheader("Content-Length", str(len(big)))
        conn.endheaders()
        try:
            resp = conn.getresponse()
            self.assertEqual((resp.status, resp.read()), (413, b""))
        except (ConnectionError, http.client.RemoteDisconnected):
            pass
        conn.close()
        self.assertFalse([i for i in self.ids(sim, "audit") if i.startswith("big-")])

    def test_product_header_only_from_7_14(self):
        # Elasticsearch added X-elastic-product in 7.14: as 7.10.2 es-sim answers without it, errors included.
        for version, sent in (("7.10.2", False), ("7.14.0", True)):
            sim = self.start("--version", version)
            for method, path, body in (("GET", "/", None), ("POST", "/_bulk", creates("audit", ["1"])),
                                       ("GET", "/missing/_count", None)):
                status, hdrs, _ = sim.request(method, path, body, NDJSON if body else {})
                self.assertIn(status, (200, 404))
                self.assertEqual(hdrs.get("X-elastic-product"), "Elasticsearch" if sent else None,
                                 f"{version} {method} {path}")

    def test_auth_schemes(self):
        import tempfile
        d = tempfile.mkdtemp(prefix="es-sim-auth-")
        for name, text in (("api", "kid:ksecret\n"), ("basic", "elastic:changeme\n"), ("bearer", "tok123\n")):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        sim = self.start("--api-key-file", os.path.join(d, "api"), "--basic-file", os.path.join(d, "basic"),
                         "--bearer-file", os.path.join(d, "bearer"))
        self.assertNotIn("ksecret", sim.output())
        status, hdrs, data = sim.request("GET", "/")
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(data)["error"]["type"], "security_exception")
        challenges = hdrs.get_all("WWW-Authenticate")
        self.assertIn('Basic realm="security", charset="UTF-8"', challenges)
        self.assertIn('Bearer realm="security"', challenges)
        self.assertIn("ApiKey", challenges)
        good = [
            "ApiKey " + base64.b64encode(b"kid:ksecret").decode(),
            "Basic " + base64.b64encode(b"elastic:changeme").decode(),
            "Bearer tok123",
        ]
        for i, h in enumerate(good):
            status, _, _ = self.bulk(sim, creates("audit", [f"ok{i}"]), headers={"Authorization": h})
            self.assertEqual(status, 200, h.split()[0])
        for bad in ("ApiKey " + base64.b64encode(b"kid:nope").decode(), "Bearer x",
                    "Basic " + base64.b64encode(b"elastic:wrong").decode()):
            self.assertEqual(self.bulk(sim, creates("audit", ["bad"]), headers={"Authorization": bad})[0], 401)
        # Two Authorization headers: urllib cannot send that, so write the request by hand.
        host, port = sim.url.split("//")[1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as s:
            s.sendall(("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: " + good[0] + "\r\nAuthorization: " + good[2]
                       + "\r\nConnection: close\r\n\r\n").encode())
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 400"), reply[:80])
        self.assertEqual(self.ids(sim, "audit"), ["ok0", "ok1", "ok2"])
        self.assertEqual(sim.request("GET", "/_sim/state")[0], 200, "the control API needs no credentials")

    def test_item_faults_by_id_and_by_chance(self):
        sim = self.start("--fault", "item:400:id=poison", "--seed", "3")
        status, _, data = self.bulk(sim, creates("audit", ["good", "poison"]))
        items = [list(i.values())[0] for i in json.loads(data)["items"]]
        self.assertEqual([i["status"] for i in items], [201, 400])
        self.assertEqual(items[1]["error"]["type"], "document_parsing_exception")
        self.assertEqual(self.ids(sim, "audit"), ["good"])
        self.assertEqual(sim.request("POST", "/_sim/faults", b"item:429:p=0.5\n")[0], 200)
        self.assertEqual(sim.request("POST", "/_sim/faults", b"item:429:p=7\n")[0], 400)
        _, _, data = self.bulk(sim, creates("audit", [f"r{i}" for i in range(400)]))
        items = [list(i.values())[0] for i in json.loads(data)["items"]]
        rejected = [i["_id"] for i in items if i["status"] == 429]
        self.assertTrue(100 < len(rejected) < 300, len(rejected))
        self.assertFalse(set(rejected) & set(self.ids(sim, "audit")), "a rejected item is never stored")
        st = self.state(sim)
        self.assertEqual(st["faults"]["item:429"], len(rejected))
        self.assertEqual(st["faults"]["item:400"], 1)
        self.assertEqual(st["items"]["es_rejected_execution_exception"], len(rejected))
        self.assertEqual(sim.request("DELETE", "/_sim/faults")[0], 200)
        _, _, data = self.bulk(sim, creates("audit", rejected))
        self.assertFalse(json.loads(data)["errors"], "after clearing, the retried items are stored")

    def test_bulk_faults_over_the_wire(self):
        sim = self.start("--fault", "bulk:429:n=1", "--fault", "bulk:503:n=1", "--fault", "bulk:502:n=1")
        body = creates("audit", ["x"])
        s1, _, d1 = self.bulk(sim, body)
        s2, _, d2 = self.bulk(sim, body)
        s3, h3, d3 = self.bulk(sim, body)
        self.assertEqual((s1, json.loads(d1)["error"]["type"]), (429, "es_rejected_execution_exception"))
        self.assertEqual((s2, json.loads(d2)["error"]["type"]), (503, "cluster_block_exception"))
        self.assertEqual(s3, 502)
        self.assertIn(b"<html>", d3)
        self.assertEqual(self.ids(sim, "audit"), [])
        sim.request("POST", "/_sim/faults", b"bulk:reset:n=1\n")
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            self.bulk(sim, creates("audit", ["r"]))
        self.assertEqual(self.ids(sim, "audit"), [], "reset: nothing stored")
        sim.request("POST", "/_sim/faults", b"bulk:reset_body:n=1\n")
        with self.assertRaises((ConnectionError, http.client.HTTPException, OSError)):
            self.bulk(sim, creates("audit", ["rb"]))
        self.assertEqual(self.ids(sim, "audit"), ["rb"], "reset_body: stored, answer lost")
        sim.request("POST", "/_sim/faults", b"bulk:stall:n=1:delay=3s\n")
        t0 = time.monotonic()
        with self.assertRaises((socket.timeout, TimeoutError, OSError)):
            self.bulk(sim, creates("audit", ["st"]), timeout=0.5)
        self.assertLess(time.monotonic() - t0, 2.5)
        sim.request("POST", "/_sim/faults", b"bulk:delay=300ms:n=1\n")
        t0 = time.monotonic()
        status, _, _ = self.bulk(sim, creates("audit", ["dl"]))
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.29)
        st = self.state(sim)
        for kind in ("bulk:429", "bulk:503", "bulk:502", "bulk:reset", "bulk:reset_body", "bulk:stall", "bulk:delay"):
            self.assertEqual(st["faults"][kind], 1, kind)
        self.assertEqual(st["requests"]["429"], 1)
        self.assertGreater(st["bytes_received"], 0)
        self.assertEqual(sim.request("DELETE", "/_sim/data")[0], 200)
        self.assertEqual(self.ids(sim, "audit"), [])

    def test_info_templates_and_count(self):
        sim = self.start("--version", "8.14.3")
        info = json.loads(sim.request("GET", "/")[2])
        self.assertEqual(info["version"]["number"], "8.14.3")
        self.assertEqual(info["version"]["build_flavor"], "default")
        self.assertEqual(info["tagline"], "You Know, for Search")
        js = {"Content-Type": "application/json"}
        tpl = {"index_patterns": ["logs-scaleft.audit-*"], "data_stream": {}, "priority": 200,
               "template": {"mappings": {"properties": {"event": {"properties": {"id": {"type": "keyword"}}}}}}}
        status, _, data = sim.request("PUT", "/_index_template/scaleft", json.dumps(tpl).encode(), js)
        self.assertEqual((status, json.loads(data)), (200, {"acknowledged": True}))
        self.assertEqual(sim.request("HEAD", "/_index_template/scaleft")[0], 200)
        self.assertEqual(sim.request("HEAD", "/_index_template/missing")[0], 404)
        got = json.loads(sim.request("GET", "/_index_template/scaleft")[2])
        self.assertEqual(got["index_templates"][0]["index_template"], tpl)
        other = dict(tpl, index_patterns=["logs-*-default"])
        status, _, data = sim.request("PUT", "/_index_template/other", json.dumps(other).encode(), js)
        self.assertEqual(status, 400)
        self.assertIn("same priority [200]", json.loads(data)["error"]["reason"])
        self.assertEqual(sim.request("GET", "/missing/_count")[0], 404)

    def test_flags_and_sigterm(self):
        bad = subprocess.run([BINARY, "--nope"], capture_output=True, text=True, timeout=10)
        self.assertEqual(bad.returncode, 2)
        self.assertEqual(len(bad.stderr.strip().splitlines()), 1)
        self.assertIn("--nope", bad.stderr)
        bad = subprocess.run([BINARY, "--fault", "bulk:teapot"], capture_output=True, text=True, timeout=10)
        self.assertEqual(bad.returncode, 2)
        sim = self.start()
        with open(sim.port_file) as f:
            self.assertTrue(f.read().startswith("http://127.0.0.1:"))
        self.assertIn("listening http://127.0.0.1:", sim.output())
        sim.proc.send_signal(signal.SIGTERM)
        self.assertEqual(sim.proc.wait(timeout=10), 0)

    def test_tls(self):
        import ssl
        import tempfile
        d = tempfile.mkdtemp(prefix="es-sim-tls-")
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                               "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert, "-days", "1"],
                              capture_output=True, timeout=30)
        if made.returncode != 0:
            self.skipTest("openssl could not make a certificate")
        sim = self.start("--tls-cert", cert, "--tls-key", key)
        self.assertTrue(sim.url.startswith("https://127.0.0.1:"))
        ctx = ssl.create_default_context(cafile=cert)
        import urllib.request
        req = urllib.request.Request(sim.url + "/_bulk", data=creates("audit", ["t"]), method="POST", headers=NDJSON)
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            self.assertFalse(json.loads(r.read())["errors"])


if __name__ == "__main__":
    unittest.main(verbosity=2)

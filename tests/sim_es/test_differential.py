"""Differential test: one corpus of requests to es-sim (--version 7.10.2) and to the real Elasticsearch
7.10.2 node; status, error type and reason must agree per request and per item, unless allow-listed.

usage: test_differential.py ES_SIM_BINARY              (unittest; the real node's URL from SF_ES_NODE_URL_FILE)
       test_differential.py --dump ES_SIM_BINARY       (prints every difference, allow-listed or not)
       test_differential.py --markdown ES_SIM_BINARY   (the same as Markdown: request, both answers, reasons)
"""
import json
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
from es_sim_process import EsSim  # noqa: E402
from harness import RealElasticsearch  # noqa: E402

CORPUS = os.path.join(HERE, "differential_corpus.json")
ALLOW_LIST = os.path.join(HERE, "differential_allowlist.json")
MODE = sys.argv.pop(1) if len(sys.argv) > 1 and sys.argv[1] in ("--dump", "--markdown") else None
BINARY = sys.argv.pop(1) if len(sys.argv) > 1 else os.environ.get("SF_ES_SIM", "es-sim")
# The node has no x-pack, so no built-in `logs` data stream template: es-sim starts without one too.
ES_SIM_ARGS = ["--version", "7.10.2", "--data-stream-pattern", ""]


def request_of(step):
    """(method, path, body bytes or None, headers) of one corpus step."""
    headers = {}
    body = None
    if "ndjson" in step:
        lines = [line if isinstance(line, str) else json.dumps(line) for line in step["ndjson"]]
        body = "\n".join(lines) + ("" if step.get("no_final_newline") else "\n")
        headers["Content-Type"] = "application/x-ndjson"
    elif "json" in step:
        body = json.dumps(step["json"])
        headers["Content-Type"] = "application/json"
    elif "raw" in step:
        body = step["raw"]
        headers["Content-Type"] = "application/x-ndjson"
    headers.update(step.get("headers", {}))
    return step["method"], step["path"], None if body is None else body.encode(), headers


# What varies between two runs of the same server: dates in backing index names, index uuids, and the
# raw request bytes (port, client headers) that Jackson quotes in its parse errors.
_DATE = re.compile(r"\d{4}\.\d{2}\.\d{2}")
_UUID = re.compile(r"\[[A-Za-z0-9_-]{22}\]")
_JACKSON_SOURCE = re.compile(r"\[Source: .*?; line: ", re.DOTALL)


def normalize_text(text):
    return _JACKSON_SOURCE.sub("[Source: <request>; line: ", _UUID.sub("[<uuid>]", _DATE.sub("<date>", text)))


def error_signature(error):
    if isinstance(error, str):
        return normalize_text(error)
    sig = {"type": error.get("type"), "reason": normalize_text(str(error.get("reason")))}
    # The chain of causes by type only: their reasons are Java exception texts (Jackson, parsers).
    causes = []
    cause = error.get("caused_by")
    while isinstance(cause, dict):
        causes.append(cause.get("type"))
        cause = cause.get("caused_by")
    if causes:
        sig["caused_by"] = " > ".join(causes)
    return sig


def item_signature(item):
    (action, body), = item.items()
    sig = {"action": action, "status": body.get("status"), "_index": normalize_text(body.get("_index", ""))}
    if "result" in body:
        sig["result"] = body["result"]
    if "error" in body:
        sig["error"] = error_signature(body["error"])
    return sig


def without_volatile(value):
    """A GET answer (mapping, template, pipeline) with creation dates, uuids and versions dropped."""
    if isinstance(value, dict):
        return {k: without_volatile(v) for k, v in value.items()
                if k not in ("creation_date", "uuid", "version", "provided_name")}
    if isinstance(value, list):
        return [without_volatile(v) for v in value]
    return value


def signature(step, status, headers, body):
    """What must agree between the two servers for one request."""
    sig = {"status": status}
    for name in step.get("compare_headers", ()):
        sig["header " + name] = headers.get(name)
    if step.get("ignore_body"):
        return sig
    try:
        doc = json.loads(body) if body else None
    except ValueError:
        sig["body"] = normalize_text(body.decode("utf-8", "replace")[:300])
        return sig
    if not isinstance(doc, dict):
        sig["body"] = doc
        return sig
    if "error" in doc:
        sig["error"] = error_signature(doc["error"])
    if "items" in doc:
        sig["errors"] = doc.get("errors")
        sig["items"] = [item_signature(i) for i in doc["items"]]
    for key in ("acknowledged", "count", "rolled_over", "dry_run", "shards_acknowledged"):
        if key in doc:
            sig[key] = doc[key]
    for key in ("old_index", "new_index", "index"):
        if isinstance(doc.get(key), str):
            sig[key] = normalize_text(doc[key])
    if step["method"] == "GET" and status == 200 and "error" not in doc and "count" not in doc:
        sig["body"] = without_volatile(doc)
    return sig


def flatten(value, prefix=""):
    """{"a": {"b": [1]}} -> {"a.b[0]": 1}; empty containers are kept as leaves."""
    out = {}
    if isinstance(value, dict) and value:
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else k))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            out.update(flatten(v, f"{prefix}[{i}]"))
    else:
        out[prefix] = value
    return out


MISSING = "<absent>"


def differences(real, sim):
    """[(path, real value, es-sim value)] for every leaf that differs."""
    a, b = flatten(real), flatten(sim)
    return [(p, a.get(p, MISSING), b.get(p, MISSING)) for p in sorted(set(a) | set(b))
            if a.get(p, MISSING) != b.get(p, MISSING)]


def allowed(entry, step, path):
    if entry["step"] != step:
        return False
    prefix = entry.get("path", "")
    return prefix == "" or path == prefix or path.startswith(prefix + ".") or path.startswith(prefix + "[")


def run_corpus(server_request, steps):
    return [signature(s, *server_request(*request_of(s))) for s in steps]


def compare_all():
    """Runs the corpus on both servers (each from empty): [(name, step, diffs, real sig, es-sim sig)]."""
    with open(CORPUS) as f:
        steps = json.load(f)["steps"]
    names = [s["name"] for s in steps]
    if len(names) != len(set(names)):
        raise AssertionError("step names in the corpus must be unique")
    real = RealElasticsearch()
    if real.version != "7.10.2":
        raise AssertionError(f"the real node is {real.version}, the corpus expects 7.10.2")
    real.reset()
    sim = EsSim(BINARY, *ES_SIM_ARGS)
    try:
        real_sigs = run_corpus(real.request, steps)
        sim_sigs = run_corpus(sim.request, steps)
    finally:
        sim.close()
        real.reset()
    return [(s["name"], s, differences(r, e), r, e) for s, r, e in zip(steps, real_sigs, sim_sigs)]


def load_allow_list():
    with open(ALLOW_LIST) as f:
        return json.load(f)["entries"]


class Differential(unittest.TestCase):
    maxDiff = None

    def test_es_sim_answers_as_the_real_node(self):
        entries = load_allow_list()
        used = set()
        unlisted = []
        for name, step, diffs, _, _ in compare_all():
            for path, real_value, sim_value in diffs:
                hits = [i for i, e in enumerate(entries) if allowed(e, name, path)]
                used.update(hits)
                if not hits:
                    unlisted.append(f"{name}: {step['method']} {step['path']}\n    {path}\n"
                                    f"      real:   {json.dumps(real_value)}\n      es-sim: {json.dumps(sim_value)}")
        stale = [f"{e['step']} {e.get('path', '')} ({e['kind']})" for i, e in enumerate(entries) if i not in used]
        self.assertEqual(unlisted, [], "differences not in differential_allowlist.json:\n" + "\n".join(unlisted))
        self.assertEqual(stale, [], "allow-list entries that no longer differ (remove them):\n" + "\n".join(stale))

    def test_allow_list_entries_say_why(self):
        for e in load_allow_list():
            self.assertIn(e["kind"], ("pending-in-es-sim", "es7-vs-es8", "x-pack", "not-comparable"), e)
            self.assertGreater(len(e.get("reason", "")), 20, e)


def dump():
    entries = load_allow_list()
    for name, step, diffs, real, sim in compare_all():
        if not diffs:
            continue
        print(f"## {name}: {step['method']} {step['path']}")
        for path, real_value, sim_value in diffs:
            listed = any(allowed(e, name, path) for e in entries)
            print(f"  {'(listed) ' if listed else ''}{path}\n    real:   {json.dumps(real_value)}\n"
                  f"    es-sim: {json.dumps(sim_value)}")


def markdown():
    entries = load_allow_list()
    for name, step, diffs, real, sim in compare_all():
        if not diffs:
            continue
        method, path, body, headers = request_of(step)
        shown = (body or b"").decode()
        shown = shown if len(shown) < 600 else shown[:600] + "..."
        shown_headers = f" headers `{json.dumps(step['headers'])}`" if "headers" in step else ""
        print(f"### `{name}`\n`{method} {path}`{shown_headers}")
        if shown:
            print(f"```\n{shown.rstrip()}\n```")
        print(f"- real 7.10.2: `{json.dumps(real)}`\n- es-sim: `{json.dumps(sim)}`")
        paths = ", ".join(f"`{p}`" for p, _, _ in diffs)
        print(f"- differs at: {paths}")
        for e in entries:
            if e["step"] == name:
                print(f"- allow-listed ({e['kind']}{', ' + e['path'] if e.get('path') else ''}): {e['reason']}")
        if not any(allowed(e, name, p) for e in entries for p, _, _ in diffs):
            print("- NOT allow-listed")
        print()


if __name__ == "__main__":
    if MODE == "--dump":
        dump()
    elif MODE == "--markdown":
        markdown()
    else:
        unittest.main(verbosity=2)

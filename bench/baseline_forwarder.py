#!/usr/bin/python3
"""The script a user would write instead of the forwarder: the peer the benchmark measures us against.

It pages ScaleFT's auditsV2 with `requests` (a bearer token minted from the API key, a fresh one on a 401,
`Link: rel="next"` followed until an empty page), and per page either appends NDJSON lines to a file and
fsyncs it, or sends the page through the official client's `elasticsearch.helpers.bulk` (`create` actions
into a data stream; gzip through the client's `http_compress=True`). After each page it writes the last
event id to a checkpoint file (write a temporary file, fsync, rename), so a restart resumes after it.

Each document is the event with `@timestamp` and, under `related`, the objects its `details` refer to
(names and hostnames are what a user searches on). It is deliberately ordinary code: no threads, no tuning beyond the obvious.

Usage (Debian's python3-requests and python3-elasticsearch, under /usr/bin/python3):
  baseline_forwarder.py --url URL --team TEAM --key-id ID --key-secret-file PATH --checkpoint PATH
                        (--file PATH | --es URL --data-stream NAME [--gzip]) [--page-size 1000]
Prints one JSON line at the end: {"events": N, "pages": N}.
"""
import argparse
import json
import os
import sys
import urllib.parse

import requests


def mint_token(session, base, team, key_id, key_secret):
    r = session.post(f"{base}/v1/teams/{urllib.parse.quote(team, safe='')}/service_token",
                     json={"key_id": key_id, "key_secret": key_secret}, timeout=30)
    r.raise_for_status()
    return r.json()["bearer_token"]


def read_checkpoint(path):
    try:
        with open(path) as f:
            return json.load(f).get("offset")
    except FileNotFoundError:
        return None


def write_checkpoint(path, offset):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"offset": offset}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def documents(page):
    related = page.get("related_objects") or {}
    for event in page["list"]:
        doc = dict(event)
        doc["@timestamp"] = event.get("timestamp")
        details = event.get("details") or {}
        # Only whole objects: the service also sends placeholders ("object": "deleted") that would clash
        # with the object mapping of earlier documents.
        refs = {}
        for k, v in details.items():
            r = related.get(v) if isinstance(v, str) else None
            if isinstance(r, dict) and isinstance(r.get("object"), dict):
                refs[k] = r["object"]
        if refs:
            doc["related"] = refs
        yield doc


def pages(session, base, team, key_id, key_secret, offset, page_size):
    """Yields each non-empty page's JSON, following rel="next" (relative links resolved)."""
    token = mint_token(session, base, team, key_id, key_secret)
    url = f"{base}/v1/teams/{urllib.parse.quote(team, safe='')}/auditsV2"
    params = {"count": page_size}
    if offset:
        params["offset"] = offset
    while True:
        r = session.get(url, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if r.status_code == 401:  # tokens may expire at any time: mint a new one and retry
            token = mint_token(session, base, team, key_id, key_secret)
            continue
        r.raise_for_status()
        page = r.json()
        if not page["list"]:
            return
        yield page
        nxt = r.links.get("next", {}).get("url")
        if not nxt:
            return
        url, params = urllib.parse.urljoin(r.url, nxt), None


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--team", required=True)
    p.add_argument("--key-id", required=True)
    p.add_argument("--key-secret-file", required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--page-size", type=int, default=1000)
    p.add_argument("--file")
    p.add_argument("--es")
    p.add_argument("--data-stream", default="logs-scaleft.audit-default")
    p.add_argument("--gzip", action="store_true")
    args = p.parse_args()
    if bool(args.file) == bool(args.es):
        p.error("one of --file or --es")
    with open(args.key_secret_file) as f:
        key_secret = f.read().strip()

    es = out = None
    if args.es:
        from elasticsearch import Elasticsearch, helpers
        es = Elasticsearch(args.es, http_compress=args.gzip, timeout=60)
    else:
        out = open(args.file, "a", encoding="utf-8")

    session = requests.Session()
    events = n_pages = 0
    offset = read_checkpoint(args.checkpoint)
    for page in pages(session, args.url.rstrip("/"), args.team, args.key_id, key_secret, offset, args.page_size):
        if es is not None:
            actions = ({"_op_type": "create", "_index": args.data_stream, "_source": d} for d in documents(page))
            ok, errors = helpers.bulk(es, actions, chunk_size=len(page["list"]), max_chunk_bytes=100 * 2**20,
                                      raise_on_error=True)
            if ok != len(page["list"]):
                sys.exit(f"bulk: {ok} of {len(page['list'])} created")
        else:
            out.write("".join(json.dumps(d) + "\n" for d in documents(page)))
            out.flush()
            os.fsync(out.fileno())
        events += len(page["list"])
        n_pages += 1
        write_checkpoint(args.checkpoint, page["list"][-1]["id"])
    if out is not None:
        out.close()
    print(json.dumps({"events": events, "pages": n_pages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

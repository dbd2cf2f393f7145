#!/usr/bin/python3
# Load client for scaleft-sim: walks every page of 1000 events over one keep-alive connection, reports MB/s.
import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import tempfile
import time
import urllib.parse


def start(binary, events):
    d = tempfile.mkdtemp(prefix="simsft-bench-")
    port_file = os.path.join(d, "port")
    proc = subprocess.Popen([binary, "--listen", "127.0.0.1:0", "--port-file", port_file, "--events", str(events),
                             "--credentials-dir", d, "--rate-limit", "100000000"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("scaleft-sim did not start")
        time.sleep(0.05)
    with open(port_file) as f:
        base = f.read().strip()
    with open(os.path.join(d, "log-forwarder.key_id")) as f:
        key_id = f.read()
    with open(os.path.join(d, "log-forwarder.key_secret")) as f:
        secret = f.read()
    return proc, base, key_id, secret


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc (clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def walk(conn, token, count):
    """One pass over every page; returns (pages, body bytes, seconds)."""
    path = f"/v1/teams/acme/auditsV2?count={count}"
    pages = total = 0
    t0 = time.perf_counter()
    while True:
        conn.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise SystemExit(f"status {r.status}: {body[:200]!r}")
        pages += 1
        total += len(body)
        if body.startswith(b'{"list":[]'):
            break
        link = r.getheader("Link")
        nxt = link.split(">", 1)[0][1:]
        path = urllib.parse.urlsplit(nxt)._replace(scheme="", netloc="").geturl()
    return pages, total, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sim", required=True, help="path to scaleft-sim")
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--walks", type=int, default=5, help="full walks per run (longer runs, finer CPU figures)")
    a = ap.parse_args()
    proc, base, key_id, secret = start(a.sim, a.events)
    try:
        u = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        conn.request("POST", "/v1/teams/acme/service_token", json.dumps({"key_id": key_id, "key_secret": secret}),
                     {"Content-Type": "application/json"})
        token = json.loads(conn.getresponse().read())["bearer_token"]
        rates, per_cpu = [], []
        for i in range(a.runs):
            cpu0 = cpu_seconds(proc.pid)
            pages = total = secs = 0
            for _ in range(a.walks):
                p, t, s = walk(conn, token, a.count)
                pages, total, secs = pages + p, total + t, secs + s
            cpu = cpu_seconds(proc.pid) - cpu0
            rates.append(total / secs / 1e6)
            # Bytes per second of the simulator's own CPU time: what one core could serve, whatever the
            # client and the other processes on the machine take.
            per_cpu.append(total / max(cpu, 0.01) / 1e6)
            print(f"run {i + 1}: {pages} pages, {total / 1e6:.1f} MB in {secs:.3f} s = {rates[-1]:.0f} MB/s, "
                  f"{pages / secs:.0f} pages/s; simulator CPU {cpu:.2f} s = {per_cpu[-1]:.0f} MB per CPU-second")
        print(f"median: {statistics.median(rates):.0f} MB/s wall, {statistics.median(per_cpu):.0f} MB per simulator "
              f"CPU-second, over {a.runs} runs ({a.events} events, count={a.count})")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()

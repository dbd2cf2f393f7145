"""A key_rotation.on_rotate program for the tests: stores the key from stdin as OUT_DIR/key_id and
OUT_DIR/key_secret (what key_rotation.restore_from reads back), and records what it was given.

usage: store_key_hook.py OUT_DIR. OUT_DIR/mode, if present, says how to behave: "ok" (default), "fail"
(exit 3 without storing) or "hang" (sleep until killed)."""
import json
import os
import sys
import time


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def main():
    out = sys.argv[1]
    raw = sys.stdin.read()
    with open("/proc/self/cmdline", "rb") as f:
        cmdline = f.read().decode("utf-8", "replace")
    # What a snooping process would see: argv, the environment, the open descriptors.
    record = {"pid": os.getpid(), "cmdline": cmdline, "environ": dict(os.environ),
              "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")), "input_keys": sorted(json.loads(raw))}
    with open(os.path.join(out, "calls.jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")
    mode = "ok"
    if os.path.exists(os.path.join(out, "mode")):
        with open(os.path.join(out, "mode")) as f:
            mode = f.read().strip()
    if mode == "fail":
        sys.exit(3)
    if mode == "hang":
        time.sleep(3600)
    key = json.loads(raw)
    write_atomically(os.path.join(out, "key_secret"), key["key_secret"])
    write_atomically(os.path.join(out, "key_id"), key["key_id"])


if __name__ == "__main__":
    main()

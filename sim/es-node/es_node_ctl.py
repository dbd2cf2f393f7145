"""Starts the real Elasticsearch test node in the background and stops it: the ctest fixture `es_node`.

usage: es_node_ctl.py start STATE_DIR | stop STATE_DIR
start: runs the launcher installed by scripts/install-es-node.sh with its home in STATE_DIR/home, waits until
it answers, leaves its URL in STATE_DIR/url and its pid in STATE_DIR/pid. stop: SIGTERM, then waits.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

INSTALL_DIR = os.environ.get("SF_ES_NODE_HOME",
                             os.path.expanduser("~/.cache/scaleft-forwarder/es-node"))
JAVA = os.environ.get("SF_JAVA", shutil.which("java") or "java")
HEAP = os.environ.get("SF_ES_NODE_HEAP", "512m")
START_TIMEOUT_S = 220


def fail(message):
    print(f"es_node_ctl: {message}", file=sys.stderr)
    sys.exit(1)


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (our own child, not yet reaped) is not alive.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def read_pid(state_dir):
    try:
        with open(os.path.join(state_dir, "pid")) as f:
            return int(f.read().strip())
    except (FileNotFoundError, ValueError):
        return None


def stop(state_dir, quiet=False):
    url_file = os.path.join(state_dir, "url")
    if os.path.exists(url_file):
        os.unlink(url_file)
    pid = read_pid(state_dir)
    if pid is None or not alive(pid):
        if not quiet:
            print("es_node_ctl: no node running")
        return 0
    # Only the process this script started (its pid file), never a search by name.
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 40
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        fail(f"node {pid} did not stop within 40 s of SIGTERM; killed")
    os.unlink(os.path.join(state_dir, "pid"))
    print(f"es_node_ctl: node {pid} stopped")
    return 0


def start(state_dir):
    jar = os.path.join(INSTALL_DIR, "es-node.jar")
    classpath_file = os.path.join(INSTALL_DIR, "classpath.txt")
    if not (os.path.isfile(jar) and os.path.isfile(classpath_file)):
        fail(f"the real Elasticsearch test node is not installed ({jar} is missing): "
             "run scripts/install-es-node.sh (scripts/install-deps.sh does)")
    if shutil.which(JAVA) is None and not os.access(JAVA, os.X_OK):
        fail(f"no Java runtime ({JAVA}): install openjdk-17-jdk-headless")
    os.makedirs(state_dir, exist_ok=True)
    stop(state_dir, quiet=True)  # a node left over from an interrupted run holds the data dir lock
    home = os.path.join(state_dir, "home")
    shutil.rmtree(home, ignore_errors=True)
    url_file = os.path.join(state_dir, "url")
    with open(classpath_file) as f:
        classpath = jar + ":" + f.read().strip()
    log_path = os.path.join(state_dir, "es-node.log")
    log = open(log_path, "wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [JAVA, f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-Dlog4j2.disable.jmx=true",
         "-cp", classpath, "org.scaleft.esnode.EsNode", "--dir", home, "--port-file", url_file],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    with open(os.path.join(state_dir, "pid"), "w") as f:
        f.write(f"{proc.pid}\n")
    while not os.path.exists(url_file):
        if proc.poll() is not None:
            with open(log_path, errors="replace") as f:
                tail = f.read()[-4000:]
            fail(f"the node exited with status {proc.returncode} before answering:\n{tail}")
        if time.monotonic() - started > START_TIMEOUT_S:
            proc.kill()
            fail(f"the node did not answer within {START_TIMEOUT_S} s (log: {log_path})")
        time.sleep(0.2)
    with open(url_file) as f:
        url = f.read().strip()
    print(f"es_node_ctl: Elasticsearch node {proc.pid} answers at {url} after "
          f"{time.monotonic() - started:.1f} s (heap {HEAP}, log {log_path})")
    return 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("start", "stop"):
        print(__doc__, file=sys.stderr)
        return 2
    state_dir = os.path.abspath(sys.argv[2])
    return start(state_dir) if sys.argv[1] == "start" else stop(state_dir)


if __name__ == "__main__":
    sys.exit(main())

"""Starts a real test node in the background and stops it: the ctest fixtures `es_node` and `os_node`.

usage: es_node_ctl.py start|stop STATE_DIR [elasticsearch|opensearch]
start: runs the launcher installed by scripts/install-es-node.sh with its home in STATE_DIR/home, waits until
it answers, leaves its URL in STATE_DIR/url and its pid in STATE_DIR/pid. stop: SIGTERM, then waits.
The flavour (default elasticsearch) picks the launcher: Elasticsearch 7.10.2 or OpenSearch 2.19.6.
"""
import os
import shutil
import signal
import subprocess
import sys
import time

CACHE_DIR = os.environ.get("SF_CACHE_DIR", os.path.expanduser("~/.cache/scaleft-forwarder"))
# flavour -> (install dir under the cache, jar, main class, product name)
FLAVOURS = {
    "elasticsearch": ("es-node", "es-node.jar", "org.scaleft.esnode.EsNode", "Elasticsearch"),
    "opensearch": ("os-node", "os-node.jar", "org.scaleft.osnode.OsNode", "OpenSearch"),
}
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


def start(state_dir, flavour):
    install_name, jar_name, main_class, product = FLAVOURS[flavour]
    install_dir = os.path.join(CACHE_DIR, install_name)
    jar = os.path.join(install_dir, jar_name)
    classpath_file = os.path.join(install_dir, "classpath.txt")
    if not (os.path.isfile(jar) and os.path.isfile(classpath_file)):
        fail(f"the real {product} test node is not installed ({jar} is missing): "
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
    log_path = os.path.join(state_dir, f"{install_name}.log")
    log = open(log_path, "wb")
    started = time.monotonic()
    proc = subprocess.Popen(
        [JAVA, f"-Xms{HEAP}", f"-Xmx{HEAP}", "-XX:+UseSerialGC", "-Dlog4j2.disable.jmx=true",
         "-cp", classpath, main_class, "--dir", home, "--port-file", url_file],
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
    print(f"es_node_ctl: {product} node {proc.pid} answers at {url} after "
          f"{time.monotonic() - started:.1f} s (heap {HEAP}, log {log_path})")
    return 0


def main():
    if not 3 <= len(sys.argv) <= 4 or sys.argv[1] not in ("start", "stop") or \
            (len(sys.argv) == 4 and sys.argv[3] not in FLAVOURS):
        print(__doc__, file=sys.stderr)
        return 2
    state_dir = os.path.abspath(sys.argv[2])
    flavour = sys.argv[3] if len(sys.argv) == 4 else "elasticsearch"
    return start(state_dir, flavour) if sys.argv[1] == "start" else stop(state_dir)


if __name__ == "__main__":
    sys.exit(main())

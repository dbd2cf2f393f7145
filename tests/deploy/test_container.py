"""The container image, checked without a container engine: deploy/docker/Dockerfile is parsed and its stages,
packages, user and labels are checked against the package lists, Debian 12's archive and the built binary."""
import fnmatch
import glob
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DOCKERFILE = os.path.join(ROOT, "deploy", "docker", "Dockerfile")
INSTALL_DEPS = os.path.join(ROOT, "scripts", "install-deps.sh")
FORWARDER = os.environ.get("SF_FORWARDER", "")
BINARY_DIR = os.environ.get("SF_BINARY_DIR", "")
# What debian:12-slim already holds of the binary's libraries: apt (in every Debian image) needs them.
IN_BASE_IMAGE = {"libc6", "libstdc++6", "libgcc-s1"}


def instructions(path):
    """[(KEYWORD, arguments)] with continuation lines joined and comments dropped."""
    out, current = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not current and (not line.strip() or line.lstrip().startswith("#")):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            keyword, _, args = current.strip().partition(" ")
            out.append((keyword.upper(), args.strip()))
            current = ""
    return out


def stages(path):
    """{stage name: [(KEYWORD, args)]} in order, with ARG defaults declared before the first FROM resolved."""
    args, result, current = {}, {}, None
    for keyword, rest in instructions(path):
        if keyword == "ARG" and current is None:
            name, _, default = rest.partition("=")
            args[name] = default
            continue
        if keyword == "FROM":
            image, _, name = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], rest).partition(" AS ")
            current = name.strip() or str(len(result))
            result[current] = [("FROM", image.strip())]
            continue
        result[current].append((keyword, rest))
    return result


def install_deps(*flags):
    r = subprocess.run(["bash", INSTALL_DEPS, *flags, "--print"], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    return r.stdout.split()


def owning_package(path):
    """The packages dpkg says own `path` (as given, on the other side of the /usr merge, or resolved)."""
    other = path[len("/usr"):] if path.startswith("/usr/") else "/usr" + path
    for candidate in (path, other, os.path.realpath(path)):
        r = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if r.returncode == 0:
            return {entry.split(":")[0].strip() for entry in r.stdout.split(": ")[0].split(",")}
    raise AssertionError(f"no Debian package owns {path}")


def with_direct_depends(packages):
    """`packages` and what they depend on directly (pkg-config is pkgconf's transitional package)."""
    out = set(packages)
    for p in packages:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", p], capture_output=True, text=True)
        out |= {re.split(r"[\s:(]", alt.strip())[0] for dep in r.stdout.split(",") for alt in dep.split("|")
                if alt.strip()}
    return out


class Dockerfile(unittest.TestCase):
    def setUp(self):
        self.stages = stages(DOCKERFILE)
        self.build, self.runtime = self.stages["build"], list(self.stages.values())[-1]

    def runs(self, stage):
        return [rest for keyword, rest in stage if keyword == "RUN"]

    def test_two_stages_on_debian_12_slim(self):
        self.assertEqual(len(self.stages), 2, list(self.stages))
        for stage in self.stages.values():
            self.assertEqual(stage[0], ("FROM", "debian:12-slim"))

    def test_packages_come_only_from_the_lists(self):
        for name, stage in self.stages.items():
            for run in self.runs(stage):
                self.assertNotRegex(run, r"apt(-get)? install", f"stage {name} installs packages by name")
        self.assertTrue(any("install-deps.sh --build" in r for r in self.runs(self.build)))
        self.assertTrue(any("install-deps.sh --runtime" in r for r in self.runs(self.runtime)))
        # The scripts and lists are copied in before they are used, from the repository's own files.
        for stage in self.stages.values():
            copies = " ".join(rest for keyword, rest in stage if keyword == "COPY")
            for name in ("install-deps.sh", "debian-packages.txt", "debian-runtime-packages.txt"):
                self.assertIn(f"scripts/{name}", copies)

    def test_production_build_without_hooks_or_tests(self):
        configure = [r for r in self.runs(self.build) if "cmake -S" in r]
        self.assertEqual(len(configure), 1)
        argv = shlex.split(configure[0])
        for flag in ("-DSF_TEST_HOOKS=OFF", "-DSF_BUILD_TESTS=OFF", "-DCMAKE_BUILD_TYPE=Release"):
            self.assertIn(flag, argv)
        self.assertIn("--target scaleft-forwarder", configure[0])

    def test_runs_as_a_non_root_user_it_creates(self):
        users = [rest for keyword, rest in self.runtime if keyword == "USER"]
        self.assertEqual(len(users), 1)
        uid, _, gid = users[0].partition(":")
        self.assertTrue(uid.isdigit() and int(uid) != 0, users)  # numeric: runAsNonRoot can check it
        script = " ".join(self.runs(self.runtime))
        self.assertRegex(script, rf"useradd --system --uid {uid} ")
        self.assertRegex(script, rf"groupadd --system --gid {gid} ")
        self.assertRegex(script, rf"install -d -o forwarder -g forwarder -m 0700 /var/lib/scaleft-forwarder")

    def test_entrypoint_is_the_binary_copied_from_the_build(self):
        copy = [rest for keyword, rest in self.runtime if keyword == "COPY" and rest.startswith("--from=build")
                and "scaleft-forwarder " in rest + " "]
        binary = [c for c in copy if c.split()[-1].endswith("/scaleft-forwarder")]
        self.assertEqual(len(binary), 1, copy)
        src, dst = binary[0].split()[1:]
        self.assertTrue(any(src in r and "cmake --build /build" in r for r in self.runs(self.build)), src)
        entry = [rest for keyword, rest in self.runtime if keyword == "ENTRYPOINT"]
        self.assertEqual(entry, [f'["{dst}"]'])

    def test_oci_labels(self):
        labels = " ".join(rest for keyword, rest in self.runtime if keyword == "LABEL")
        found = dict(re.findall(r'(org\.opencontainers\.image\.[\w.]+)="([^"]*)"', labels))
        for key in ("title", "description", "version", "source", "documentation", "base.name"):
            self.assertTrue(found.get(f"org.opencontainers.image.{key}"), key)
        with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
            version = re.search(r"project\(\w+ VERSION ([\d.]+)", f.read())
        args = dict(rest.split("=", 1) for keyword, rest in self.runtime if keyword == "ARG" and "=" in rest)
        self.assertEqual(args["VERSION"], version.group(1))

    def test_dockerignore_keeps_build_trees_out_and_the_sources_in(self):
        with open(os.path.join(ROOT, ".dockerignore")) as f:
            patterns = [line.strip() for line in f if line.strip() and not line.startswith("#")]
        for must in (".git", "build", "build*/"):
            self.assertIn(must, patterns)
        for needed in ("CMakeLists.txt", "daemon/main.cpp", "scripts/install-deps.sh", "cmake/packaging.cmake"):
            self.assertFalse(any(fnmatch.fnmatch(needed, p) or needed.startswith(p.rstrip("/") + "/")
                                 for p in patterns), needed)


class PackageLists(unittest.TestCase):
    def test_every_listed_package_exists_in_debian_12(self):
        names = sorted(set(install_deps() + install_deps("--runtime")))
        r = subprocess.run(["apt-cache", "show", "--no-all-versions", *names], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, "apt-cache show failed (no apt lists? run apt-get update): " + r.stderr)
        found = set(re.findall(r"(?m)^Package: (\S+)$", r.stdout))
        self.assertEqual(set(names) - found, set())

    def test_build_packages_are_a_subset_of_the_full_list(self):
        build = install_deps("--build")
        self.assertTrue(build)
        self.assertEqual(set(build) - set(install_deps()), set())

    def test_build_packages_hold_what_cmake_found(self):
        """Every package CMake found for the forwarder (from CMakeCache.txt) is tagged '# build'."""
        cache_path = os.path.join(BINARY_DIR, "CMakeCache.txt")
        with open(cache_path) as f:
            cache = dict(re.findall(r"(?m)^([\w.-]+):\w+=(.*)$", f.read()))
        probes = []
        for pkg in ("Boost", "simdjson", "zstd", "yaml-cpp", "fmt"):
            configs = glob.glob(os.path.join(cache[f"{pkg}_DIR"], "*onfig.cmake"))
            self.assertTrue(configs, pkg)
            probes.append(configs[0])
        probes.append(os.path.join(cache["OPENSSL_INCLUDE_DIR"], "openssl", "ssl.h"))
        probes.append(os.path.join(cache["ZLIB_INCLUDE_DIR"], "zlib.h"))
        probes.append(cache["PKG_CONFIG_EXECUTABLE"])
        probes.append(cache["CMAKE_MAKE_PROGRAM"])
        probes.append("/usr/bin/cmake")
        r = subprocess.run(["pkg-config", "--variable=pcfiledir", "libisal"], capture_output=True, text=True)
        probes.append(os.path.join(r.stdout.strip(), "libisal.pc"))
        build = set(install_deps("--build"))
        provided = with_direct_depends(build)
        for probe in probes:
            with self.subTest(probe=probe):
                self.assertTrue(owning_package(probe) & provided, f"{probe}: {owning_package(probe)} not tagged # build")
        self.assertIn("libboost1.81-dev", build)  # Boost 1.81, not libboost-dev (1.74 on Debian 12)

    def test_runtime_packages_are_the_libraries_the_binary_links(self):
        # The binary's own DT_NEEDED entries; what those libraries need comes with their packages' Depends.
        r = subprocess.run(["readelf", "-d", FORWARDER], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        direct = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", r.stdout)
        self.assertTrue(direct)
        r = subprocess.run(["ldd", FORWARDER], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        where = dict(re.findall(r"(?m)^\s*(\S+) => (/\S+)", r.stdout))
        needed = set()
        for lib in direct:
            if lib.startswith("ld-linux"):
                continue  # the dynamic loader, part of libc6
            self.assertIn(lib, where, f"ldd cannot resolve {lib}")
            needed |= owning_package(where[lib])
        runtime = set(install_deps("--runtime"))
        self.assertEqual(needed - IN_BASE_IMAGE, runtime - {"ca-certificates"})
        self.assertIn("ca-certificates", runtime)

class InstallDepsOutput(unittest.TestCase):
    """install-deps.sh against stand-ins for dpkg-query and apt-get: one line per package, apt only on error."""

    def run_with_fake_apt(self, apt_exit):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        log = os.path.join(tmp, "apt-calls")
        stubs = {
            "dpkg-query": "#!/bin/sh\nexit 1\n",  # nothing is installed
            "apt-get": f"#!/bin/sh\necho \"$DEBIAN_FRONTEND $*\" >> {log}\n"
                       f"echo 'Reading package lists... 42%'\necho 'E: apt noise' >&2\nexit {apt_exit}\n",
            "sudo": "#!/bin/sh\nexec \"$@\"\n",
        }
        for name, text in stubs.items():
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        env = dict(os.environ, PATH=tmp + os.pathsep + os.environ["PATH"])
        r = subprocess.run(["bash", INSTALL_DEPS, "--runtime"], capture_output=True, text=True, env=env, timeout=60)
        calls = []
        if os.path.exists(log):
            with open(log) as f:
                calls = f.read().splitlines()
        return r, calls

    def test_one_line_per_package_and_no_apt_output(self):
        r, calls = self.run_with_fake_apt(0)
        self.assertEqual(r.returncode, 0, r.stderr)
        names = install_deps("--runtime")
        self.assertEqual(r.stdout.splitlines(), [f"install-deps: installing {n}" for n in names])
        self.assertEqual(r.stderr, "")
        self.assertEqual(len(calls), 2, calls)
        self.assertTrue(calls[0].startswith("noninteractive update"))
        self.assertEqual(calls[1].split()[-len(names):], names)

    def test_apt_errors_are_shown(self):
        r, calls = self.run_with_fake_apt(100)
        self.assertEqual(r.returncode, 1)
        self.assertIn("E: apt noise", r.stderr)
        self.assertIn("install-deps: apt-get update failed", r.stderr)


if __name__ == "__main__":
    unittest.main()

"""The Debian package, end to end (needs root, as in CI): build it with CPack from a production tree, lint it,
install it with dpkg -i, use what it installed, purge it. The machine is left as it was, even on failure."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BINARY_DIR = os.environ.get("SF_BINARY_DIR", "")
PACKAGE = "scaleft-forwarder"
UNITS = ["scaleft-forwarder.service", "scaleft-forwarder@.service"]


def run(argv, timeout=600, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} exited {r.returncode}:\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}")
    return r


def installed():
    r = run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], check=False)
    return r.returncode == 0 and "installed" in r.stdout


class DebianPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise AssertionError("this test installs a package with dpkg -i: run it as root (CI does)")
        if installed():
            raise AssertionError(f"{PACKAGE} is already installed here; this test will not touch it")
        # A production tree beside the test tree, kept between runs so only changes are rebuilt.
        cls.build = os.path.join(BINARY_DIR, "package-build")
        configure = ["cmake", "-S", ROOT, "-B", cls.build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                     "-DSF_TEST_HOOKS=OFF", "-DSF_BUILD_TESTS=OFF", "-DSF_BUILD_BENCH=OFF"]
        if shutil.which("ccache"):
            configure.append("-DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        run(configure)
        for old in os.listdir(cls.build):
            if old.endswith(".deb"):
                os.unlink(os.path.join(cls.build, old))
        run(["cmake", "--build", cls.build, "--target", "deb"], timeout=3000)
        debs = [f for f in os.listdir(cls.build) if f.endswith(".deb")]
        if len(debs) != 1:
            raise AssertionError(f"expected one .deb in {cls.build}, found {debs}")
        cls.deb = os.path.join(cls.build, debs[0])

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).stdout.strip()

    def test_name_version_and_shlibs_depends(self):
        with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
            version = re.search(r"project\(\w+ VERSION ([\d.]+)", f.read())[1]
        self.assertEqual(os.path.basename(self.deb), f"{PACKAGE}_{version}-1_{self.field('Architecture')}.deb")
        depends = self.field("Depends")
        # From dpkg-shlibdeps: every library the binary links, most with a minimum version.
        for lib in ("libc6", "libssl3", "libsimdjson14", "libyaml-cpp0.7", "libfmt9", "libzstd1"):
            self.assertRegex(depends, rf"(^|, ){re.escape(lib)} \(>= [^)]+\)", depends)
        self.assertRegex(depends, r"(^|, )libisal2 \(>= [^)]+\)", depends)
        # systemd's notify protocol is spoken directly (daemon/ops/notify_socket.hpp): no libsystemd.
        self.assertNotIn("libsystemd", depends)
        with open(os.path.join(ROOT, "deploy", "debian", "changelog")) as f:
            self.assertTrue(f.readline().startswith(f"{PACKAGE} ({version}-1) "), "changelog version")

    def test_contents(self):
        listing = run(["dpkg-deb", "-c", self.deb]).stdout
        files = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
        modes = {line.split()[-1].lstrip("."): line.split()[0] for line in listing.splitlines()}
        for path in ("/usr/bin/scaleft-forwarder", "/usr/bin/scaleft-forwarder-ctl",
                     "/lib/systemd/system/scaleft-forwarder.service", "/lib/systemd/system/scaleft-forwarder@.service",
                     "/etc/scaleft-forwarder/forwarder.yaml", "/usr/share/doc/scaleft-forwarder/copyright",
                     "/usr/share/doc/scaleft-forwarder/changelog.Debian.gz",
                     "/usr/share/doc/scaleft-forwarder/examples/team-a.yaml"):
            self.assertIn(path, files)
        self.assertEqual(modes["/etc/scaleft-forwarder/credentials/"], "drwx------")
        self.assertFalse([f for f in files if f.startswith("/usr/local")])
        control = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, control)
        run(["dpkg-deb", "-e", self.deb, control])
        with open(os.path.join(control, "conffiles")) as f:
            self.assertEqual(f.read().split(), ["/etc/scaleft-forwarder/forwarder.yaml"])

    def test_lintian_finds_no_error(self):
        if not shutil.which("lintian"):
            self.fail("lintian is not installed (scripts/install-deps.sh installs it)")
        r = run(["lintian", "--no-tag-display-limit", self.deb], check=False, timeout=900)
        errors = [line for line in r.stdout.splitlines() if line.startswith("E:")]
        self.assertEqual(errors, [], r.stdout)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)  # 1: an error tag, 2: lintian itself failed

    def test_install_use_and_purge(self):
        # Files this test adds under /etc are removed by it; dpkg removes the package's own.
        made = []

        def cleanup():
            for path in reversed(made):
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.exists(path):
                    os.unlink(path)
            if installed():
                run(["dpkg", "--purge", PACKAGE], check=False)
        self.addCleanup(cleanup)

        run(["dpkg", "-i", self.deb])
        self.assertTrue(installed())
        r = run(["/usr/bin/scaleft-forwarder", "--version"])
        self.assertRegex(r.stdout, r"^scaleft-forwarder \d+\.\d+\.\d+\n$")  # no "test hooks" line
        self.assertNotIn("test hooks", r.stdout)
        for unit in UNITS + ["scaleft-forwarder@team-a.service"]:
            with self.subTest(unit=unit):
                r = run(["systemd-analyze", "verify", "--man=no", f"/lib/systemd/system/{unit}"], check=False)
                ours = [line for line in (r.stdout + r.stderr).splitlines() if PACKAGE in line]
                self.assertEqual(ours, [], r.stdout + r.stderr)

        # The conffile passes check-config once the credentials exist, through scaleft-forwarder-ctl.
        r = run(["scaleft-forwarder-ctl", "check-config"], check=False)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("/etc/scaleft-forwarder/credentials/sft-key-secret", r.stderr)
        for name in ("sft-key-secret", "es-api-key"):
            path = f"/etc/scaleft-forwarder/credentials/{name}"
            made.append(path)
            with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
                f.write("placeholder-secret\n")
        r = run(["scaleft-forwarder-ctl", "check-config"])
        self.assertIn("state_dir: /var/lib/scaleft-forwarder", r.stdout)
        self.assertNotIn("placeholder-secret", r.stdout)
        r = run(["scaleft-forwarder-ctl", "status"])
        self.assertIn("checkpoint:           none yet", r.stdout)

        # A second team from the shipped example: its own configuration and credentials directory.
        made.append("/etc/scaleft-forwarder/team-a.yaml")
        shutil.copy("/usr/share/doc/scaleft-forwarder/examples/team-a.yaml", "/etc/scaleft-forwarder/team-a.yaml")
        made.append("/etc/scaleft-forwarder/credentials/team-a")
        os.mkdir("/etc/scaleft-forwarder/credentials/team-a", 0o700)
        for name in ("sft-key-secret", "es-api-key"):
            with open(f"/etc/scaleft-forwarder/credentials/team-a/{name}", "w") as f:
                f.write("placeholder-secret\n")
        r = run(["scaleft-forwarder-ctl", "team-a", "check-config"])
        self.assertIn("state_dir: /var/lib/scaleft-forwarder-team-a", r.stdout)
        self.assertIn("/var/log/scaleft-forwarder-team-a/audit.ndjson", r.stdout)
        r = run(["scaleft-forwarder-ctl", "team-a", "status", "--json"])
        self.assertIn('"state_dir":"/var/lib/scaleft-forwarder-team-a"', r.stdout)

        # Purge: everything the package installed is gone once the test's own files are removed.
        for path in reversed(made):
            shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
        made.clear()
        run(["dpkg", "--purge", PACKAGE])
        self.assertFalse(installed())
        for path in ["/usr/bin/scaleft-forwarder", "/usr/bin/scaleft-forwarder-ctl", "/etc/scaleft-forwarder",
                     "/usr/share/doc/scaleft-forwarder"] + [f"/lib/systemd/system/{u}" for u in UNITS]:
            self.assertFalse(os.path.exists(path), path)


if __name__ == "__main__":
    unittest.main()

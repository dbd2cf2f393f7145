"""Elasticsearch TLS options end to end: scaleft-sim -> scaleft-forwarder -> es-sim over TLS with certificates
made here with the openssl command: mutual TLS (and its refusals), ca_trusted_fingerprint, and plain http to a
non-loopback address with allow_insecure_http."""
import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import unittest
import urllib.request

from harness import ForwarderTest, wait_until, write_config
from pki import Pki


def non_loopback_ipv4():
    """The machine's first non-loopback IPv4 address (`hostname -I`), or None."""
    try:
        out = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for addr in out.split():
        if "." in addr and not addr.startswith("127."):
            return addr
    return None


class TlsOptionsTest(ForwarderTest):
    @classmethod
    def setUpClass(cls):
        cls.pki_dir = tempfile.mkdtemp(prefix="sf-e2e-pki-")
        cls.pki = Pki(cls.pki_dir)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.pki_dir, ignore_errors=True)

    def start_tls_es(self, client_ca=True):
        args = ["--tls-cert", self.pki.path("server-chain.pem"), "--tls-key", self.pki.path("server.key")]
        if client_ca:
            args += ["--tls-client-ca", self.pki.path("ca.pem")]
        return self.start_es_sim(*args)

    def stored_ids(self, es):
        """The ids es-sim stored, read over its TLS port as a client it trusts."""
        ctx = ssl.create_default_context(cafile=self.pki.path("ca.pem"))
        ctx.load_cert_chain(self.pki.path("client.pem"), self.pki.path("client.key"))
        with urllib.request.urlopen(es.url + "/_sim/ids?index=scaleft-audit", context=ctx, timeout=30) as r:
            return r.read().decode().split()

    def configure(self, sim, url, extra):
        write_config(self.config_path, sim, self.state_dir,
                     f"  - name: elk\n    type: elasticsearch\n    url: {url}\n    index: scaleft-audit\n"
                     f"    request_timeout: 5s\n{extra}")

    def identity(self, cert="client"):
        return (f"    client_certificate: {self.pki.path(cert + '.pem')}\n"
                f"    client_key_file: {self.pki.path(cert + '.key')}\n")

    def run_once_ok(self):
        fwd = self.start_forwarder("--once")
        self.assertEqual(fwd.wait(120), 0, fwd.output()[-3000:])
        return fwd

    def sink_errors(self, fwd):
        """The `error` of every warning the elk sink logged (JSON lines)."""
        errors = []
        for line in fwd.output().splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("sink") == "elk" and "error" in rec:
                errors.append(rec["error"])
        return errors

    def assert_refused_and_retried(self, sim, es, expected, also=()):
        """The forwarder runs; its requests fail with `expected` in the error (or one of `also`), `expected`
        at least twice (retried), and nothing is stored or committed. SIGTERM then ends it (with status 1:
        the delivery in retry outlives shutdown_grace, and the checkpoint stays where it was)."""
        fwd = self.start_forwarder()
        wait_until(lambda: sum(expected in e for e in self.sink_errors(fwd)) >= 2, 60,
                   f"two failed attempts naming {expected!r}")
        errors = self.sink_errors(fwd)
        self.assertTrue(all(expected in e or any(a in e for a in also) for e in errors), errors)
        self.assertEqual(self.stored_ids(es), [], "nothing reaches Elasticsearch")
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, "checkpoint.json")),
                         "the checkpoint never passes events that were not stored")
        fwd.signal(signal.SIGTERM)
        fwd.wait(30)
        self.assertFalse(os.path.exists(os.path.join(self.state_dir, "checkpoint.json")))
        self.assertIn('"checkpoint_event_id":""', fwd.output())
        return errors

    # ---- mutual TLS ----

    def test_mutual_tls_with_the_client_certificate_stores_every_event(self):
        sim = self.start_scaleft_sim(events=1500)
        es = self.start_tls_es()
        self.configure(sim, es.url, f"    ca_file: {self.pki.path('ca.pem')}\n" + self.identity())
        check = self.run_forwarder_cmd("check-config", "--config", self.config_path)
        self.assertEqual(check.returncode, 0, check.stderr)
        self.assertIn("client_key: <redacted>", check.stdout)
        self.assertNotIn("PRIVATE KEY", check.stdout + check.stderr)
        fwd = self.run_once_ok()
        self.assertNotIn("PRIVATE KEY", fwd.output())
        self.assertEqual(sorted(self.stored_ids(es)), sorted(sim.event_ids()))

    def test_a_client_certificate_from_another_ca_is_refused_and_retried(self):
        sim = self.start_scaleft_sim(events=200)
        es = self.start_tls_es()
        self.configure(sim, es.url, f"    ca_file: {self.pki.path('ca.pem')}\n" + self.identity("stranger"))
        self.assert_refused_and_retried(sim, es, "alert unknown ca", also=("Broken pipe", "Connection reset by peer"))

    def test_no_client_certificate_is_refused_and_retried(self):
        sim = self.start_scaleft_sim(events=200)
        es = self.start_tls_es()
        self.configure(sim, es.url, f"    ca_file: {self.pki.path('ca.pem')}\n")
        # TLS 1.3: the client's handshake ends before the server checks for a certificate; its alert comes
        # with the first read, or the request's write meets the closed connection first.
        self.assert_refused_and_retried(sim, es, "alert certificate required",
                                        also=("Broken pipe", "Connection reset by peer"))

    def test_check_config_refuses_a_key_of_another_certificate(self):
        sim = self.start_scaleft_sim()
        self.configure(sim, "https://127.0.0.1:9200",
                       f"    client_certificate: {self.pki.path('client.pem')}\n"
                       f"    client_key_file: {self.pki.path('stranger.key')}\n")
        check = self.run_forwarder_cmd("check-config", "--config", self.config_path)
        self.assertNotEqual(check.returncode, 0)
        self.assertIn("sinks[0].client_key_file", check.stderr)
        self.assertIn(f"the private key from '{self.pki.path('stranger.key')}' does not belong to the "
                      f"certificate in '{self.pki.path('client.pem')}'", check.stderr)
        self.assertNotIn("PRIVATE KEY", check.stderr)

    # ---- ca_trusted_fingerprint ----

    def test_the_pinned_ca_fingerprint_is_trusted_without_a_ca_file(self):
        sim = self.start_scaleft_sim(events=800)
        es = self.start_tls_es(client_ca=False)
        # As Elasticsearch prints it at first start: lower-case hex without colons.
        pin = self.pki.fingerprint("ca").replace(":", "").lower()
        self.configure(sim, es.url, f"    ca_trusted_fingerprint: {pin}\n")
        self.run_once_ok()
        self.assertEqual(sorted(self.stored_ids(es)), sorted(sim.event_ids()))

    def test_a_wrong_fingerprint_is_refused_naming_the_expected_one(self):
        sim = self.start_scaleft_sim(events=200)
        es = self.start_tls_es(client_ca=False)
        wrong = self.pki.fingerprint("other-ca")
        self.configure(sim, es.url, f"    ca_trusted_fingerprint: \"{wrong}\"\n")
        errors = self.assert_refused_and_retried(
            sim, es, f"the server presented no CA certificate with the ca_trusted_fingerprint {wrong}")
        self.assertIn("TLS handshake", errors[0])

    # ---- plain http inside a trusted network ----

    def test_plain_http_to_a_non_loopback_address_needs_allow_insecure_http(self):
        addr = non_loopback_ipv4()
        if addr is None:
            self.skipTest("this machine has no non-loopback IPv4 address (hostname -I) to bind es-sim to")
        sim = self.start_scaleft_sim(events=600)
        es = self.start_es_sim("--listen", f"{addr}:0")
        self.assertTrue(es.url.startswith(f"http://{addr}:"), es.url)
        self.configure(sim, es.url, "")
        check = self.run_forwarder_cmd("check-config", "--config", self.config_path)
        self.assertNotEqual(check.returncode, 0, "plain http to a non-loopback host passed without the opt-in")
        self.assertIn("sinks[0].url", check.stderr)
        self.assertIn("not loopback", check.stderr)
        self.assertIn("allow_insecure_http: true", check.stderr)
        refused = self.start_forwarder("--once", name="refused")
        self.assertNotEqual(refused.wait(30), 0)
        self.assertEqual(es.get("/_sim/ids?index=scaleft-audit").decode().split(), [])

        self.configure(sim, es.url, "    allow_insecure_http: true\n")
        check = self.run_forwarder_cmd("check-config", "--config", self.config_path)
        self.assertEqual(check.returncode, 0, check.stderr)
        fwd = self.run_once_ok()
        warnings = [json.loads(l) for l in fwd.output().splitlines()
                    if l.startswith("{") and "allow_insecure_http" in l]
        self.assertEqual(len(warnings), 1, fwd.output()[-3000:])
        self.assertEqual(warnings[0]["level"], "warn")
        self.assertEqual(warnings[0]["hosts"], f"{addr}:{es.url.rsplit(':', 1)[1]}")
        self.assertEqual(sorted(es.get("/_sim/ids?index=scaleft-audit").decode().split()), sorted(sim.event_ids()))


if __name__ == "__main__":
    unittest.main(verbosity=2)

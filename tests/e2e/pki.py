"""Certificates for the end-to-end tests, made with the openssl command line: two CAs (`ca`, `other-ca`), a
server certificate for 127.0.0.1 and localhost from `ca` (also as `server-chain.pem`, with its CA, as
Elasticsearch's auto-configured HTTP certificate is sent), a client certificate from `ca` and one from
`other-ca` (`stranger`)."""
import os
import subprocess


def openssl(workdir, *args):
    r = subprocess.run(["openssl", *args], cwd=workdir, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed:\n{r.stderr}")
    return r.stdout


class Pki:
    def __init__(self, workdir, name="e2e", server_subject="/CN=server", server_days=2):
        """`name` goes into the CAs' common names ("<name> ca"); the server certificate has `server_subject`
        and is valid for `server_days`."""
        self.dir = workdir
        for ca in ("ca", "other-ca"):
            self.write(f"{ca}.cnf", "[req]\ndistinguished_name = dn\nx509_extensions = v3\nprompt = no\n"
                                    f"[dn]\nCN = {name} {ca}\n"
                                    "[v3]\nbasicConstraints = critical,CA:TRUE\n"
                                    "keyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n")
            openssl(workdir, "req", "-x509", "-config", f"{ca}.cnf", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{ca}.key", "-out", f"{ca}.pem",
                    "-days", str(max(server_days, 2) + 1))
        self.issue("server", "ca", "IP:127.0.0.1, DNS:localhost", "serverAuth", server_subject, server_days)
        self.issue("client", "ca", "DNS:scaleft-forwarder", "clientAuth")
        self.issue("stranger", "other-ca", "DNS:scaleft-forwarder", "clientAuth")
        self.write("server-chain.pem", self.read("server.pem") + self.read("ca.pem"))
        for key in ("client.key", "stranger.key"):
            os.chmod(self.path(key), 0o600)

    def issue(self, name, ca, san, usage, subject=None, days=2):
        self.write(f"{name}.ext", f"subjectAltName = {san}\nbasicConstraints = CA:FALSE\n"
                                  f"keyUsage = critical,digitalSignature\nextendedKeyUsage = {usage}\n")
        openssl(self.dir, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-subj", subject or f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.csr")
        openssl(self.dir, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
                "-CAcreateserial", "-days", str(days), "-extfile", f"{name}.ext", "-out", f"{name}.pem")

    def fingerprint(self, name):
        """`openssl x509 -fingerprint -sha256` of name.pem: "AB:CD:..."."""
        out = openssl(self.dir, "x509", "-noout", "-fingerprint", "-sha256", "-in", f"{name}.pem")
        return out.strip().split("=", 1)[1]

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name):
        with open(self.path(name)) as f:
            return f.read()

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)

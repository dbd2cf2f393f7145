"""Stand-ins for the forwarder's peers in end-to-end tests that need a server scaleft-sim cannot be."""
import os

KEY_ID = "6052868b-1b04-4a14-8288-e6496d7f2f4b"


class StaticSource:
    """What harness.write_config needs of a ScaleFT endpoint (url, key_id(), key_secret_file()), for a server
    the test runs itself; the secret file is written 0600 in `workdir`."""

    def __init__(self, url, workdir):
        self.url = url
        self._secret = os.path.join(workdir, "key-secret")
        with open(self._secret, "w") as f:
            f.write("s3cr3t")
        os.chmod(self._secret, 0o600)

    def key_id(self):
        return KEY_ID

    def key_secret_file(self):
        return self._secret

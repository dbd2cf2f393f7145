// A throw-away PKI made with the `openssl` command in a temp dir: CAs, server and client certificates.
#pragma once

#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sf::test {

class test_pki {
 public:
  // Makes the CA `ca` (ca.pem, ca.key); ok() says whether openssl managed.
  test_pki() { ok_ = add_ca("ca"); }
  bool ok() const { return ok_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Another CA, `name`.pem / `name`.key, unrelated to the first.
  bool add_ca(const std::string& name) {
    write(name + ".cnf",
          "[req]\ndistinguished_name = dn\nx509_extensions = v3_ca\nprompt = no\n"
          "[dn]\nCN = scaleft-forwarder test CA " + name + "\n"
          "[v3_ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n"
          "subjectKeyIdentifier = hash\n");
    return run("openssl req -x509 -config " + name + ".cnf -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
               "-nodes -keyout " + name + ".key -out " + name + ".pem -days 2");
  }

  // Issues `name`.pem / `name`.key signed by `ca`, with the given subjectAltName (e.g. "IP:127.0.0.1") and
  // extended key usage ("serverAuth" or "clientAuth").
  bool issue(const std::string& name, const std::string& san, const std::string& usage = "serverAuth",
             const std::string& ca = "ca") {
    write(name + ".ext", "subjectAltName = " + san +
                             "\nbasicConstraints = CA:FALSE\nkeyUsage = "
                             "critical,digitalSignature\nextendedKeyUsage = " + usage + "\n");
    return run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" + name +
               " -keyout " + name + ".key -out " + name + ".csr") &&
           run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
               ".key -CAcreateserial -days 2 -extfile " + name + ".ext -out " + name + ".pem");
  }

  // `name`-chain.pem: the certificate then its CA's, as a server that sends its CA presents them.
  std::string chain(const std::string& name, const std::string& ca = "ca") {
    write(name + "-chain.pem", read(name + ".pem") + read(ca + ".pem"));
    return path(name + "-chain.pem");
  }

  // What `openssl x509 -noout -fingerprint -sha256` prints for `name`.pem: "AB:CD:..." (empty on failure).
  std::string fingerprint(const std::string& name) {
    if (!run("openssl x509 -noout -fingerprint -sha256 -in " + name + ".pem", name + ".fp")) return {};
    const std::string out = read(name + ".fp");
    const auto eq = out.find('=');
    if (eq == std::string::npos) return {};
    return out.substr(eq + 1, out.find_first_of("\r\n", eq) - eq - 1);
  }

  // Runs `cmd` in the PKI's directory (output to `log`); true when it exits 0.
  bool run(const std::string& cmd, const std::string& log = "openssl.log") {
    const std::string full = "cd '" + dir_.string() + "' && " + cmd + " >" + log + " 2>&1";
    return std::system(full.c_str()) == 0;
  }

  std::string read(const std::string& name) const {
    std::ifstream f(dir_ / name);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

 private:
  temp_dir tmp_{"sf-test-pki"};
  std::filesystem::path dir_ = tmp_.path();
  bool ok_ = false;
};

}  // namespace sf::test

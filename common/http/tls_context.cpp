// TLS client contexts: verification settings, the client identity, and the pinned-CA verification callback.
#include "common/http/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace sf::http {
namespace {

namespace ssl = boost::asio::ssl;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The newest OpenSSL error's reason ("no start line"), clearing the queue; `fallback` when there is none.
std::string openssl_reason(const char* fallback) {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  return reason ? reason : fallback;
}

// How messages name where a key came from: never its content.
std::string key_origin(const std::string& source) {
  if (source.starts_with("file:")) return "'" + source.substr(5) + "'";
  if (source == "env") return "the environment";
  return "the configuration (inline)";
}

// A key file is never asked for a passphrase on the terminal: a daemon has none to give.
int no_passphrase(char*, int, int, void*) { return -1; }

bool is_encrypted_pem(const std::string& pem) {
  return pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string::npos ||
         pem.find("Proc-Type: 4,ENCRYPTED") != std::string::npos;
}

std::string file_problem(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "cannot read '" + path + "': " + std::strerror(errno);
  std::fclose(f);
  return {};
}

// Loads the identity into `ctx`; the problem found, if any (the context is then half set up).
identity_problem load_identity(SSL_CTX* ctx, const client_identity& id) {
  using part = identity_problem::part;
  if (auto p = file_problem(id.certificate_file); !p.empty()) return {part::certificate, p};
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, id.certificate_file.c_str()) != 1)
    return {part::certificate, "'" + id.certificate_file + "' holds no usable PEM certificate (" +
                                   openssl_reason("unreadable") + ")"};
  const std::string from = key_origin(id.key_source);
  if (is_encrypted_pem(id.key_pem))
    return {part::key, "the private key from " + from +
                           " is protected by a passphrase, which the forwarder cannot enter: store it "
                           "decrypted (openssl pkey -in KEY -out PLAIN) in a file only the forwarder can "
                           "read (mode 0600)"};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(id.key_pem.data(), static_cast<int>(id.key_pem.size())), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr, &EVP_PKEY_free);
  if (!key)
    return {part::key, "the private key from " + from + " is not a PEM private key (" +
                           openssl_reason("unreadable") + ")"};
  // use_PrivateKey already refuses a key that is not the certificate's; check_private_key says so plainly.
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return {part::key, "the private key from " + from + " does not belong to the certificate in '" +
                           id.certificate_file + "'"};
  }
  return {};
}

// ---- the pinned CA ----

// The expected digest lives in the SSL_CTX's ex_data and is freed with it.
void free_pin(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<sha256_digest*>(ptr);
}

int pin_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_pin);
  return index;
}

// Per connection: whether the chain the server presented held the pinned CA (for the failure message).
int outcome_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
char pin_found, pin_missing;  // their addresses are the two outcomes

const sha256_digest* pin_of(const SSL_CTX* ctx) {
  return static_cast<const sha256_digest*>(SSL_CTX_get_ex_data(ctx, pin_index()));
}

bool digest_of(X509* cert, sha256_digest& out) {
  unsigned int n = 0;
  return X509_digest(cert, EVP_sha256(), out.data(), &n) == 1 && n == out.size();
}

// Replaces OpenSSL's chain verification for a context with a pin: a CA certificate of the presented chain
// whose SHA-256 is the pin becomes this connection's trust anchor (the chain is verified up to it, dates,
// signatures and host name included); without one, the chain must verify against the store as usual.
int verify_with_pin(X509_STORE_CTX* store, void* arg) {
  const auto* pin = static_cast<const sha256_digest*>(arg);
  auto* conn = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  X509* anchor = nullptr;
  STACK_OF(X509)* presented = X509_STORE_CTX_get0_untrusted(store);
  for (int i = 0; presented && i < sk_X509_num(presented) && !anchor; ++i) {
    X509* cert = sk_X509_value(presented, i);
    sha256_digest d{};
    if (X509_check_ca(cert) > 0 && digest_of(cert, d) && d == *pin) anchor = cert;
  }
  if (conn) SSL_set_ex_data(conn, outcome_index(), anchor ? &pin_found : &pin_missing);
  if (!anchor) return X509_verify_cert(store);
  STACK_OF(X509)* trusted = sk_X509_new_null();
  if (!trusted || sk_X509_push(trusted, anchor) <= 0) {
    sk_X509_free(trusted);
    X509_STORE_CTX_set_error(store, X509_V_ERR_OUT_OF_MEM);
    return 0;
  }
  X509_STORE_CTX_set0_trusted_stack(store, trusted);
  // The pinned CA may be an intermediate: the chain ends there, it need not reach a self-signed root.
  X509_STORE_CTX_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
  const int ok = X509_verify_cert(store);
  sk_X509_free(trusted);  // the certificate belongs to the presented chain
  return ok;
}

}  // namespace

std::optional<sha256_digest> parse_sha256_fingerprint(std::string_view text, std::string* problem) {
  auto fail = [&](std::string why) -> std::optional<sha256_digest> {
    if (problem) *problem = std::move(why);
    return std::nullopt;
  };
  std::string hex;
  if (text.find(':') != std::string_view::npos) {
    // Pairs only ("AB:CD:..."): a stray or doubled ':' is a copying mistake worth naming.
    for (std::size_t start = 0; start <= text.size();) {
      auto end = text.find(':', start);
      if (end == std::string_view::npos) end = text.size();
      if (end - start != 2)
        return fail("must be 32 colon-separated pairs of hex digits (AB:CD:...) or 64 hex digits");
      hex.append(text.substr(start, 2));
      start = end + 1;
    }
  } else {
    hex = std::string(text);
  }
  for (char c : hex)
    if (hex_value(c) < 0)
      return fail(std::string("has '") + c +
                  "', which is not a hex digit: give the SHA-256 fingerprint of the CA certificate "
                  "(openssl x509 -noout -fingerprint -sha256 -in ca.crt)");
  if (hex.size() != 64)
    return fail("has " + std::to_string(hex.size()) +
                " hex digits: a SHA-256 fingerprint has 64 (a SHA-1 one has 40: use -sha256)");
  sha256_digest d{};
  for (std::size_t i = 0; i < d.size(); ++i)
    d[i] = static_cast<unsigned char>(hex_value(hex[2 * i]) * 16 + hex_value(hex[2 * i + 1]));
  return d;
}

std::string format_fingerprint(const sha256_digest& digest) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  for (std::size_t i = 0; i < digest.size(); ++i) {
    if (i) out.push_back(':');
    out.push_back(digits[digest[i] >> 4]);
    out.push_back(digits[digest[i] & 0xf]);
  }
  return out;
}

identity_problem check_client_identity(const client_identity& identity) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> scratch(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!scratch)
    return {identity_problem::part::certificate, "cannot make a TLS context: " + openssl_reason("no memory")};
  SSL_CTX_set_default_passwd_cb(scratch.get(), no_passphrase);
  return load_identity(scratch.get(), identity);
}

ssl::context make_client_tls_context(const std::string& ca_file, const client_identity& identity,
                                     const std::string& ca_trusted_fingerprint) {
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_verify_mode(ssl::verify_peer);
  SSL_CTX_set_default_passwd_cb(ctx.native_handle(), no_passphrase);
  boost::system::error_code ec;
  ctx.set_default_verify_paths(ec);
  if (!ca_file.empty()) {
    ctx.load_verify_file(ca_file, ec);
    if (ec) throw std::runtime_error("cannot load CA file " + ca_file + ": " + ec.message());
  }
  if (!identity.empty()) {
    if (auto p = load_identity(ctx.native_handle(), identity))
      throw std::runtime_error("client certificate: " + p.message);
  }
  if (!ca_trusted_fingerprint.empty()) {
    std::string problem;
    auto pin = parse_sha256_fingerprint(ca_trusted_fingerprint, &problem);
    if (!pin) throw std::runtime_error("ca_trusted_fingerprint " + problem);
    auto* held = new sha256_digest(*pin);
    if (SSL_CTX_set_ex_data(ctx.native_handle(), pin_index(), held) != 1) {
      delete held;
      throw std::runtime_error("cannot keep the CA fingerprint: " + openssl_reason("no memory"));
    }
    SSL_CTX_set_cert_verify_callback(ctx.native_handle(), verify_with_pin, held);
  }
  return ctx;
}

std::string certificate_failure(const SSL* conn) {
  const long verify = SSL_get_verify_result(conn);
  if (verify == X509_V_OK) return {};
  std::string why = X509_verify_cert_error_string(verify);
  const sha256_digest* pin = pin_of(SSL_get_SSL_CTX(conn));
  if (pin && SSL_get_ex_data(conn, outcome_index()) == &pin_missing)
    why += "; the server presented no CA certificate with the ca_trusted_fingerprint " +
           format_fingerprint(*pin);
  return why;
}

}  // namespace sf::http

// TLS client contexts: always verified; extra CAs, a client certificate (mutual TLS), a CA pinned by hash.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace sf::http {

using sha256_digest = std::array<unsigned char, 32>;

// A SHA-256 fingerprint as Elastic's clients take it: 64 hex digits in either case, optionally as
// colon-separated pairs (`openssl x509 -fingerprint -sha256` prints that form). nullopt when it is not one;
// then `problem` (if given) says why.
std::optional<sha256_digest> parse_sha256_fingerprint(std::string_view text, std::string* problem = nullptr);
// "AB:CD:...": the form `openssl x509 -fingerprint -sha256` prints, for messages.
std::string format_fingerprint(const sha256_digest& digest);

// The certificate and key a client shows to a server that asks for one (mutual TLS).
struct client_identity {
  std::string certificate_file;  // PEM: the client certificate, then any intermediates
  std::string key_pem;           // its private key, PEM text; a secret, never put in a message
  std::string key_source;        // where the key came from: "file:/path", "inline" or "env" (messages only)
  bool empty() const { return certificate_file.empty() && key_pem.empty(); }
};

// What is wrong with an identity, and which half to blame (for the configuration's line numbers).
struct identity_problem {
  enum class part { none, certificate, key } at = part::none;
  std::string message;
  explicit operator bool() const { return at != part::none; }
};

// Loads the identity into a scratch context: the certificate file readable and PEM, the key PEM and not
// protected by a passphrase, and the key the certificate's (SSL_CTX_check_private_key).
identity_problem check_client_identity(const client_identity& identity);

// A client context: TLS 1.2 or later, the peer verified against the system store and `ca_file`, the
// identity (when not empty) offered to servers that ask, and, when `ca_trusted_fingerprint` is given, a
// CA certificate with that SHA-256 fingerprint in the chain the server presents trusted as well. Host names
// are checked per connection (the caller sets them). Throws std::runtime_error naming the file at fault.
boost::asio::ssl::context make_client_tls_context(const std::string& ca_file, const client_identity& identity,
                                                  const std::string& ca_trusted_fingerprint);

// After a failed handshake on a connection of such a context: why the server's certificate was refused
// (with the fingerprint that no presented CA had, when that applies), or "" when it was not.
std::string certificate_failure(const SSL* ssl);

}  // namespace sf::http

// What a TLS peer's certificate says, for people: subject, issuer, expiry (OpenSSL kept out of the header).
#pragma once

#include <cstdint>
#include <string>

struct x509_st;

namespace sf::http {

struct certificate_info {
  std::string subject;  // RFC 2253 (the last RDN first): "CN=app.scaleft.com,O=Okta,C=US"
  std::string issuer;
  std::int64_t not_after_unix = 0;  // seconds since the epoch (UTC)
};

// Reads a certificate's subject, issuer and notAfter.
certificate_info describe_certificate(x509_st* cert);

}  // namespace sf::http

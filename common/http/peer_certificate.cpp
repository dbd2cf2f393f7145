// Certificate facts for the connection trace: subject and issuer as RFC 2253 text, notAfter as Unix time.
#include "common/http/peer_certificate.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

namespace sf::http {
namespace {

std::string name_text(X509_NAME* name) {
  if (!name) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio) return {};
  // RFC 2253 order (CN first), UTF-8 kept as it is rather than escaped byte by byte.
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

}  // namespace

certificate_info describe_certificate(x509_st* cert) {
  certificate_info info;
  if (!cert) return info;
  info.subject = name_text(X509_get_subject_name(cert));
  info.issuer = name_text(X509_get_issuer_name(cert));
  std::tm tm{};
  if (const ASN1_TIME* t = X509_get0_notAfter(cert); t && ASN1_TIME_to_tm(t, &tm) == 1)
    info.not_after_unix = static_cast<std::int64_t>(timegm(&tm));
  return info;
}

}  // namespace sf::http

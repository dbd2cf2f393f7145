// Unit tests of the status table of spec section 4: what the forwarder does with each ScaleFT status.
#include "daemon/source/source_status.hpp"

#include <gtest/gtest.h>

namespace sf::retry {
namespace {

TEST(ClassifySourceStatus, Successes) {
  for (unsigned s : {200u, 201u, 204u, 299u})
    EXPECT_EQ(classify_source_status(s), source_action::success) << s;
}

TEST(ClassifySourceStatus, UnauthorizedMintsANewToken) {
  // 401 authentication_error / authorization_error, including "Authentication token expired".
  EXPECT_EQ(classify_source_status(401), source_action::reauthenticate);
}

TEST(ClassifySourceStatus, TransientStatusesRetryWithBackoff) {
  // 429 too_many_requests, 499 client_closed_connection, 500 unknown_error, 502, 503 service_offline,
  // 504 gateway_timeout.
  for (unsigned s : {429u, 499u, 500u, 502u, 503u, 504u})
    EXPECT_EQ(classify_source_status(s), source_action::retry) << s;
}

TEST(ClassifySourceStatus, ConfigurationProblems) {
  // 400 invalid_request, 403 forbidden_error/quota_exceeded/disabled_team, 404 resource_does_not_exist,
  // 409 resource_already_exists, 415 unsupported_content_type: retrying fast cannot fix them.
  for (unsigned s : {400u, 403u, 404u, 409u, 415u})
    EXPECT_EQ(classify_source_status(s), source_action::config_error) << s;
}

TEST(ClassifySourceStatus, NeighboursOfSpecialCasesAreNotSpecial) {
  EXPECT_EQ(classify_source_status(402), source_action::config_error);
  EXPECT_EQ(classify_source_status(428), source_action::config_error);
  EXPECT_EQ(classify_source_status(430), source_action::config_error);
  EXPECT_EQ(classify_source_status(498), source_action::config_error);
  EXPECT_EQ(classify_source_status(300), source_action::config_error);  // a redirect is never followed
  EXPECT_EQ(classify_source_status(199), source_action::config_error);
}

}  // namespace
}  // namespace sf::retry

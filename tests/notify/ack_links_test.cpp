// Signed ack links: one incident, one use, until they expire; forged,
// altered or replayed ones are refused, across a restart too.

#include "notify/ack_links.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "../e2e/subprocess.h"

namespace fw::notify {
namespace {

class AckLinksTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = e2e::MakeTempDir(); }
  std::unique_ptr<AckLinks> Open() {
    auto links = AckLinks::Open(dir_ + "/paging.key", dir_ + "/paging.used");
    EXPECT_TRUE(links) << links.error().ToString();
    return links ? std::move(*links) : nullptr;
  }
  std::string dir_;
  Timestamp now_ = 1'768'487'100'000;
  Timestamp day_ = 24 * 3'600'000;
};

TEST_F(AckLinksTest, SecretIsGeneratedOwnerOnly) {
  auto links = Open();
  struct stat st {};
  ASSERT_EQ(::stat((dir_ + "/paging.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A secret others may read is refused, not used.
  ::chmod((dir_ + "/paging.key").c_str(), 0644);
  auto again = AckLinks::Open(dir_ + "/paging.key", dir_ + "/paging.used");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("chmod 600"), std::string::npos);
}

TEST_F(AckLinksTest, AcknowledgesOnceThenRefusesTheReplay) {
  auto links = Open();
  const std::string token = links->Make("INC-7", "alice", now_ + day_);
  ASSERT_TRUE(links->Check(token, "INC-7", now_)) << "checking does not use it";
  auto claim = links->Redeem(token, "INC-7", now_);
  ASSERT_TRUE(claim) << claim.error().ToString();
  EXPECT_EQ(claim->person, "alice");
  EXPECT_EQ(claim->incident, "INC-7");
  auto replay = links->Redeem(token, "INC-7", now_ + 1);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code(), ErrorCode::kForbidden);
  // After a restart as well: used links are on disk.
  links = Open();
  replay = links->Redeem(token, "INC-7", now_ + 2);
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code(), ErrorCode::kForbidden);
}

TEST_F(AckLinksTest, RefusesAnotherIncidentAForgeryAndAnExpiredLink) {
  auto links = Open();
  const std::string token = links->Make("INC-7", "alice", now_ + day_);
  auto other = links->Redeem(token, "INC-8", now_);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), ErrorCode::kUnauthorized);
  EXPECT_EQ(other.error().message(), "the link is for another incident");

  // Altering the payload (one character) breaks the signature.
  std::string forged_payload = token.substr(0, token.find('.'));
  forged_payload[2] = forged_payload[2] == 'A' ? 'B' : 'A';
  auto forged = links->Redeem(forged_payload + token.substr(token.find('.')), "INC-7", now_);
  ASSERT_FALSE(forged);
  EXPECT_EQ(forged.error().code(), ErrorCode::kUnauthorized);

  // A link signed by another server's secret.
  const std::string elsewhere = e2e::MakeTempDir();
  auto theirs = AckLinks::Open(elsewhere + "/k", elsewhere + "/u");
  ASSERT_TRUE(theirs);
  auto foreign = links->Redeem((*theirs)->Make("INC-7", "mallory", now_ + day_), "INC-7", now_);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().message(), "the link's signature does not match");

  EXPECT_FALSE(links->Redeem("garbage", "INC-7", now_));
  auto expired = links->Redeem(token, "INC-7", now_ + day_);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().message(), "the link expired");
  // The refusals above did not use it up... but it is expired now.
  EXPECT_TRUE(links->Redeem(token, "INC-7", now_ + day_ - 1));
}

TEST_F(AckLinksTest, NoSingleCharacterChangeIsAccepted) {
  auto links = Open();
  const std::string token = links->Make("INC-7", "alice", now_ + day_);
  const std::string alphabet = "AZaz09-_.|=%";
  for (size_t i = 0; i < token.size(); ++i) {
    for (char c : alphabet) {
      if (token[i] == c) continue;
      std::string bad = token;
      bad[i] = c;
      // Every change is refused, even one in a character's unused low bits
      // (only the canonical base64url spelling is read).
      EXPECT_FALSE(links->Check(bad, "INC-7", now_)) << bad;
    }
    EXPECT_FALSE(links->Check(token.substr(0, i), "INC-7", now_)) << "a cut token at " << i;
  }
}

TEST(TwilioSignatureTest, MatchesTwilioExample) {
  // Twilio's request-validation example (TwilioDevEd/api-snippets).
  const std::string signed_text =
      "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310"
      "Digits1234From+14158675310To+18005551212";
  EXPECT_EQ(TwilioSignature("12345", signed_text), "GvWf1cFY/Q7PnoempGyD5oXAezc=");
}

}  // namespace
}  // namespace fw::notify

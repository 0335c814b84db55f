// E-mail pages against a real SMTP server on 127.0.0.1: Debian's aiosmtpd
// (fake_smtp.py, run with /usr/bin/python3), which records every message.

#include "notify/smtp.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../e2e/subprocess.h"
#include "notify/channels.h"

namespace fw::notify {
namespace {

class SmtpTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = e2e::MakeTempDir(); }
  // Starts the server; extra: fake_smtp.py's flags.
  void Start(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {"/usr/bin/python3", FW_FAKE_SMTP, dir_ + "/mail.jsonl"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_ = std::make_unique<e2e::Background>(argv);
    port_ = std::atoi(server_->ReadLine().c_str());
    ASSERT_GT(port_, 0) << "fake_smtp.py did not start (is python3-aiosmtpd installed?)";
  }
  std::vector<nlohmann::json> Received() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_ + "/mail.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  SmtpSettings Settings(const std::string& host = "127.0.0.1") {
    SmtpSettings s;
    s.host = host;
    s.port = port_;
    s.from = "firewatch@example.com";
    return s;
  }
  // A self-signed certificate for "localhost", made with the openssl tool.
  void MakeCertificate() {
    auto r = e2e::Run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                       "-keyout", dir_ + "/key.pem", "-out", dir_ + "/cert.pem", "-days", "1",
                       "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string dir_;
  std::unique_ptr<e2e::Background> server_;
  int port_ = 0;
  Millis timeout_{10'000};
  Timestamp now_ = 1'768'487'100'000;  // 2026-01-15T14:25:00Z
};

TEST_F(SmtpTest, PageArrivesAsAPlainTextMailWithTheLinks) {
  Start({});
  PagingSettings s;
  SmtpSettings smtp = Settings();
  smtp.starttls = false;  // a local relay without TLS, no password
  s.smtp = smtp;
  s.people.push_back({"alice",
                      TimeZone::Utc(),
                      std::nullopt,
                      {{MethodType::kEmail, "alice@example.com", Millis(0)}}});
  const PageMessage m{"INC-7",
                      "checkout errors\r\nBcc: evil@example.com",
                      2,
                      "alice",
                      0,
                      "http://fw.test/page/INC-7/ack?t=abc",
                      "http://fw.test/page/INC-7?t=abc",
                      1};
  std::string detail;
  ASSERT_EQ(SendPage(s, m, timeout_, now_, detail), 200) << detail;
  const auto mail = Received();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["from"], "firewatch@example.com");
  EXPECT_EQ(mail[0]["to"], nlohmann::json::array({"alice@example.com"}));
  const std::string data = mail[0]["data"];
  EXPECT_NE(data.find("Subject: [P2] INC-7: checkout errors  Bcc: evil@example.com\r\n"),
            std::string::npos)
      << "a line break in the title must not start a header:\n"
      << data;
  const std::string headers = data.substr(0, data.find("\r\n\r\n"));
  EXPECT_EQ(headers.find("\r\nBcc:"), std::string::npos) << data;
  EXPECT_NE(data.find("Date: Thu, 15 Jan 2026 14:25:00 +0000"), std::string::npos) << data;
  EXPECT_NE(data.find("Ack: http://fw.test/page/INC-7/ack?t=abc"), std::string::npos) << data;
  EXPECT_NE(data.find("Reply with ACK"), std::string::npos) << data;
}

TEST_F(SmtpTest, DotStuffingKeepsALoneDotInTheText) {
  Start({});
  SmtpSettings smtp = Settings();
  smtp.starttls = false;
  ASSERT_TRUE(
      SendEmail(smtp, {"ops@example.com", "dots", "first\n.\n..two\nlast", ""}, timeout_, now_));
  const auto mail = Received();
  ASSERT_EQ(mail.size(), 1u);
  const std::string data = mail[0]["data"];
  EXPECT_NE(data.find("first\r\n.\r\n..two\r\nlast"), std::string::npos) << data;
}

TEST_F(SmtpTest, RefusesToSendAPasswordWithoutTls) {
  Start({"--auth", "fw:s3cret"});
  SmtpSettings smtp = Settings();
  smtp.starttls = false;
  smtp.username = "fw";
  smtp.password = "s3cret";
  auto sent = SendEmail(smtp, {"ops@example.com", "s", "t", ""}, timeout_, now_);
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().message().find("refusing SMTP AUTH without TLS"), std::string::npos);
  EXPECT_TRUE(Received().empty());
  // Allowed explicitly: the server checks the password.
  smtp.allow_insecure_auth = true;
  ASSERT_TRUE(SendEmail(smtp, {"ops@example.com", "s", "t", ""}, timeout_, now_));
  smtp.password = "wrong";
  sent = SendEmail(smtp, {"ops@example.com", "s", "t", ""}, timeout_, now_);
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().message().find("wrong"), std::string::npos) << "no password in errors";
  ASSERT_EQ(Received().size(), 1u);
  EXPECT_EQ(Received()[0]["auth"], true);
}

TEST_F(SmtpTest, StartTlsIsRequiredByDefault) {
  Start({});
  auto sent = SendEmail(Settings(), {"ops@example.com", "s", "t", ""}, timeout_, now_);
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().message().find("does not offer STARTTLS"), std::string::npos)
      << sent.error().message();
  EXPECT_TRUE(Received().empty());
}

TEST_F(SmtpTest, StartTlsVerifiesTheCertificateThenAuthenticates) {
  MakeCertificate();
  Start({"--auth", "fw:s3cret", "--tls", dir_ + "/cert.pem", dir_ + "/key.pem", "--require-tls"});
  SmtpSettings smtp = Settings("localhost");
  smtp.username = "fw";
  smtp.password = "s3cret";
  // Not in the system's trust store: refused.
  auto sent = SendEmail(smtp, {"ops@example.com", "s", "t", ""}, timeout_, now_);
  ASSERT_FALSE(sent);
  EXPECT_NE(sent.error().message().find("TLS handshake"), std::string::npos)
      << sent.error().message();
  smtp.ca_file = dir_ + "/cert.pem";
  sent = SendEmail(smtp, {"ops@example.com", "over tls", "t", ""}, timeout_, now_);
  ASSERT_TRUE(sent) << sent.error().message();
  const auto mail = Received();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0]["tls"], true);
  EXPECT_EQ(mail[0]["auth"], true);
}

}  // namespace
}  // namespace fw::notify

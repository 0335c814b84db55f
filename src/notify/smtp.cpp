#include "notify/smtp.h"

#include <cstdlib>

#include "notify/connection.h"
#include "notify/http_post.h"

namespace fw::notify {
namespace {

struct Reply {
  int code = 0;
  std::string text;  // every line, joined
};

Result<Reply> ReadReply(Connection& c) {
  Reply r;
  for (;;) {
    auto line = c.ReadLine();
    if (!line) return Fail(line.error());
    if (line->size() < 3) return Fail(ErrorCode::kIo, "SMTP server sent a malformed reply");
    r.code = std::atoi(line->substr(0, 3).c_str());
    r.text += line->substr(std::min<size_t>(4, line->size())) + "\n";
    if (line->size() == 3 || (*line)[3] != '-') return r;
  }
}

// Sends `command` (shown as `shown` in errors) and expects a reply class.
Result<Reply> Exchange(Connection& c, const std::string& command, int want,
                       const std::string& shown) {
  if (!command.empty()) {
    if (auto w = c.Write(command + "\r\n"); !w) return Fail(w.error());
  }
  auto r = ReadReply(c);
  if (!r) return r;
  if (r->code / 100 != want) {
    const ErrorCode code = r->code / 100 == 5 ? ErrorCode::kInvalidArgument : ErrorCode::kIo;
    std::string text = r->text;
    if (!text.empty() && text.back() == '\n') text.pop_back();
    return Fail(code, "SMTP " + shown + ": " + std::to_string(r->code) + " " + text);
  }
  return r;
}

bool Offers(const Reply& ehlo, const std::string& ext) {
  size_t at = 0;
  while (at < ehlo.text.size()) {
    const size_t nl = ehlo.text.find('\n', at);
    std::string line = ehlo.text.substr(at, nl - at);
    for (char& ch : line) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (line == ext || line.starts_with(ext + " ")) return true;
    at = nl == std::string::npos ? ehlo.text.size() : nl + 1;
  }
  return false;
}

// Header values must not carry line breaks (header injection).
std::string OneLine(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '\r' || ch == '\n' ? ' ' : ch;
  return out;
}

std::string DateHeader(Timestamp now) {
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const CivilTime c = TimeZone::Utc().ToLocal(now);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[c.weekday], c.day,
                kMonths[c.month - 1], c.year, c.hour, c.minute, c.second);
  return buf;
}

std::string Message(const SmtpSettings& smtp, const Email& mail, Timestamp now) {
  std::string out = "From: " + OneLine(smtp.from) + "\r\nTo: " + OneLine(mail.to) +
                    "\r\nSubject: " + OneLine(mail.subject) + "\r\nDate: " + DateHeader(now) +
                    "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n";
  if (!mail.message_id.empty()) out += "Message-ID: " + OneLine(mail.message_id) + "\r\n";
  out += "\r\n";
  // Lines as CRLF, and a line starting with "." gets another (dot-stuffing).
  size_t at = 0;
  while (at <= mail.text.size()) {
    size_t nl = mail.text.find('\n', at);
    if (nl == std::string::npos) nl = mail.text.size();
    std::string line = mail.text.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out += (line.starts_with(".") ? "." : "") + line + "\r\n";
    at = nl + 1;
  }
  return out + ".";
}

}  // namespace

Result<void> SendEmail(const SmtpSettings& smtp, const Email& mail, Millis timeout, Timestamp now) {
  if (mail.to.find_first_of("\r\n<>") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "bad e-mail address " + mail.to);
  }
  auto opened = Connection::Open(smtp.host, smtp.port, timeout);
  if (!opened) return Fail(opened.error());
  Connection& c = **opened;
  if (auto r = Exchange(c, "", 2, "greeting"); !r) return Fail(r.error());
  auto ehlo = Exchange(c, "EHLO firewatch", 2, "EHLO");
  if (!ehlo) return Fail(ehlo.error());
  if (smtp.starttls) {
    if (!Offers(*ehlo, "STARTTLS")) {
      return Fail(ErrorCode::kInvalidArgument,
                  "SMTP server " + smtp.host +
                      " does not offer STARTTLS (set tls: none to send "
                      "in clear)");
    }
    if (auto r = Exchange(c, "STARTTLS", 2, "STARTTLS"); !r) return Fail(r.error());
    if (auto t = c.StartTls(smtp.host, smtp.ca_file); !t) return Fail(t.error());
    ehlo = Exchange(c, "EHLO firewatch", 2, "EHLO");
    if (!ehlo) return Fail(ehlo.error());
  }
  if (!smtp.username.empty()) {
    if (!c.tls() && !smtp.allow_insecure_auth) {
      return Fail(ErrorCode::kInvalidArgument,
                  "refusing SMTP AUTH without TLS (set allow_insecure_auth to allow it)");
    }
    const std::string plain = std::string(1, '\0') + smtp.username + '\0' + smtp.password;
    if (auto r = Exchange(c, "AUTH PLAIN " + Base64(plain), 2, "AUTH"); !r) return Fail(r.error());
  }
  if (auto r = Exchange(c, "MAIL FROM:<" + OneLine(smtp.from) + ">", 2, "MAIL FROM"); !r) {
    return Fail(r.error());
  }
  if (auto r = Exchange(c, "RCPT TO:<" + mail.to + ">", 2, "RCPT TO"); !r) return Fail(r.error());
  if (auto r = Exchange(c, "DATA", 3, "DATA"); !r) return Fail(r.error());
  if (auto r = Exchange(c, Message(smtp, mail, now), 2, "message"); !r) return Fail(r.error());
  (void)Exchange(c, "QUIT", 2, "QUIT");
  return {};
}

}  // namespace fw::notify

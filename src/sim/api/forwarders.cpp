#include "sim/api/forwarders.h"

#include <httplib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

namespace fw::sim {

Result<std::unique_ptr<LogFileWriter>> LogFileWriter::Open(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::FILE* f = std::fopen(path.c_str(), "a");
  if (!f) return Fail(ErrorCode::kIo, "cannot open " + path + ": " + std::strerror(errno));
  return std::unique_ptr<LogFileWriter>(new LogFileWriter(f));
}

LogFileWriter::~LogFileWriter() { std::fclose(f_); }

void LogFileWriter::Write(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), f_);
  std::fputc('\n', f_);
  std::fflush(f_);
}

ChangePoster::ChangePoster(std::string url, std::string token)
    : url_(std::move(url)), token_(std::move(token)) {
  thread_ = std::jthread([this](std::stop_token stop) { Loop(stop); });
}

ChangePoster::~ChangePoster() {
  thread_.request_stop();
  cv_.notify_all();
}

void ChangePoster::Post(std::string_view json_line) {
  std::lock_guard lock(mu_);
  queue_.emplace_back(json_line);
  cv_.notify_all();
}

void ChangePoster::Loop(std::stop_token stop) {
  const size_t scheme = url_.find("://");
  const size_t path_at = scheme == std::string::npos ? 0 : url_.find('/', scheme + 3);
  httplib::Client client(url_.substr(0, path_at));
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  const std::string path = path_at == std::string::npos ? "/" : url_.substr(path_at);
  httplib::Headers headers;
  if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
  auto backoff = std::chrono::milliseconds(200);
  // Real time on purpose: this is a network retry, not simulated time.
  std::chrono::steady_clock::time_point give_up{};
  for (;;) {
    std::string line;
    {
      std::unique_lock lock(mu_);
      if (stop.stop_requested() && give_up == std::chrono::steady_clock::time_point{}) {
        give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      }
      if (queue_.empty()) {
        if (stop.stop_requested()) return;
        cv_.wait(lock, stop, [this] { return !queue_.empty(); });
        continue;
      }
      line = queue_.front();
    }
    auto res = client.Post(path, headers, line, "application/json");
    const bool done = res && (res->status / 100 == 2 || res->status / 100 == 4);
    if (done) {
      if (res->status / 100 == 4) {
        std::fprintf(stderr, "firewatch sim: change event refused by %s: HTTP %d %s\n",
                     url_.c_str(), res->status, res->body.c_str());
      }
      std::lock_guard lock(mu_);
      queue_.pop_front();
      backoff = std::chrono::milliseconds(200);
      continue;
    }
    if (give_up != std::chrono::steady_clock::time_point{} &&
        std::chrono::steady_clock::now() > give_up) {
      return;
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [&] {
      return stop.stop_requested() && give_up == std::chrono::steady_clock::time_point{};
    });
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5'000));
  }
}

}  // namespace fw::sim

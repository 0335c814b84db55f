#pragma once
// Where `firewatch sim serve` sends its log lines and change events besides
// its own HTTP routes, the way a real application and its deploy pipeline
// would: log lines appended to a file (which a log shipper, or firewatch's
// log_files, follows), and change events POSTed to a deploy-event API
// (firewatch's POST /api/v1/changes) with a bearer token, retried until
// delivered so that a server started later still gets every event.

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/error.h"

namespace fw::sim {

class LogFileWriter {
 public:
  static Result<std::unique_ptr<LogFileWriter>> Open(const std::string& path);
  ~LogFileWriter();
  void Write(std::string_view line);  // appends line + '\n', flushed

 private:
  explicit LogFileWriter(std::FILE* f) : f_(f) {}
  std::FILE* f_;
};

class ChangePoster {
 public:
  // url: http://host:port/path. token: sent as a bearer token ("" = none).
  ChangePoster(std::string url, std::string token);
  ~ChangePoster();  // tries what is queued for at most two more seconds
  void Post(std::string_view json_line);

 private:
  void Loop(std::stop_token stop);
  std::string url_, token_;
  std::mutex mu_;
  std::condition_variable_any cv_;
  std::deque<std::string> queue_;
  std::jthread thread_;
};

}  // namespace fw::sim

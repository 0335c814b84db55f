// `firewatch logs ...`: Logs Insights queries over NDJSON and plain-text
// files or the log store, tail of the store, and ingestion into the store
// (import, stdin, files followed like tail -F).

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "common/duration.h"
#include "logs/ingest/file_tail.h"
#include "logs/ingest/line_ingest.h"
#include "logs/insights/eval.h"
#include "logs/insights/executor.h"
#include "logs/insights/output.h"
#include "logs/insights/parser.h"
#include "logs/ndjson_reader.h"
#include "logs/store/log_store.h"
#include "logs/store/store_follow.h"

namespace fw::cli {
namespace {

namespace insights = fw::logs::insights;

struct LogsQueryFlags {
  std::string query, start, end, since, format = "table", timeout = "60s", data;
  std::vector<std::string> files, groups;
  int64_t max_rows = 1'000'000, max_groups = 100'000;
  int threads = 0;
  bool stats = false;
};

// The store lives in DATA/logs, as under `firewatch serve --data DATA`.
std::string StoreDir(const std::string& data) { return data + "/logs"; }

Error BadFlag(const std::string& message) { return Error(ErrorCode::kInvalidArgument, message); }

Result<logs::TimeRange> TimeRangeOf(const LogsQueryFlags& f, Clock& clock) {
  logs::TimeRange range;
  if (!f.since.empty()) {
    if (!f.start.empty() || !f.end.empty()) {
      return Fail(BadFlag("--since cannot be combined with --start or --end"));
    }
    auto d = ParseDuration(f.since);
    if (!d || d->count() <= 0)
      return Fail(BadFlag("--since: expected a duration such as 15m or 2h"));
    range.start = clock.Now() - d->count();
    return range;
  }
  for (auto [text, flag, out] :
       {std::tuple{&f.start, "--start", &range.start}, std::tuple{&f.end, "--end", &range.end}}) {
    if (text->empty()) continue;
    auto t = ParseTimestamp(*text);
    if (!t) return Fail(t.error().WithContext(flag));
    *out = *t;
  }
  if (range.start && range.end && *range.end <= *range.start) {
    return Fail(BadFlag("--end must be after --start"));
  }
  return range;
}

void RunQuery(const LogsQueryFlags& f, ExitStatus& status) {
  auto format = insights::ParseOutputFormat(f.format);
  if (!format) return ReportError(format.error(), status);
  auto query = insights::ParseQuery(f.query);
  if (!query) return ReportError(query.error(), status);
  if (f.files.empty() == f.data.empty()) {
    return ReportError(BadFlag("give either --file (NDJSON or plain-text logs, repeatable) or "
                               "--data (the data directory of a log store)"),
                       status);
  }
  if (!f.groups.empty() && f.data.empty()) {
    return ReportError(BadFlag("--group selects log groups of the store; use it with --data"),
                       status);
  }
  RealClock clock;
  auto range = TimeRangeOf(f, clock);
  if (!range) return ReportError(range.error(), status);
  auto timeout = ParseDuration(f.timeout);
  if (!timeout || timeout->count() <= 0) {
    return ReportError(BadFlag("--timeout: expected a duration such as 30s or 2m"), status);
  }
  insights::QueryLimits limits;
  limits.timeout_ms = timeout->count();
  limits.max_rows = f.max_rows;
  limits.max_groups = f.max_groups;
  limits.threads =
      f.threads > 0 ? f.threads : static_cast<int>(std::thread::hardware_concurrency());
  std::unique_ptr<logs::EventSource> source;
  std::unique_ptr<logs::store::LogStore> store;
  if (f.data.empty()) {
    source = std::make_unique<logs::FileEventSource>(f.files, clock);
  } else {
    logs::store::StoreOptions o;
    o.read_only = true;  // a server may be writing to it
    auto opened = logs::store::LogStore::Open(StoreDir(f.data), clock, o);
    if (!opened) return ReportError(opened.error(), status);
    store = std::move(*opened);
    source = std::make_unique<logs::store::StoreEventSource>(*store, f.groups);
  }
  auto result = insights::Execute(*query, *source, *range, clock, limits);
  if (!result) return ReportError(result.error(), status);
  std::cout << insights::Render(*result, *format);
  auto* files = dynamic_cast<logs::FileEventSource*>(source.get());
  if (files && files->truncated_lines() > 0) {
    std::cerr << "firewatch: " << files->truncated_lines()
              << " over-long lines were cut to 1 MiB and kept\n";
  }
  if (f.stats) {
    const int64_t filtered = files ? files->filtered_lines() : 0;
    std::cerr << "records scanned " << result->records_scanned + filtered << ", matched "
              << result->records_matched;
    if (auto* st = dynamic_cast<logs::store::StoreEventSource*>(source.get())) {
      std::cerr << "; blocks read " << st->stats().blocks_read << " of " << st->stats().blocks_total
                << ", " << st->stats().bytes_read << " compressed bytes";
    }
    std::cerr << "\n";
  }
}

struct LogsIngestFlags {
  std::vector<std::string> files;
  std::string data = "data", group, stream, retention, poll = "250ms";
  uint64_t max_bytes = 0;
  bool follow = false;
};

Result<std::unique_ptr<logs::store::LogStore>> OpenForWrite(const LogsIngestFlags& f,
                                                            Clock& clock) {
  logs::store::StoreOptions o;
  o.max_bytes = f.max_bytes;
  if (!f.retention.empty()) {
    auto d = ParseDuration(f.retention);
    if (!d || d->count() <= 0) {
      return Fail(BadFlag("--retention: expected a duration such as 7d or 12h"));
    }
    o.retention_ms = d->count();
  }
  return logs::store::LogStore::Open(StoreDir(f.data), clock, o);
}

// Feeds a file (or stdin, for "-") to an ingester. Stdin may be a live
// stream (tail -f): what each read returned is made durable before the next
// read waits.
Result<logs::ingest::IngestCounts> IngestStream(logs::store::LogStore& store, Clock& clock,
                                                const std::string& path,
                                                logs::ingest::LineIngestOptions o) {
  const bool is_stdin = path == "-";
  const int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(ErrorCode::kNotFound, path + ": cannot open: " + std::strerror(errno));
  logs::ingest::LineIngester in(store, clock, std::move(o));
  std::string buf(1 << 20, '\0');
  Result<void> r;
  while (r) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) r = Fail(ErrorCode::kIo, path + ": read error: " + std::strerror(errno));
    if (n <= 0) break;
    r = in.Feed(std::string_view(buf.data(), static_cast<size_t>(n)));
    if (r && is_stdin) r = in.Flush();
  }
  if (!is_stdin) ::close(fd);
  if (r) r = in.Finish();
  if (!r) return Fail(r.error());
  return in.counts();
}

void PrintCounts(const std::string& what, const logs::ingest::IngestCounts& c) {
  std::cout << what << ": " << c.accepted << " events";
  if (c.malformed) std::cout << ", " << c.malformed << " malformed kept as text";
  if (c.oversized) std::cout << ", " << c.oversized << " over-long lines cut to 1 MiB and kept";
  std::cout << "\n";
}

// Each file is its own stream by default, named as the file reader names
// it, so a query over the store answers as it does over the files.
void RunIngest(const LogsIngestFlags& f, bool from_stdin, ExitStatus& status) {
  RealClock clock;
  auto store = OpenForWrite(f, clock);
  if (!store) return ReportError(store.error(), status);
  const std::vector<std::string> inputs = from_stdin ? std::vector<std::string>{"-"} : f.files;
  for (const std::string& path : inputs) {
    logs::ingest::LineIngestOptions o;
    o.group = !f.group.empty() ? f.group : from_stdin ? "stdin" : path;
    o.stream = !f.stream.empty() ? f.stream
               : from_stdin      ? "stdin"
                                 : std::filesystem::path(path).filename().string();
    auto counts = IngestStream(**store, clock, path, o);
    if (!counts) return ReportError(counts.error(), status);
    PrintCounts(from_stdin ? "stdin" : path, *counts);
  }
  if (auto r = (*store)->Seal(); !r) return ReportError(r.error(), status);
  if (auto r = (*store)->ApplyRetention(); !r) return ReportError(r.error(), status);
}

void AddIngestFlags(CLI::App* cmd, LogsIngestFlags& f) {
  cmd->add_option("--data", f.data, "Data directory; the store is DATA/logs")
      ->capture_default_str();
  cmd->add_option("--group", f.group, "@log of the events (default: the file path, or stdin)");
  cmd->add_option("--stream", f.stream,
                  "@logStream of the events (default: the file name, or stdin)");
  cmd->add_option("--retention", f.retention, "Delete segments ingested longer ago (e.g. 7d)");
  cmd->add_option("--max-bytes", f.max_bytes, "Delete the oldest segments above this size");
}

// SIGINT and SIGTERM end a follow loop cleanly: they are blocked and waited
// for between polls, so a poll in progress always completes.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
  }
  ~StopSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
  // Waits up to `ms`; true when a stop signal came.
  bool Wait(int64_t ms) {
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
    while (true) {
      const int sig = sigtimedwait(&set_, nullptr, &ts);
      if (sig > 0) return true;
      if (errno != EINTR) return false;
    }
  }

 private:
  sigset_t set_, old_;
};

Result<int64_t> PollInterval(const std::string& text) {
  auto d = ParseDuration(text);
  if (!d || d->count() <= 0) {
    return Fail(BadFlag("--poll-interval: expected a duration such as 250ms or 1s"));
  }
  return d->count();
}

// A followed file's position file: DATA/logs-tail/NAME-HASH.pos, the hash
// (FNV-1a) of the absolute path keeping two files of one name apart.
std::string PositionPath(const std::string& data, const std::string& file) {
  const std::string abs = std::filesystem::absolute(file).lexically_normal().string();
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : abs) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return data + "/logs-tail/" + std::filesystem::path(file).filename().string() + "-" + hex +
         ".pos";
}

void RunFollow(const LogsIngestFlags& f, ExitStatus& status) {
  auto poll_ms = PollInterval(f.poll);
  if (!poll_ms) return ReportError(poll_ms.error(), status);
  RealClock clock;
  auto store = OpenForWrite(f, clock);
  if (!store) return ReportError(store.error(), status);
  StopSignals signals;  // before any reading: a stop never cuts a batch
  std::vector<std::unique_ptr<logs::ingest::FileTailer>> tailers;
  for (const std::string& path : f.files) {
    logs::ingest::FileTailOptions o;
    o.path = path;
    o.state_path = PositionPath(f.data, path);
    o.lines.group = !f.group.empty() ? f.group : path;
    o.lines.stream = !f.stream.empty() ? f.stream : std::filesystem::path(path).filename().string();
    tailers.push_back(std::make_unique<logs::ingest::FileTailer>(**store, clock, o));
    if (auto r = tailers.back()->Start(); !r) return ReportError(r.error(), status);
  }
  if (f.follow) std::cout << "following " << f.files.size() << " file(s)" << std::endl;
  Result<void> failed;
  do {
    for (auto& t : tailers) {
      if (auto r = t->Poll(); !r) failed = Fail(r.error());
    }
  } while (failed && f.follow && !signals.Wait(*poll_ms));
  for (size_t i = 0; i < tailers.size(); ++i) PrintCounts(f.files[i], tailers[i]->counts());
  if (!failed) return ReportError(failed.error(), status);
  if (auto r = (*store)->Seal(); !r) return ReportError(r.error(), status);
  if (auto r = (*store)->ApplyRetention(); !r) return ReportError(r.error(), status);
}

struct LogsTailFlags {
  std::string data = "data", since = "10m", filter, format = "detailed", poll = "1s";
  std::vector<std::string> groups;
  bool follow = false;
};

void PrintTailEvent(const logs::LogEvent& e, const std::string& format) {
  if (format == "json") {
    nlohmann::json j = {{"@timestamp", FormatRfc3339Millis(e.timestamp)},
                        {"@log", e.log_group},
                        {"@logStream", e.log_stream},
                        {"@message", e.message}};
    if (e.ingestion_time) j["@ingestionTime"] = FormatRfc3339Millis(*e.ingestion_time);
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (format == "short") {
    std::cout << FormatRfc3339Millis(e.timestamp) << " " << e.message << "\n";
  } else {
    std::cout << FormatRfc3339Millis(e.timestamp) << " " << e.log_group << " " << e.log_stream
              << " " << e.message << "\n";
  }
}

// --filter takes what follows `filter` in a query, and only that.
Result<std::optional<insights::Query>> TailFilter(const std::string& text) {
  if (text.empty()) return std::optional<insights::Query>();
  auto q = insights::ParseQuery("filter " + text);
  if (!q) return Fail(q.error().WithContext("--filter (parsed as `filter EXPR`)"));
  if (q->commands.size() != 1) {
    return Fail(BadFlag("--filter takes one filter expression, not a query with `|`"));
  }
  return std::optional<insights::Query>(std::move(*q));
}

void RunTail(const LogsTailFlags& f, ExitStatus& status) {
  if (f.format != "detailed" && f.format != "short" && f.format != "json") {
    return ReportError(BadFlag("--format: expected detailed, short or json"), status);
  }
  auto filter = TailFilter(f.filter);
  if (!filter) return ReportError(filter.error(), status);
  auto poll_ms = PollInterval(f.poll);
  if (!poll_ms) return ReportError(poll_ms.error(), status);
  auto since = ParseDuration(f.since);
  if (!since || since->count() <= 0) {
    return ReportError(BadFlag("--since: expected a duration such as 15m or 2h"), status);
  }
  RealClock clock;
  logs::TimeRange window;
  window.start = clock.Now() - since->count();
  logs::store::StoreFollower follower(StoreDir(f.data), clock, window, f.groups);
  StopSignals signals;
  int64_t seq = 0;
  auto print = [&](const logs::LogEvent& e) {
    if (*filter) {
      const insights::Row row = insights::RowFromEvent(e, seq++);
      if (!insights::Eval(*(*filter)->commands[0].condition, row).Truthy()) return;
    }
    PrintTailEvent(e, f.format);
  };
  do {
    if (auto r = follower.Poll(print); !r) return ReportError(r.error(), status);
    std::cout << std::flush;
  } while (f.follow && !signals.Wait(*poll_ms));
}

void AddTailFlags(CLI::App* cmd, LogsTailFlags& f) {
  cmd->add_option("--data", f.data, "Data directory; the store is DATA/logs")
      ->capture_default_str();
  cmd->add_flag("--follow,-f", f.follow, "Keep printing new events until SIGINT/SIGTERM");
  cmd->add_option("--filter", f.filter,
                  "Only events where this Logs Insights filter expression holds, e.g.\n"
                  "'level = \"ERROR\" and @message like /timeout/'");
  cmd->add_option("--since", f.since, "Start this long ago (events by @timestamp)")
      ->capture_default_str();
  cmd->add_option("--group", f.groups, "Only these log groups (@log; repeatable)");
  cmd->add_option("--format", f.format,
                  "detailed (time, @log, @logStream, @message), short (time, @message) "
                  "or json (one object a line)")
      ->capture_default_str();
  cmd->add_option("--poll-interval", f.poll, "How often the store is checked with --follow")
      ->capture_default_str();
}

}  // namespace

void RegisterLogs(CLI::App& app, ExitStatus& status) {
  auto* logs_cmd = app.add_subcommand(
      "logs", "Logs: CloudWatch Logs Insights queries over files or the log store");
  logs_cmd->require_subcommand(1);

  auto* query = logs_cmd->add_subcommand(
      "query",
      "Run a CloudWatch Logs Insights query over NDJSON or plain-text log files\n"
      "(--file) or the log store (--data), e.g.\n"
      "  firewatch logs query --file out/db/logs.ndjson \\\n"
      "    'filter level = \"ERROR\" | stats count(*) as errors by route | sort errors desc'\n"
      "See docs/logs.md for the language.");
  static LogsQueryFlags q;
  query->add_option("query", q.query, "The query: commands separated by |")->required();
  query->add_option("--file,-f", q.files, "A log file to read (repeatable): NDJSON or plain text")
      ->check(CLI::ExistingFile);
  query->add_option("--data", q.data, "Query the log store of this data directory (DATA/logs)");
  query->add_option("--group", q.groups, "With --data: only these log groups (@log; repeatable)");
  query->add_flag("--stats", q.stats, "Print records and blocks scanned to stderr");
  query->add_option("--start", q.start, "Only events at or after this time (RFC 3339 or Unix s)");
  query->add_option("--end", q.end, "Only events before this time (RFC 3339 or Unix s)");
  query->add_option("--since", q.since, "Only events of the last duration (15m, 2h, 1d)");
  query->add_option("--format", q.format, "Output: table, json or csv")->capture_default_str();
  query->add_option("--timeout", q.timeout, "Query time limit")->capture_default_str();
  query->add_option("--max-rows", q.max_rows, "Memory limit: rows held at once")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  query->add_option("--max-groups", q.max_groups, "Memory limit: stats groups")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  query->add_option("--threads", q.threads, "Threads for stats over files (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  query->callback([&status] { RunQuery(q, status); });

  static LogsIngestFlags imp, in;
  static LogsTailFlags t;
  auto* import = logs_cmd->add_subcommand(
      "import",
      "Store NDJSON or plain-text log files (e.g. a sim run's logs.ndjson), one event "
      "per line");
  import->add_option("file", imp.files, "Log files")->required()->check(CLI::ExistingFile);
  AddIngestFlags(import, imp);
  import->callback([&status] { RunIngest(imp, false, status);
});
auto* ingest =
    logs_cmd->add_subcommand("ingest",
                             "Store log lines read from stdin (NDJSON or plain text), e.g.\n"
                             "  journalctl -f -o json | firewatch logs ingest --group journal");
AddIngestFlags(ingest, in);
ingest->add_option("file", in.files,
                   "Log files to follow like tail -F (rotation and truncation handled, "
                   "position kept in DATA/logs-tail); none: stdin");
ingest->add_flag("--follow,-F", in.follow,
                 "Keep following the files until SIGINT/SIGTERM (else stop at their end)");
ingest->add_option("--poll-interval", in.poll, "How often followed files are checked")
    ->capture_default_str();
ingest->callback([&status] {
  if (in.files.empty()) {
    if (in.follow)
      return ReportError(BadFlag("--follow needs files; stdin is read to its end"), status);
    return RunIngest(in, true, status);
  }
  RunFollow(in, status);
});

auto* tail = logs_cmd->add_subcommand(
    "tail",
    "Print the store's recent events and, with --follow, new ones as they arrive\n"
    "(the aws logs tail --follow of firewatch), e.g.\n"
    "  firewatch logs tail --data data --follow --filter 'level = \"ERROR\"'");
AddTailFlags(tail, t);
tail->callback([&status] { RunTail(t, status); });
}  // namespace fw::cli

}  // namespace fw::cli

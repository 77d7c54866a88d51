#include "runtime/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <mutex>

namespace rivulet {

namespace {

log_level from_env() {
  const char* v = std::getenv("RIVULET_LOG");
  if (!v)
    return log_level::off;
  if (!std::strcmp(v, "debug"))
    return log_level::debug;
  if (!std::strcmp(v, "info"))
    return log_level::info;
  if (!std::strcmp(v, "warn"))
    return log_level::warn;
  if (!std::strcmp(v, "error"))
    return log_level::error;
  return log_level::off;
}

std::atomic<int>& level_ref() {
  static std::atomic<int> level{static_cast<int>(from_env())};
  return level;
}

std::mutex& sink_mutex() {
  static std::mutex m;
  return m;
}

log_sink& sink_ref() {
  static log_sink sink;
  return sink;
}

const char* name(log_level l) {
  switch (l) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO ";
    case log_level::warn:
      return "WARN ";
    case log_level::error:
      return "ERROR";
    default:
      return "?";
  }
}

} // namespace

void set_log_level(log_level level) {
  level_ref().store(static_cast<int>(level));
}

log_level current_log_level() {
  return static_cast<log_level>(level_ref().load());
}

void set_log_sink(log_sink sink) {
  std::lock_guard<std::mutex> guard{sink_mutex()};
  sink_ref() = std::move(sink);
}

bool log_enabled(log_level level) {
  return static_cast<int>(level) >= level_ref().load(std::memory_order_relaxed) && level != log_level::off;
}

void log_line(log_level level, const char* component, const std::string& message) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&secs, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::ostringstream line;
  line << stamp << '.' << (ms < 100 ? (ms < 10 ? "00" : "0") : "") << ms << "Z " << name(level) << ' '
       << component << ' ' << message;
  std::lock_guard<std::mutex> guard{sink_mutex()};
  if (sink_ref())
    sink_ref()(level, line.str());
  else
    std::cerr << line.str() << '\n';
}

} // namespace rivulet

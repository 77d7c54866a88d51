#pragma once

// A small leveled logger. Library code logs through it and never prints on
// its own: nothing is written unless the application sets a level (the
// rivulet CLI does, and RIVULET_LOG=debug|info|warn|error sets it from the
// environment). Lines name the component and what it concerns (job, task,
// instance, partition, offset), e.g.
//   2026-11-28T08:40:01.123Z WARN  supervisor job 'wc': operator 'split' instance 2/4 failed: ...

#include <functional>
#include <sstream>
#include <string>

namespace rivulet {

enum class log_level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Where log lines go; the default writes to stderr.
using log_sink = std::function<void(log_level, const std::string& line)>;

/// Sets the lowest level written (off by default, or RIVULET_LOG if set).
void set_log_level(log_level level);
log_level current_log_level();
/// Replaces the sink (e.g. to capture lines in tests); null restores stderr.
void set_log_sink(log_sink sink);

/// Whether a line at `level` would be written.
bool log_enabled(log_level level);

/// Writes one line: timestamp, level, component, message.
void log_line(log_level level, const char* component, const std::string& message);

/// Builds the message only when the level is enabled.
#define RIVULET_LOG(level, component, expr)                                                                   \
  do {                                                                                                        \
    if (::rivulet::log_enabled(level)) {                                                                      \
      std::ostringstream rivulet_log_os_;                                                                     \
      rivulet_log_os_ << expr;                                                                                \
      ::rivulet::log_line(level, component, rivulet_log_os_.str());                                           \
    }                                                                                                         \
  } while (false)

} // namespace rivulet

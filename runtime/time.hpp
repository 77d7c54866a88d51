#pragma once

#include <cstdint>
#include <limits>

namespace rivulet {

/// Event or processing time in milliseconds (since the epoch for wall-clock
/// time; any origin the user picks for event time).
using timestamp = std::int64_t;

/// The timestamp of a record nobody assigned one to.
constexpr timestamp no_timestamp = std::numeric_limits<timestamp>::min();

/// The watermark before any was emitted: holds back nothing.
constexpr timestamp min_watermark = std::numeric_limits<timestamp>::min();

/// The watermark at end of input: every event-time timer fires.
constexpr timestamp max_watermark = std::numeric_limits<timestamp>::max();

/// a + b without overflow past the representable range.
constexpr timestamp saturating_add(timestamp a, timestamp b) noexcept {
  if (b > 0 && a > std::numeric_limits<timestamp>::max() - b)
    return std::numeric_limits<timestamp>::max();
  if (b < 0 && a < std::numeric_limits<timestamp>::min() - b)
    return std::numeric_limits<timestamp>::min();
  return a + b;
}

/// What links may ask of the task that runs them: the processing-time clock
/// and a wake-up. Implemented by the task; in tests by a harness whose
/// clock is virtual.
class link_context {
public:
  virtual ~link_context() = default;
  /// Current processing time (ms). Virtual under the deterministic scheduler.
  virtual timestamp processing_time() const = 0;
  /// Asks for on_processing_time(now) to reach the chain at or after `at`.
  /// Requests may repeat; the earliest pending one wins.
  virtual void request_wakeup(timestamp at) = 0;
};

} // namespace rivulet

#pragma once

// Per-partition watermarks inside one source instance that reads several
// partitions (Flink's per-split watermarks in its Kafka source): every
// partition has its own watermark, and the instance's watermark is the
// minimum over the partitions that are neither idle nor finished, so a
// partition that lags in event time holds the instance back instead of
// having its records arrive late behind a faster partition's watermark.

#include <map>
#include <optional>

#include "runtime/kafka_io.hpp"
#include "runtime/time.hpp"

namespace rivulet {

/// Owned by one source instance; not thread-safe. Times are ms.
class partition_watermarks {
public:
  /// A partition without records for `idle_timeout_ms` of processing time
  /// is idle (0: never).
  explicit partition_watermarks(timestamp idle_timeout_ms = 0) : idle_timeout_ms_(idle_timeout_ms) {
  }

  /// Starts tracking `p`, quiet since `now`.
  void add(const kafka_partition& p, timestamp now) {
    parts_[p].last_record_at = now;
  }

  /// A record of `p` with event time `ts` (no_timestamp: none) arrived at
  /// processing time `now`: `p` is active again.
  void on_record(const kafka_partition& p, timestamp ts, timestamp now) {
    auto& s = parts_[p];
    s.last_record_at = now;
    s.idle = false;
    if (ts != no_timestamp && (s.max_ts == no_timestamp || ts > s.max_ts))
      s.max_ts = ts;
  }

  /// Raises `p`'s watermark to `wm` (never lowers it).
  void advance(const kafka_partition& p, timestamp wm) {
    auto& s = parts_[p];
    if (!s.wm || wm > *s.wm)
      s.wm = wm;
  }

  /// `p` reached the end of a bounded read: it holds nothing back.
  void finish(const kafka_partition& p) {
    parts_[p].finished = true;
  }

  /// Marks partitions idle whose quiet time reached the timeout by `now`.
  void check_idle(timestamp now) {
    if (idle_timeout_ms_ <= 0)
      return;
    for (auto& [p, s] : parts_)
      if (!s.idle && now >= saturating_add(s.last_record_at, idle_timeout_ms_))
        s.idle = true;
  }

  /// The minimum watermark over active partitions; nullopt while one of
  /// them has none yet, or when none is active.
  std::optional<timestamp> current() const {
    std::optional<timestamp> out;
    for (auto& [p, s] : parts_) {
      if (s.idle || s.finished)
        continue;
      if (!s.wm)
        return std::nullopt;
      if (!out || *s.wm < *out)
        out = s.wm;
    }
    return out;
  }

  /// True when no partition is active (all idle or finished, or none owned).
  bool all_inactive() const {
    for (auto& [p, s] : parts_)
      if (!s.idle && !s.finished)
        return false;
    return true;
  }

  /// Largest event time seen per partition (no_timestamp: none yet).
  std::map<kafka_partition, timestamp> max_timestamps() const {
    std::map<kafka_partition, timestamp> out;
    for (auto& [p, s] : parts_)
      out[p] = s.max_ts;
    return out;
  }

private:
  struct state {
    timestamp max_ts = no_timestamp;
    std::optional<timestamp> wm;
    timestamp last_record_at = 0;
    bool idle = false;
    bool finished = false;
  };
  timestamp idle_timeout_ms_;
  std::map<kafka_partition, state> parts_;
};

} // namespace rivulet

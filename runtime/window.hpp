#pragma once

// Windows and window assigners: which windows a record belongs to.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "runtime/key_hash.hpp"
#include "runtime/time.hpp"

namespace rivulet {

/// The half-open interval [start, end) of event or processing time.
struct time_window {
  timestamp start = 0;
  timestamp end = 0;

  /// The largest timestamp inside; results of the window carry it.
  timestamp max_timestamp() const noexcept {
    return end - 1;
  }
  bool intersects(const time_window& o) const noexcept {
    return start <= o.end && o.start <= end;
  }
  time_window cover(const time_window& o) const noexcept {
    return {std::min(start, o.start), std::max(end, o.end)};
  }
  friend bool operator==(const time_window& a, const time_window& b) noexcept {
    return a.start == b.start && a.end == b.end;
  }
  friend bool operator!=(const time_window& a, const time_window& b) noexcept {
    return !(a == b);
  }
  friend bool operator<(const time_window& a, const time_window& b) noexcept {
    return a.start != b.start ? a.start < b.start : a.end < b.end;
  }
  friend std::ostream& operator<<(std::ostream& os, const time_window& w) {
    return os << '[' << w.start << ',' << w.end << ')';
  }
};

/// The single window of global windowing: it never ends on its own.
inline time_window global_window() noexcept {
  return {min_watermark, max_watermark};
}

template <>
struct key_hash<time_window> {
  std::uint64_t operator()(const time_window& w) const noexcept {
    return mix64(static_cast<std::uint64_t>(w.start)) ^ static_cast<std::uint64_t>(w.end);
  }
};

/// Start of the window of `size` (shifted by `offset`) holding `ts`; right
/// for negative timestamps too.
inline timestamp window_start(timestamp ts, timestamp offset, timestamp size) noexcept {
  auto r = (ts - offset) % size;
  if (r < 0)
    r += size;
  return ts - r;
}

/// A keyed (or global) result of one window: key, window, value.
template <class K, class V>
struct windowed {
  K key;
  time_window window;
  V value;

  friend bool operator==(const windowed& a, const windowed& b) {
    return a.key == b.key && a.window == b.window && a.value == b.value;
  }
  friend bool operator<(const windowed& a, const windowed& b) {
    if (!(a.key == b.key))
      return a.key < b.key;
    if (a.window != b.window)
      return a.window < b.window;
    return a.value < b.value;
  }
  friend std::ostream& operator<<(std::ostream& os, const windowed& r) {
    return os << '(' << r.key << ',' << r.window << ',' << r.value << ')';
  }
};

/// Assigns records to windows. One object describes tumbling, sliding,
/// session and global windowing, in event or processing time.
template <class T>
class window_assigner {
public:
  enum class kind { tumbling, sliding, session, global };

  kind type() const noexcept {
    return kind_;
  }
  bool event_time() const noexcept {
    return event_time_;
  }
  /// Session windows merge; the others do not.
  bool merging() const noexcept {
    return kind_ == kind::session;
  }

  /// Appends the windows of a record with time `ts` to `out`.
  void assign(const T& rec, timestamp ts, std::vector<time_window>& out) const {
    switch (kind_) {
      case kind::tumbling: {
        auto start = window_start(ts, offset_, size_);
        out.push_back({start, saturating_add(start, size_)});
        return;
      }
      case kind::sliding: {
        auto last = window_start(ts, offset_, slide_);
        for (auto start = last; start > ts - size_; start -= slide_)
          out.push_back({start, saturating_add(start, size_)});
        return;
      }
      case kind::session: {
        auto gap = gap_fn_ ? gap_fn_(rec) : gap_;
        if (gap <= 0)
          throw std::invalid_argument("session gap must be positive, got " + std::to_string(gap));
        out.push_back({ts, saturating_add(ts, gap)});
        return;
      }
      case kind::global:
        out.push_back(global_window());
        return;
    }
  }

  static window_assigner tumbling(bool event_time, std::chrono::milliseconds size,
                                  std::chrono::milliseconds offset) {
    check_positive("tumbling window size", size.count());
    return window_assigner(kind::tumbling, event_time, size.count(), size.count(), offset.count());
  }
  static window_assigner sliding(bool event_time, std::chrono::milliseconds size, std::chrono::milliseconds slide,
                                 std::chrono::milliseconds offset) {
    check_positive("sliding window size", size.count());
    check_positive("sliding window slide", slide.count());
    return window_assigner(kind::sliding, event_time, size.count(), slide.count(), offset.count());
  }
  static window_assigner session(bool event_time, std::chrono::milliseconds gap) {
    check_positive("session gap", gap.count());
    window_assigner a(kind::session, event_time, 0, 0, 0);
    a.gap_ = gap.count();
    return a;
  }
  static window_assigner dynamic_session(bool event_time, std::function<timestamp(const T&)> gap_fn) {
    window_assigner a(kind::session, event_time, 0, 0, 0);
    a.gap_fn_ = std::move(gap_fn);
    return a;
  }
  static window_assigner global() {
    return window_assigner(kind::global, true, 0, 0, 0);
  }

private:
  window_assigner(kind k, bool event_time, timestamp size, timestamp slide, timestamp offset)
    : kind_(k), event_time_(event_time), size_(size), slide_(slide), offset_(offset) {
  }
  static void check_positive(const char* what, timestamp v) {
    if (v <= 0)
      throw std::invalid_argument(std::string(what) + " must be positive, got " + std::to_string(v));
  }

  kind kind_;
  bool event_time_;
  timestamp size_;
  timestamp slide_;
  timestamp offset_;
  timestamp gap_ = 0;
  std::function<timestamp(const T&)> gap_fn_;
};

/// Window assigners by name, as in Flink. Durations in milliseconds.
namespace windows {

/// Fixed-size, non-overlapping event-time windows.
struct tumbling_event_time {
  std::chrono::milliseconds size;
  std::chrono::milliseconds offset{0};
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::tumbling(true, size, offset);
  }
};
struct tumbling_processing_time {
  std::chrono::milliseconds size;
  std::chrono::milliseconds offset{0};
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::tumbling(false, size, offset);
  }
};
/// Windows of `size` starting every `slide`: a record is in size/slide of them.
struct sliding_event_time {
  std::chrono::milliseconds size;
  std::chrono::milliseconds slide;
  std::chrono::milliseconds offset{0};
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::sliding(true, size, slide, offset);
  }
};
struct sliding_processing_time {
  std::chrono::milliseconds size;
  std::chrono::milliseconds slide;
  std::chrono::milliseconds offset{0};
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::sliding(false, size, slide, offset);
  }
};
/// Activity sessions: a window closes after `gap` without records.
struct event_time_session {
  std::chrono::milliseconds gap;
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::session(true, gap);
  }
};
struct processing_time_session {
  std::chrono::milliseconds gap;
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::session(false, gap);
  }
};
/// Sessions whose gap comes from each record: fn(const T&) -> ms.
template <class F>
struct dynamic_event_time_session {
  F gap_fn;
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::dynamic_session(true, gap_fn);
  }
};
template <class F>
dynamic_event_time_session(F) -> dynamic_event_time_session<F>;
/// One window for everything; needs a trigger (e.g. count) to ever fire.
struct global {
  template <class T>
  window_assigner<T> make() const {
    return window_assigner<T>::global();
  }
};

} // namespace windows

} // namespace rivulet

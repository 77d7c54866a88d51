#pragma once

// Triggers decide when a window's result is emitted (fired) and when its
// contents are dropped (purged), as in Flink. A trigger object holds no
// per-window data: it keeps what it needs (a count, the next firing time)
// in the context's per-window slots, which the operator stores with the
// window, merges for session windows, and clears at cleanup.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

#include "runtime/window.hpp"

namespace rivulet {

enum class trigger_result { proceed, fire, purge, fire_and_purge };

inline bool fires(trigger_result r) noexcept {
  return r == trigger_result::fire || r == trigger_result::fire_and_purge;
}
inline bool purges(trigger_result r) noexcept {
  return r == trigger_result::purge || r == trigger_result::fire_and_purge;
}

/// What a trigger may do for the (key, window) it is called for.
class trigger_context {
public:
  virtual ~trigger_context() = default;
  virtual timestamp current_watermark() const = 0;
  virtual timestamp current_processing_time() const = 0;
  virtual void register_event_time_timer(timestamp t) = 0;
  virtual void delete_event_time_timer(timestamp t) = 0;
  virtual void register_processing_time_timer(timestamp t) = 0;
  virtual void delete_processing_time_timer(timestamp t) = 0;
  /// Per-window state slot `i` (0 or 1), 0 for a new window.
  virtual std::int64_t& slot(int i) = 0;
};

/// A trigger for records of type T. Implement it for custom triggers.
template <class T>
class trigger {
public:
  virtual ~trigger() = default;
  virtual trigger_result on_element(const T& rec, timestamp ts, const time_window& w, trigger_context& ctx) = 0;
  virtual trigger_result on_event_time(timestamp time, const time_window& w, trigger_context& ctx) = 0;
  virtual trigger_result on_processing_time(timestamp time, const time_window& w, trigger_context& ctx) = 0;
  /// Session windows need triggers that can merge.
  virtual bool can_merge() const {
    return false;
  }
  /// Called on the merged window after windows merged (slots already merged).
  virtual void on_merge(const time_window&, trigger_context&) {}
  /// How two windows' slot `i` values combine on merge (default: sum).
  virtual std::int64_t merge_slot(int, std::int64_t a, std::int64_t b) const {
    return a + b;
  }
  /// The window is going away: delete its timers.
  virtual void clear(const time_window& w, trigger_context& ctx) = 0;
};

template <class T>
using trigger_ptr = std::shared_ptr<trigger<T>>;

namespace triggers {

/// Fires once the watermark passes the window's end (the default for
/// event-time windows); fires again for each allowed late record.
template <class T>
class event_time final : public trigger<T> {
public:
  trigger_result on_element(const T&, timestamp, const time_window& w, trigger_context& ctx) override {
    if (w.max_timestamp() <= ctx.current_watermark())
      return trigger_result::fire;  // late but within allowed lateness
    ctx.register_event_time_timer(w.max_timestamp());
    return trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp time, const time_window& w, trigger_context&) override {
    return time == w.max_timestamp() ? trigger_result::fire : trigger_result::proceed;
  }
  trigger_result on_processing_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  bool can_merge() const override {
    return true;
  }
  void on_merge(const time_window& w, trigger_context& ctx) override {
    if (w.max_timestamp() > ctx.current_watermark())
      ctx.register_event_time_timer(w.max_timestamp());
  }
  void clear(const time_window& w, trigger_context& ctx) override {
    ctx.delete_event_time_timer(w.max_timestamp());
  }
};

/// Fires when processing time passes the window's end (the default for
/// processing-time windows).
template <class T>
class processing_time final : public trigger<T> {
public:
  trigger_result on_element(const T&, timestamp, const time_window& w, trigger_context& ctx) override {
    ctx.register_processing_time_timer(w.max_timestamp());
    return trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  trigger_result on_processing_time(timestamp time, const time_window& w, trigger_context&) override {
    return time == w.max_timestamp() ? trigger_result::fire : trigger_result::proceed;
  }
  bool can_merge() const override {
    return true;
  }
  void on_merge(const time_window& w, trigger_context& ctx) override {
    ctx.register_processing_time_timer(w.max_timestamp());
  }
  void clear(const time_window& w, trigger_context& ctx) override {
    ctx.delete_processing_time_timer(w.max_timestamp());
  }
};

/// Fires every `n` records of a window (slot 0 counts).
template <class T>
class count final : public trigger<T> {
public:
  explicit count(std::int64_t n) : n_(n) {
  }
  trigger_result on_element(const T&, timestamp, const time_window&, trigger_context& ctx) override {
    auto& c = ctx.slot(0);
    if (++c >= n_) {
      c = 0;
      return trigger_result::fire;
    }
    return trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  trigger_result on_processing_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  bool can_merge() const override {
    return true;
  }
  void clear(const time_window&, trigger_context& ctx) override {
    ctx.slot(0) = 0;
  }

private:
  std::int64_t n_;
};

/// Early results: fires every `interval` of event time while the window is
/// open, and at its end (slot 0 holds the next early firing time).
template <class T>
class continuous_event_time final : public trigger<T> {
public:
  explicit continuous_event_time(std::chrono::milliseconds interval) : interval_(interval.count()) {
  }
  trigger_result on_element(const T&, timestamp ts, const time_window& w, trigger_context& ctx) override {
    if (w.max_timestamp() <= ctx.current_watermark())
      return trigger_result::fire;
    ctx.register_event_time_timer(w.max_timestamp());
    auto& next = ctx.slot(0);
    if (next == 0) {
      // Capped at the window's end, as in Flink: a later early firing would
      // fire again, with nothing new, while the window waits out lateness.
      next = std::min(saturating_add(window_start(ts, 0, interval_), interval_), w.max_timestamp());
      ctx.register_event_time_timer(next);
    }
    return trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp time, const time_window& w, trigger_context& ctx) override {
    if (time == w.max_timestamp())
      return trigger_result::fire;
    auto& next = ctx.slot(0);
    if (time == next) {
      next = std::min(saturating_add(time, interval_), w.max_timestamp());  // capped: see on_element
      ctx.register_event_time_timer(next);
      return trigger_result::fire;
    }
    return trigger_result::proceed;
  }
  trigger_result on_processing_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  bool can_merge() const override {
    return true;
  }
  std::int64_t merge_slot(int, std::int64_t a, std::int64_t b) const override {
    return a == 0 ? b : (b == 0 ? a : std::min(a, b));
  }
  void on_merge(const time_window& w, trigger_context& ctx) override {
    if (w.max_timestamp() > ctx.current_watermark())
      ctx.register_event_time_timer(w.max_timestamp());
    if (ctx.slot(0) != 0)
      ctx.register_event_time_timer(ctx.slot(0));
  }
  void clear(const time_window& w, trigger_context& ctx) override {
    ctx.delete_event_time_timer(w.max_timestamp());
    if (ctx.slot(0) != 0)
      ctx.delete_event_time_timer(ctx.slot(0));
    ctx.slot(0) = 0;
  }

private:
  timestamp interval_;
};

/// Turns every firing of `inner` into fire-and-purge.
template <class T>
class purging final : public trigger<T> {
public:
  explicit purging(trigger_ptr<T> inner) : inner_(std::move(inner)) {
  }
  trigger_result on_element(const T& rec, timestamp ts, const time_window& w, trigger_context& ctx) override {
    return purge(inner_->on_element(rec, ts, w, ctx));
  }
  trigger_result on_event_time(timestamp t, const time_window& w, trigger_context& ctx) override {
    return purge(inner_->on_event_time(t, w, ctx));
  }
  trigger_result on_processing_time(timestamp t, const time_window& w, trigger_context& ctx) override {
    return purge(inner_->on_processing_time(t, w, ctx));
  }
  bool can_merge() const override {
    return inner_->can_merge();
  }
  void on_merge(const time_window& w, trigger_context& ctx) override {
    inner_->on_merge(w, ctx);
  }
  std::int64_t merge_slot(int i, std::int64_t a, std::int64_t b) const override {
    return inner_->merge_slot(i, a, b);
  }
  void clear(const time_window& w, trigger_context& ctx) override {
    inner_->clear(w, ctx);
  }

private:
  static trigger_result purge(trigger_result r) {
    return fires(r) ? trigger_result::fire_and_purge : r;
  }
  trigger_ptr<T> inner_;
};

/// Never fires (the default for global windows).
template <class T>
class never final : public trigger<T> {
public:
  trigger_result on_element(const T&, timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  trigger_result on_event_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  trigger_result on_processing_time(timestamp, const time_window&, trigger_context&) override {
    return trigger_result::proceed;
  }
  bool can_merge() const override {
    return true;
  }
  void clear(const time_window&, trigger_context&) override {}
};

} // namespace triggers

/// The trigger an assigner uses unless the user sets one.
template <class T>
trigger_ptr<T> default_trigger(const window_assigner<T>& a) {
  if (a.type() == window_assigner<T>::kind::global)
    return std::make_shared<triggers::never<T>>();
  if (a.event_time())
    return std::make_shared<triggers::event_time<T>>();
  return std::make_shared<triggers::processing_time<T>>();
}

} // namespace rivulet

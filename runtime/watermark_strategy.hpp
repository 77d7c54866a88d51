#pragma once

// Timestamp assignment and watermark generation, as Flink's
// WatermarkStrategy: where event time comes from, how far behind the
// largest timestamp seen the watermark trails, and when a quiet input
// stops holding everyone back.
//
//   auto timed = clicks.assign_timestamps_and_watermarks(
//       rivulet::watermark_strategy<click>::bounded_out_of_orderness(std::chrono::seconds(5))
//           .with_timestamp_assigner([](const click& c) { return c.ts; })
//           .with_idleness(std::chrono::seconds(30)));

#include <chrono>
#include <functional>
#include <optional>
#include <utility>

#include "runtime/stages.hpp"

namespace rivulet {

template <class T>
class watermark_strategy {
public:
  enum class kind { none, bounded, punctuated };

  /// Watermark = largest timestamp seen - 1: timestamps never go back.
  static watermark_strategy monotonic_timestamps() {
    return bounded_out_of_orderness(std::chrono::milliseconds{0});
  }

  /// Watermark = largest timestamp seen - max_delay - 1, emitted after each
  /// input batch or source step in which it rose.
  static watermark_strategy bounded_out_of_orderness(std::chrono::milliseconds max_delay) {
    watermark_strategy s;
    s.kind_ = kind::bounded;
    s.delay_ms_ = max_delay.count();
    return s;
  }

  /// Watermarks come from the records: fn(rec, ts) returns one or nullopt.
  static watermark_strategy punctuated(std::function<std::optional<timestamp>(const T&, timestamp)> fn) {
    watermark_strategy s;
    s.kind_ = kind::punctuated;
    s.punctuation_ = std::move(fn);
    return s;
  }

  /// Timestamps only; no watermarks until end of input.
  static watermark_strategy no_watermarks() {
    return {};
  }

  /// Event time of a record: fn(const T&) -> timestamp.
  template <class F>
  watermark_strategy with_timestamp_assigner(F fn) const {
    static_assert(std::is_invocable_r_v<timestamp, F&, const T&>,
                  "rivulet: with_timestamp_assigner(fn) needs fn(const T&) returning a timestamp (ms)");
    auto s = *this;
    s.assigner_ = std::move(fn);
    return s;
  }

  /// An input with no records for `timeout` of processing time is marked
  /// idle: downstream operators stop waiting for its watermark.
  watermark_strategy with_idleness(std::chrono::milliseconds timeout) const {
    auto s = *this;
    s.idle_timeout_ms_ = timeout.count();
    return s;
  }

  kind type() const noexcept {
    return kind_;
  }
  timestamp delay_ms() const noexcept {
    return delay_ms_;
  }
  timestamp idle_timeout_ms() const noexcept {
    return idle_timeout_ms_;
  }
  const std::function<timestamp(const T&)>& assigner() const noexcept {
    return assigner_;
  }
  const std::function<std::optional<timestamp>(const T&, timestamp)>& punctuation() const noexcept {
    return punctuation_;
  }

private:
  kind kind_ = kind::none;
  timestamp delay_ms_ = 0;
  timestamp idle_timeout_ms_ = 0;
  std::function<timestamp(const T&)> assigner_;
  std::function<std::optional<timestamp>(const T&, timestamp)> punctuation_;
};

/// Stamps records and generates watermarks per the strategy. Watermarks
/// from upstream are dropped (this operator defines event time), except the
/// end-of-input one.
template <class T>
class watermark_stage final : public stage<T, T> {
public:
  watermark_stage(instance_info info, collector<T>* down, watermark_strategy<T> strategy)
    : stage<T, T>(std::move(info), down), s_(std::move(strategy)) {
  }

  void open(link_context& ctx) override {
    stage<T, T>::open(ctx);
    quiet_since_ = ctx.processing_time();
    if (s_.idle_timeout_ms() > 0)
      ctx.request_wakeup(saturating_add(quiet_since_, s_.idle_timeout_ms()));
  }

  void push(T&& rec, timestamp ts) override {
    ts = stamp(rec, ts);
    auto wm = punctuation(rec, ts);
    this->down_->push(std::move(rec), ts);
    emit(wm);
  }

  void push_ref(const T& rec, timestamp ts) override {
    ts = stamp(rec, ts);
    auto wm = punctuation(rec, ts);
    this->down_->push_ref(rec, ts);
    emit(wm);
  }

  void on_batch_end() override {
    if (s_.type() == watermark_strategy<T>::kind::bounded && max_ts_ != no_timestamp)
      emit(saturating_add(max_ts_, -s_.delay_ms() - 1));
    this->down_->on_batch_end();
  }

  void on_watermark(timestamp wm) override {
    if (wm == max_watermark)
      emit(wm);
  }

  void on_idle_status(bool) override {
    // This operator decides idleness for its own output.
  }

  void on_processing_time(timestamp now) override {
    if (s_.idle_timeout_ms() > 0 && !idle_) {
      // Wake-ups reach the whole chain, also ones other links asked for, so
      // "no records since the last wake-up" may span far less than the
      // timeout: count quiet time from the last wake-up that saw records
      // (as Flink's idleness timer, without reading the clock per record).
      if (active_since_check_) {
        active_since_check_ = false;
        quiet_since_ = now;
      }
      auto due = saturating_add(quiet_since_, s_.idle_timeout_ms());
      if (now >= due) {
        idle_ = true;
        this->down_->on_idle_status(true);
      } else {
        this->ctx_->request_wakeup(due);
      }
    }
    this->down_->on_processing_time(now);
  }

private:
  timestamp stamp(const T& rec, timestamp ts) {
    ++this->in_;
    active_since_check_ = true;
    if (idle_) {
      idle_ = false;
      this->down_->on_idle_status(false);
      // Idle, it asked for no wake-up: ask again to notice the next quiet spell.
      this->ctx_->request_wakeup(saturating_add(this->ctx_->processing_time(), s_.idle_timeout_ms()));
    }
    if (s_.assigner())
      ts = guarded(this->info_, [&] { return s_.assigner()(rec); });
    if (ts != no_timestamp && (max_ts_ == no_timestamp || ts > max_ts_))
      max_ts_ = ts;
    return ts;
  }

  std::optional<timestamp> punctuation(const T& rec, timestamp ts) {
    if (s_.type() != watermark_strategy<T>::kind::punctuated)
      return std::nullopt;
    return guarded(this->info_, [&] { return s_.punctuation()(rec, ts); });
  }

  void emit(std::optional<timestamp> wm) {
    if (!wm || *wm <= last_wm_)
      return;
    last_wm_ = *wm;
    this->down_->on_watermark(*wm);
  }

  watermark_strategy<T> s_;
  timestamp max_ts_ = no_timestamp;
  timestamp last_wm_ = min_watermark;
  bool idle_ = false;
  bool active_since_check_ = false;
  timestamp quiet_since_ = 0;  // processing time from which no records arrived
};

} // namespace rivulet
